/**
 * Math answer verification in the manner of Hugging Face's Math-Verify (the judge TRL's
 * `accuracy_reward`, open-r1 and verl's `math_verify` scorer use): find the answer in free text,
 * parse gold and prediction as mathematics, and decide equality symbolically.
 *
 * Parsing and algebra are @cortex-js/compute-engine's (LaTeX -> MathJSON, simplification, numeric
 * evaluation); this file holds the extraction, the normalisation and the comparison rules:
 * - extraction follows Math-Verify's priorities (`extractMathAnswers`); the first candidate that
 *   parses is the answer, for gold and prediction alike;
 * - numbers decide most RL answers before the engine is loaded (a plain-number answer against
 *   plain-number golds);
 * - numbers are equal when they round to the same value at `precision` decimals;
 * - expressions are equal when their difference simplifies to 0, else when they agree at seeded
 *   points of their unknowns; equations and relations up to a constant (positive) factor;
 * - an equation whose left side names a quantity (`x`, `f(x)`, `|AB|`, `(p,q)`) stands for its
 *   right side against a value; a chain (`z = 1 + 1 = 2`) for its last side;
 * - sets compare without order, tuples and intervals with it; a bare list (`1, 2`, `-12; -11`) is
 *   a set; a list of tuples is a set of solutions; `a < x < b` is the interval; `x \in S` is S;
 * - a gold percentage accepts its face value and its fraction, a predicted one is its fraction;
 *   units, degrees, `\text{}`, thousands separators, a decimal comma in plain text, mixed numbers,
 *   `\pm`, ratios and choice letters are normalised.
 * Every comparison runs under a time limit (`timeoutMs`, default 2000 ms): past it the verdict is
 * "not equal", as Math-Verify's timeout is.
 *
 * Known, deliberate differences from Math-Verify (11 of the 379 corpus cases in
 * test/fixtures/math-verify, listed by `MATH_VERIFY_DISAGREEMENTS=1 node --import tsx --test
 * test/reward/mathVerify.test.ts`): chains through undefined commands, `f(x)` vs `f(y)` in its
 * non-strict mode, mixed numbers split across lines, assignment lists grouped two ways, an escaped
 * `\$` inside inline math, `|z|` ranges against unions, one-off choice labels other than A-E, boxed
 * priority 100 with first-match extraction, and two long solutions found only by its full-text
 * heuristics. A `\bigl( \bigr)` answer is passed over, as Math-Verify's parser cannot read it.
 */
import type { OutcomeReward, RewardSample } from "../api/types";
import { extractAnswer, lastBoxed } from "../../trace/answer";
import { acceptedAnswers } from "./answerMatch";

export interface MathVerifyOptions {
  /** Decimal places numbers are compared at (Math-Verify's default 6). */
  precision?: number;
  /** What to extract, in order (Math-Verify's extraction configs): default `["latex", "expr"]`. */
  targets?: readonly MathTarget[];
  /**
   * Let a gold set or interval match a predicted relation (`x \in [-2, 7]` vs `-2 \le x \le 7`),
   * Math-Verify's `allow_set_relation_comp`; a gold relation always matches the set. Default false.
   */
  allowSetRelation?: boolean;
  /** Priority of `\boxed{}` among the extraction patterns (Math-Verify's `boxed_match_priority`): 0 (default) first, 50 Math-Verify's own default. */
  boxedPriority?: number;
  /** `any_match` (default): the first candidate that parses; `first_match`: the first candidate only (Math-Verify's `extraction_mode`), for the prediction. */
  predictionExtraction?: "any_match" | "first_match";
  /** Time limit for one comparison in ms (default 2000). */
  timeoutMs?: number;
}

export interface MathVerifyRewardOptions extends MathVerifyOptions {
  name?: string;
  weight?: number;
}

/** The slice of compute-engine's API used here. */
interface Engine {
  parse(latex: string): Expr;
  box(json: unknown): Expr;
  withTimeLimit<T>(ms: number, fn: () => T): T;
}
interface Expr {
  readonly json: unknown;
  readonly operator: string;
  readonly ops: readonly Expr[] | null;
  readonly unknowns: readonly string[];
  readonly isValid: boolean;
  readonly re: number;
  readonly im: number;
  N(): Expr;
  simplify(): Expr;
  evaluate(): Expr;
  subs(values: Record<string, number>): Expr;
  isSame(other: Expr): boolean;
}

let engine: Engine | undefined;

/** compute-engine, loaded on first symbolic comparison (a plain require: only rewards that need it pay its ~0.4 s load). */
function ce(): Engine {
  if (!engine) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ComputeEngine } = require("@cortex-js/compute-engine") as { ComputeEngine: new () => Engine };
    engine = new ComputeEngine();
  }
  return engine;
}

// ---------------------------------------------------------------------------------------------
// Extraction

/** "The final answer is X. I hope it is correct." (Math-Verify's priority-0 pattern, Minerva style). */
const FINAL_ANSWER_HOPE = /final answer is\s*:?\s*([\s\S]+?)\.?\s*I hope/gi;
/** "final answer ... is X" (`Final Answer: The largest $n$ is 34`), then "final answer: X" / "the answer is X", to the end of the line. */
const FINAL_ANSWER_IS = /final answer[^\n]*?\bis\b\s*:?\s*([^\n]+)/gi;
const FINAL_ANSWER = /(?:final answer|the answer)\s*(?:is|:)\s*:?\s*([^\n]+)/gi;
const ANSWER_COLON = /\banswer\s*:\s*([^\n]+)/gi;
/** `$$...$$` and `\[...\]` may span lines; `$...$` and `\(...\)` do not (as Math-Verify's patterns). */
const INLINE_MATH = /\$\$([\s\S]+?)\$\$|(?<!\\)\$((?:\\\$|[^$\n])+?)(?<!\\)\$|\\\(([^\n]+?)\\\)|\\\[([\s\S]+?)\\\]/g;
/** A number not glued to letters (`AZYUK2A` holds none), with an optional fraction or mixed number. */
const NUM = String.raw`(?:\d{1,3}(?:(?:,|[ \t])\d{3})+(?!\d)|\d+)(?:[.,]\d+)?|\.\d+`;
/** The last plain expression: numbers joined by + - * / ^ (`11 - 4/9`), a mixed number (`4 4/9`), a percentage. */
const LAST_EXPRESSION = new RegExp(
  String.raw`(?<![A-Za-z\d.])[-+]?\(?(?:${NUM})(?:[ \t]+(?:${NUM})[ \t]*\/[ \t]*(?:${NUM}))?\)?(?:[ \t]*[-+*/^×÷][ \t]*\(?(?:${NUM})\)?)*(?:[ \t]*(?:%|\\%|percent(?:age)?|pct))?(?!\d)`,
  "g",
);
/** Texts up to this long are tried whole (after the marked answers) before their last number. */
const SHORT_ANSWER = 80;
/** Words that join several answers into one list: `$1$ and $2$`, `(11,7) or (7,11)`. */
const CONNECTORS = /^(?:\s|,|;|\\quad|\\qquad|\\text\{[^{}]*\}|\band\b|\bor\b|&)*$/i;

/** A short text that is mathematics, not prose: no words (beyond LaTeX commands and units), no numbers side by side. */
function looksLikeMath(text: string): boolean {
  if (text.includes("\n")) return false;
  const bare = text.replace(/\\[a-zA-Z]+(\{[^{}]*\})?/g, " ");
  return !/[a-zA-Z]{4,}/.test(bare) && !/\d\s+\d+(?!\s*\/)\s*$/.test(bare) && !/\d\s+\d+\s+\d/.test(bare);
}


function lastMatch(text: string, pattern: RegExp): RegExpMatchArray | undefined {
  let last: RegExpMatchArray | undefined;
  for (const match of text.matchAll(pattern)) last = match;
  return last;
}

/**
 * The last `\boxed{}` and the boxes just before it that only short connecting text separates
 * (`\boxed{1} and \boxed{2}`, `\boxed{1}\boxed{2}`): one answer listing them. Boxes farther apart,
 * or in another display (`$$\boxed{20}$$ \boxed{143}`), are not part of it.
 */
function trailingBoxes(text: string): string[] {
  const spans: { start: number; end: number; text: string }[] = [];
  let rest = text;
  for (let guard = 0; guard < 64; guard++) {
    const last = lastBoxed(rest);
    if (!last) break;
    const start = Math.max(rest.lastIndexOf("\\boxed", last.span.start), rest.lastIndexOf("\\fbox", last.span.start), 0);
    spans.unshift({ start, end: last.span.end + 1, text: last.text });
    rest = rest.slice(0, start);
  }
  if (spans.length === 0) return [];
  const out = [spans[spans.length - 1].text];
  for (let i = spans.length - 1; i > 0; i--) {
    const between = text.slice(spans[i - 1].end, spans[i].start).replace(/\\[a-zA-Z]+|\\[()]/g, " ");
    if (between.includes("$") || between.split(/\s+/).filter((w) => /[A-Za-z]{2,}/.test(w)).length > 3) break;
    out.unshift(spans[i - 1].text);
  }
  return out;
}


/** The inline math spans at the end of a text, joined when only connectors separate them (`$1$ and $2$`). */
function trailingMath(text: string): string | undefined {
  const spans = [...text.matchAll(INLINE_MATH)];
  if (spans.length === 0) return undefined;
  const content = (m: RegExpMatchArray) => (m[1] ?? m[2] ?? m[3] ?? m[4] ?? "").trim();
  const parts = [content(spans[spans.length - 1])];
  for (let i = spans.length - 1; i > 0; i--) {
    const between = text.slice((spans[i - 1].index ?? 0) + spans[i - 1][0].length, spans[i].index);
    if (!CONNECTORS.test(between) || between.trim() === "") break;
    parts.unshift(content(spans[i - 1]));
  }
  return parts.join(", ");
}

/**
 * Candidate answers in a text, in Math-Verify's priority order (its default extraction targets,
 * boxed first): every `\boxed{}` (several are one list), the `<answer>` tag (RL completions),
 * "final answer is X. I hope", "final answer is X" / "answer: X", the last inline math (several
 * joined by "and" / "or" are one list), the text itself when short, and its last number. The first
 * candidate that parses is the answer (`extractMathAnswer`).
 */
export function extractMathAnswers(text: string, targets: readonly MathTarget[] = ["latex", "expr"], boxedPriority = 0): string[] {
  const latex = targets.includes("latex");
  const expr = targets.includes("expr");
  // Candidates with Math-Verify's priorities (lower first): "final answer is ... I hope" 0, "final
  // answer ... is" 50, "answer:" 100, plain LaTeX and expressions 300, `\boxed{}` at `boxedPriority`
  // (its tests use 0, the library default is 50); at equal priority the rightmost wins.
  const found: { text: string; at: number; priority: number }[] = [];
  const put = (priority: number, s: string | undefined | null, at: number) => {
    const t = s?.trim().replace(/[.。]+$/, "").trim();
    if (t) found.push({ text: t, at, priority });
  };
  const number = (s: string): { text: string; at: number } | undefined => {
    const found = lastMatch(s, LAST_EXPRESSION);
    if (!found) return undefined;
    // In plain text a comma before other than three digits is a decimal comma (`2,74`, `0,111`).
    const t = found[0].trim().replace(/^([-+]?\d+),(\d+)$/, (m, whole: string, part: string) => (part.length === 3 && whole !== "0" && !whole.startsWith("-0") ? m : `${whole}.${part}`));
    return { text: t, at: (found.index ?? 0) + found[0].length };
  };
  if (latex) {
    const boxed = trailingBoxes(text);
    if (boxed.length > 0) put(boxedPriority, boxed.join(", "), text.lastIndexOf("\\boxed") + 1);
    const close = text.lastIndexOf("</answer>");
    const open = close === -1 ? -1 : text.lastIndexOf("<answer>", close);
    if (open !== -1) {
      const tagged = text.slice(open + 8, close);
      put(0, trailingBoxes(tagged).join(", ") || trailingMath(tagged) || tagged, close);
    }
  }
  const patterns: [RegExp, number][] = [[FINAL_ANSWER_HOPE, 0], [FINAL_ANSWER_IS, 50], [FINAL_ANSWER, 50], [ANSWER_COLON, 100]];
  for (const [pattern, tier] of patterns) {
    const match = lastMatch(text, pattern);
    const final = match?.[1];
    if (final === undefined) continue;
    // Where in the text each candidate ends: the rightmost candidate of a tier wins.
    const from = (match!.index ?? 0) + match![0].length - final.length;
    if (latex) {
      const spans = [...final.matchAll(INLINE_MATH)];
      const lastSpan = spans[spans.length - 1];
      const boxes = trailingBoxes(final).join(", ");
      if (boxes) put(Math.min(tier, boxedPriority), boxes, from + final.lastIndexOf("\\boxed") + 1);
      else if (lastSpan) put(tier, trailingMath(final), from + (lastSpan.index ?? 0) + lastSpan[0].length);
      else if (looksLikeMath(final)) put(tier, final, from + final.length);
    }
    // A phrase's plain-expression answer is the expression it starts with (`is 120. I hope`), not any number inside it.
    if (expr) {
      const found = number(final);
      if (found && /^\s*\$?\s*[-+]?\.?\d/.test(final)) put(tier, found.text, from + found.at);
    }
  }
  if (latex) {
    const spans = [...text.matchAll(INLINE_MATH)];
    const last = spans[spans.length - 1];
    if (last) {
      const end = (last.index ?? 0) + last[0].length;
      put(300, trailingMath(text), end);
      // Then each span on its own, rightmost first (the joined list may not parse).
      for (let i = spans.length - 1; i >= Math.max(0, spans.length - 4); i--) put(300, spans[i][1] ?? spans[i][2] ?? spans[i][3] ?? spans[i][4], end - (spans.length - i));
    }
  }
  if (expr) {
    const found = number(text);
    if (found) put(300, found.text, found.at);
  }
  // A short text that is all mathematics is itself the answer, after the marked ones.
  if (latex && text.length <= SHORT_ANSWER && looksLikeMath(text) && !/^\s*[-+]?\d+,\d+\s*$/.test(text)) put(299, text, text.length);
  const out: string[] = [];
  for (const c of found.sort((x, y) => x.priority - y.priority || y.at - x.at)) if (!out.includes(c.text)) out.push(c.text);
  return out;
}

/** Math-Verify's extraction targets: LaTeX (`\boxed{}`, `$...$`, the text as LaTeX) and plain expressions (numbers). */
export type MathTarget = "latex" | "expr";

// ---------------------------------------------------------------------------------------------
// Normalisation (text -> LaTeX the engine parses)

const UNIT_WORDS = "(?:cm|mm|km|m|kg|g|mg|s|sec|seconds?|min|minutes?|h|hours?|days?|weeks?|years?|units?|sq(?:uare)?\\s*units?|meters?|metres?|inches|inch|feet|foot|ft|miles?|dollars?|cents?|degrees?|pounds?|lbs?|liters?|litres?|ml|l)";
const TEXT_UNIT = new RegExp(`\\\\(?:text|textnormal|mathrm|textbf|mbox)\\{\\s*${UNIT_WORDS}(?:\\^?\\{?[23]\\}?)?\\s*\\}(?:\\^\\{?[23]\\}?)?`, "gi");
const BARE_UNIT = new RegExp(`(\\d)\\s*${UNIT_WORDS}(?:\\^\\{?[23]\\}?)?\\s*$`, "i");

/** What an answer says besides its mathematics. */
interface Normalised {
  latex: string;
  percent: boolean;
}

function stripMathDelimiters(s: string): string {
  return s.replace(/^\s*(\$\$?|\\\(|\\\[)/, "").replace(/(\$\$?|\\\)|\\\])\s*[.,;]?\s*$/, "").trim();
}

const PERCENT = /\s*(?:\\%|%|\\text\{\s*(?:percent(?:age)?|pct)\s*\}|(?<![a-z])(?:percent(?:age)?|pct))\s*$/i;

/** LaTeX (or plain text) made parseable: delimiters, spacing, `\left`/`\right`, units, degrees, percent, thousands, mixed numbers. */
export function normaliseMath(input: string): Normalised {
  let s = stripMathDelimiters(input.trim());
  // `\\le` written with a doubled backslash (escaped twice on the way) is `\le`.
  s = s.replace(/(?<!\\)\\\\(?=(?:le|ge|leq|geq|lt|gt|left|right|frac|dfrac|sqrt|cdot|pi|in|infty|cup)(?![a-zA-Z]))/g, "\\");
  s = s.replace(/\\begin\{array\}\{[^{}]*\}/g, "\\begin{pmatrix}").replace(/\\end\{array\}/g, "\\end{pmatrix}");
  s = s.replace(/,\\!\s*/g, ",");
  // `\bigl( \bigr)` stay: Math-Verify's parser cannot read them, and an answer written with them is
  // passed over for the next candidate there too.
  s = s.replace(/\\(?:displaystyle|textstyle|left|right)(?![a-zA-Z])/g, "");
  s = s.replace(/(?<!\\)\\[,;:! ]|~/g, " ").replace(/\\q?quad/g, ", ");
  s = s.replace(/\\[dt]frac/g, "\\frac");
  s = s.replace(/\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree|°/g, "");
  // `x = 1/3 \approx 0.33` keeps the exact value; `x \approx 11` reads as `x = 11`.
  s = /=[^=]*\\approx/.test(s) ? s.replace(/\\approx[\s\S]*$/, "") : s.replace(/\\approx/, "=");
  // Ratios of plain quantities: `7:32` is 7/32, `A:B` is A/B.
  s = s.replace(/(^|[=\s,(])([A-Za-z0-9]+(?:_\{?[A-Za-z0-9]+\}?)?)\s*:\s*([A-Za-z1-9][A-Za-z0-9]*(?:_\{?[A-Za-z0-9]+\}?)?)(?=$|[=\s,)])/g, "$1\\frac{$2}{$3}");
  s = s.replace(TEXT_UNIT, "");
  let percent = false;
  // Inside a box too: `\boxed{28 percent}`.
  s = s.replace(/\\boxed\{([^{}]*)\}/g, "$1");
  s = s.replace(PERCENT, () => {
    percent = true;
    return "";
  });
  // Words joining answers become commas: `6 \text{ and } 8`, `(11,7) or (7,11)`.
  s = s.replace(/\\text\{\s*(?:and|or)\s*\}|(?<=[\s)\]}\d])(?:and|or)(?=[\s($\\\d-])/g, ",");
  s = s.replace(/\\(?:text|textnormal|mathrm|textbf|textit|mbox|operatorname)\{([^{}]*)\}/g, "$1");
  s = s.replace(BARE_UNIT, "$1").replace(/(\d)\s*(?:m|cm|km)²$/, "$1");
  s = s.replace(/\\\$|\$/g, "");
  s = s.replace(/(?<!\.)[.,;]\s*$/, "").trim();
  // Thousands: `1{,}000` anywhere; `1,000,000` and `1 000` when the answer is that one number (in a
  // list or an interval, `(12,102)`, the comma separates).
  s = s.replace(/(\d)\{,\}(?=\d{3})/g, "$1");
  const lone = /^([-+]?[1-9]\d{0,2}(?:(?:,| )\d{3})+(?:\.\d+)?)(\s+\d+\s*\/\s*\d+)?$/.exec(s);
  if (lone) s = lone[1].replace(/[, ]/g, "") + (lone[2] ?? "");
  // Mixed numbers: `4 4/9` is 4 + 4/9 (a proper fraction after a whole number, on one line).
  s = s.replace(/(^|[^\d./])([-+]?)(\d+)[ \t]+(\d+)\s*\/\s*(\d+)(?![\d/])/g, (m, before: string, sign: string, whole: string, num: string, den: string) =>
    Number(num) < Number(den) ? `${before}${sign === "-" ? "-" : ""}\\frac{${Number(whole) * Number(den) + Number(num)}}{${den}}` : m,
  );
  // `\pm a`: the two values.
  s = s.replace(/^\\pm\s*(.+)$/, "\\{-($1), $1\\}");
  s = plainToLatex(s);
  return { latex: s, percent };
}

/** Plain-text mathematics the LaTeX parser would misread: `sqrt(3)`, `pi`, `inf`, `<=`. */
function plainToLatex(s: string): string {
  let out = s.replace(/\bsqrt\s*\(/g, "\\sqrt(").replace(/(?<!\\)\bpi\b/g, "\\pi").replace(/\b(?:infinity|inf|oo)\b/g, "\\infty");
  out = out.replace(/<=|≤/g, "\\le ").replace(/>=|≥/g, "\\ge ").replace(/!=|≠/g, "\\ne ");
  // \sqrt( ... ) -> \sqrt{ ... }
  for (let at = out.indexOf("\\sqrt("); at !== -1; at = out.indexOf("\\sqrt(", at + 1)) {
    const end = matchingClose(out, at + 5, "(", ")");
    if (end === -1) break;
    out = `${out.slice(0, at)}\\sqrt{${out.slice(at + 6, end)}}${out.slice(end + 1)}`;
  }
  return out;
}

function matchingClose(s: string, open: number, o: string, c: string): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === o) depth++;
    else if (s[i] === c && --depth === 0) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** An extracted answer: the engine's reading of the first candidate that parses, and that candidate's text. */
interface Answer {
  raw: string;
  expr: Expr | null;
  percent: boolean;
}

const parseCache = new Map<string, { expr: Expr | null; percent: boolean }>();
const PARSE_CACHE_SIZE = 1024;

function parseCandidate(candidate: string): { expr: Expr | null; percent: boolean } {
  const cached = parseCache.get(candidate);
  if (cached) return cached;
  const { latex, percent } = normaliseMath(candidate);
  let expr: Expr | null = null;
  // Math-Verify's LaTeX parser cannot read `\bigl( \bigr)`: such an answer is passed over for the next candidate there.
  if (latex !== "" && !/\\[bB]ig[lr]?\b/.test(latex)) {
    try {
      const listed = listToTuple(latex);
      let parsed = ce().parse(listed);
      // A bare list (`-10, -8, 4`, `1 and 2`) is a set of answers, as latex2sympy reads it;
      // parenthesised (`(1, 2)`) it stays a tuple.
      if (parsed.isValid && SEQUENCES.has(parsed.operator) && isBareList(listed)) parsed = ce().box(["Set", ...parsed.ops!.map((op) => op.json)]);
      // `[a, b]` is the closed interval (the parser reads square brackets as a list).
      else if (parsed.operator === "List" && parsed.ops?.length === 2 && /^\s*\[[^[\]]*\]\s*$/.test(listed)) parsed = ce().box(["Interval", parsed.ops[0].json, parsed.ops[1].json]);
      expr = parsed.isValid && !hasErrors(parsed.json) ? parsed : null;
    } catch {
      expr = null;
    }
  }
  const result = { expr, percent };
  if (parseCache.size >= PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value as string);
  parseCache.set(candidate, result);
  return result;
}

function hasErrors(json: unknown): boolean {
  if (Array.isArray(json)) return json[0] === "Error" || json.some(hasErrors);
  return false;
}

/** The first candidate (by priority) that parses, as Math-Verify's `parse` returns it; the first candidate's text when none does. */
function extractMathAnswer(text: string, targets?: readonly MathTarget[], boxedPriority?: number, firstOnly = false): Answer | null {
  const candidates = extractMathAnswers(text, targets, boxedPriority);
  for (const raw of firstOnly ? candidates.slice(0, 1) : candidates) {
    const { expr, percent } = parseCandidate(raw);
    if (expr) return { raw, expr, percent };
  }
  return candidates.length > 0 ? { raw: candidates[0], expr: null, percent: false } : null;
}

/**
 * Semicolons: inside brackets they separate like commas (`(0;0;0)`); at the top level they separate
 * groups (`p=5,q=2;p=7,q=2` is two solutions, `-12;-11` two values).
 */
function listToTuple(latex: string): string {
  const groups: string[] = [];
  let depth = 0;
  let from = 0;
  let out = "";
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === ";" && depth === 0) {
      groups.push(latex.slice(from, i));
      from = i + 1;
    }
  }
  groups.push(latex.slice(from));
  out = groups.map((g) => g.replace(/;/g, ",").trim()).filter((g) => g !== "").map((g) => (groups.length > 1 && topLevelComma(g) ? `(${g})` : g)).join(", ");
  return out;
}

/** Whether a comma separates items at the top level (outside brackets and braces). */
function topLevelComma(latex: string): boolean {
  let depth = 0;
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    if ("([{".includes(c) || latex.startsWith("\\{", i)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) return true;
  }
  return false;
}

/** A top-level comma list not wrapped in one pair of parentheses or brackets. */
function isBareList(latex: string): boolean {
  const t = latex.trim();
  if (!topLevelComma(t)) return false;
  if ((t.startsWith("(") || t.startsWith("[")) && matchingCloseAny(t) === t.length - 1) return false;
  return !t.startsWith("\\{");
}

function matchingCloseAny(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if ("([{".includes(s[i])) depth++;
    else if (")]}".includes(s[i]) && --depth === 0) return i;
  }
  return -1;
}

/** The operator families compared structurally. */
const RELATIONS: Record<string, { strict: boolean; sign: 1 | -1 | 0 }> = {
  Less: { strict: true, sign: 1 },
  LessEqual: { strict: false, sign: 1 },
  Greater: { strict: true, sign: -1 },
  GreaterEqual: { strict: false, sign: -1 },
  NotEqual: { strict: true, sign: 0 },
};
const SEQUENCES = new Set(["Tuple", "List", "Pair", "Triple", "Sequence", "Delimiter"]);

class Comparer {
  constructor(
    private readonly precision: number,
    private readonly allowSetRelation = false,
  ) {}

  /** Gold against prediction. Percentages: a gold `28\%` accepts 28 and 0.28; a predicted `28\%` is 0.28. */
  answers(gold: Answer, predicted: Answer): boolean {
    if (gold.raw.trim() !== "" && gold.raw.trim() === predicted.raw.trim() && gold.percent === predicted.percent) return true;
    if (!gold.expr || !predicted.expr) return false;
    const hundredth = (e: Expr) => ce().box(["Divide", e.json, 100]);
    const g = gold.percent && !predicted.percent ? gold.expr : gold.expr;
    const p = predicted.percent && !gold.percent ? hundredth(predicted.expr) : predicted.expr;
    if (this.equal(g, p, true)) return true;
    return gold.percent && !predicted.percent && this.equal(hundredth(gold.expr), predicted.expr, true);
  }

  /** `goldSide`: `a` is the gold (an equation is unwrapped only on the side it makes sense). */
  equal(a: Expr, b: Expr, goldSide: boolean): boolean {
    a = unwrapElement(a);
    b = unwrapElement(b);
    const ao = a.operator;
    const bo = b.operator;
    if (ao === "Equal" || bo === "Equal") return this.equations(a, b, goldSide);
    if (isChain(a) || isChain(b)) return this.chains(a, b);
    if (ao in RELATIONS && bo in RELATIONS) return this.relations(a, b);
    if (ao in RELATIONS || bo in RELATIONS) return false;
    if (ao === "Matrix" || bo === "Matrix") return this.matrices(a, b);
    if (ao === "Set" || bo === "Set") return this.collections(a, b, ao === "Set" && bo === "Set" ? false : "gold-order");
    if (ao === "Interval" || bo === "Interval") return this.intervals(a, b);
    if (ao === "Union" || bo === "Union") return ao === bo && this.collections(a, b, false);
    if (SEQUENCES.has(ao) || SEQUENCES.has(bo)) return this.collections(a, b, true);
    return this.values(a, b);
  }

  /** `x = 3` against `3`: the value, when the left side names something (`k`, `f(x)`, `|AB|`, `(p,q)`); chains use their last side. */
  private equations(a: Expr, b: Expr, goldSide: boolean): boolean {
    if (a.operator === "Equal" && b.operator === "Equal") {
      const al = lastSide(a);
      const bl = lastSide(b);
      if (isNamed(firstSide(a)) && isNamed(firstSide(b))) return this.equal(al, bl, goldSide) && (firstSide(a).isSame(firstSide(b)) || true);
      return this.proportional(difference(a), difference(b));
    }
    const [eq, other] = a.operator === "Equal" ? [a, b] : [b, a];
    if (!eq.ops!.slice(0, -1).some(isNamed)) return false;
    // A list of assignments against a list of values (`AB=4, CD=5` vs `4, 5`) is handled by collections.
    return this.equal(lastSide(eq), other, goldSide);
  }

  /** Relations: `x \geq 5` is `5 \leq x`; otherwise both are moved to one side and compared up to a positive factor. */
  private relations(a: Expr, b: Expr): boolean {
    const ra = RELATIONS[a.operator];
    const rb = RELATIONS[b.operator];
    if (ra.strict !== rb.strict || (ra.sign === 0) !== (rb.sign === 0)) return false;
    // f > 0 form: for `l < r`, f = r - l (sign +1); for `l > r`, f = l - r.
    const f = (e: Expr, r: (typeof RELATIONS)[string]) => ce().box(r.sign >= 0 ? ["Subtract", e.ops![1].json, e.ops![0].json] : ["Subtract", e.ops![0].json, e.ops![1].json]);
    if (ra.sign === 0) return this.proportional(f(a, ra), f(b, rb));
    return this.proportional(f(a, ra), f(b, rb), true);
  }

  /** `a < x < b` as an interval, against an interval or another chain. */
  private chains(a: Expr, b: Expr): boolean {
    // A gold set against a predicted relation only when allowed (Math-Verify's asymmetry).
    if (!isChain(a) && !this.allowSetRelation) return false;
    const ia = isChain(a) ? chainInterval(a) : a;
    const ib = isChain(b) ? chainInterval(b) : b;
    if (!ia || !ib) return false;
    if (ia.operator === "Interval" && (ib.operator === "Interval" || SEQUENCES.has(ib.operator))) return this.intervals(ia, ib);
    return false;
  }

  private collections(a: Expr, b: Expr, ordered: boolean | "gold-order"): boolean {
    const xs = items(a);
    const ys = items(b);
    if (xs.length !== ys.length) {
      // An assignment list against a list of values: `AB=4, CD=5` vs `4, 5`.
      return false;
    }
    // A list of tuples is a set of solutions: `(1,2),(2,1)` matches `(2,1),(1,2)`.
    const solutions = xs.length > 1 && xs.every((x) => SEQUENCES.has(x.operator)) && ys.every((y) => SEQUENCES.has(y.operator));
    if (ordered === true && !solutions) return xs.every((x, i) => this.equal(x, ys[i], false));
    if (ordered === "gold-order" && a.operator !== "Set" && !solutions) return xs.every((x, i) => this.equal(x, ys[i], false));
    const used = new Set<number>();
    return xs.every((x) => {
      const j = ys.findIndex((y, k) => !used.has(k) && this.equal(x, y, false));
      if (j === -1) return false;
      used.add(j);
      return true;
    });
  }

  /** Intervals by their ends; `(a, b)` written as a pair is the open interval. */
  private intervals(a: Expr, b: Expr): boolean {
    const ends = (e: Expr) => {
      if (SEQUENCES.has(e.operator) && e.ops?.length === 2) return e.ops.map((op) => ({ open: true, value: op }));
      if (e.operator !== "Interval") return null;
      return (e.ops ?? []).map((op) => (op.operator === "Open" ? { open: true, value: op.ops![0] } : { open: false, value: op }));
    };
    const ea = ends(a);
    const eb = ends(b);
    return !!ea && !!eb && ea.length === 2 && eb.length === 2 && ea.every((end, i) => end.open === eb[i].open && this.values(end.value, eb[i].value));
  }

  private matrices(a: Expr, b: Expr): boolean {
    const ra = matrixRows(a);
    const rb = matrixRows(b);
    if (!ra || !rb || ra.length !== rb.length) return false;
    return ra.every((row, i) => row.length === rb[i].length && row.every((x, j) => this.equal(x, rb[i][j], false)));
  }

  /** Scalars: same expression, difference simplifying to 0, or equal numbers (at seeded points when there are unknowns). */
  values(a: Expr, b: Expr): boolean {
    if (a.isSame(b)) return true;
    const unknowns = [...new Set([...a.unknowns, ...b.unknowns])];
    if (unknowns.length === 0) {
      const x = numeric(a);
      const y = numeric(b);
      return x !== null && y !== null && this.close(x, y);
    }
    if (ce().box(["Subtract", a.json, b.json]).simplify().isSame(ce().box(0))) return true;
    return POINTS.every((point) => {
      const values = Object.fromEntries(unknowns.map((u, i) => [u, point[i % point.length]]));
      const x = numeric(a.subs(values));
      const y = numeric(b.subs(values));
      return x !== null && y !== null && this.close(x, y);
    });
  }

  /** `f` and `g` equal up to a constant factor (positive when `positive`): equations and relations moved to one side. */
  private proportional(f: Expr, g: Expr, positive = false): boolean {
    const unknowns = [...new Set([...f.unknowns, ...g.unknowns])];
    let ratio: number | undefined;
    for (const point of POINTS) {
      const values = Object.fromEntries(unknowns.map((u, i) => [u, point[i % point.length]]));
      const x = numeric(unknowns.length ? f.subs(values) : f);
      const y = numeric(unknowns.length ? g.subs(values) : g);
      if (x === null || y === null) return false;
      if (Math.abs(y) < 1e-12) {
        if (Math.abs(x) < 1e-12) continue;
        return false;
      }
      const r = x / y;
      if (ratio === undefined) ratio = r;
      else if (Math.abs(r - ratio) > 1e-9 * Math.max(1, Math.abs(ratio))) return false;
    }
    return ratio === undefined ? true : Math.abs(ratio) > 1e-12 && (!positive || ratio > 0);
  }

  /** Math-Verify's number rule: equal after rounding to `precision` decimals (or within 1e-12 relative). */
  private close(x: number, y: number): boolean {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
    if (round(x, this.precision) === round(y, this.precision)) return true;
    return Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x), Math.abs(y));
  }
}

/** Points the unknowns are set to (irrational-ish, positive and negative, away from common poles). */
const POINTS = [
  [0.7368, 1.4142, -0.3183],
  [1.9113, -0.5772, 2.7183],
  [-1.2599, 0.4343, 1.618],
];

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function firstSide(e: Expr): Expr {
  return e.ops![0];
}

/** The last side of `a = b = c` (compute-engine keeps a chain as one `Equal` with several operands). */
function lastSide(e: Expr): Expr {
  return e.ops![e.ops!.length - 1];
}

function difference(e: Expr): Expr {
  return ce().box(["Subtract", firstSide(e).json, lastSide(e).json]);
}

/** A left side that names a quantity rather than computing one: no numbers outside subscripts and arguments, no sum. */
function isNamed(e: Expr): boolean {
  if (e.operator === "Add" || e.operator === "Subtract" || e.operator === "Negate") return false;
  const numbersOutside = (json: unknown, inside: boolean): boolean => {
    if (typeof json === "number") return !inside;
    if (!Array.isArray(json)) return false;
    const [head, ...rest] = json;
    const protectedHead = head === "Subscript" || (typeof head === "string" && /^[a-z]/.test(head));
    return rest.some((x, i) => numbersOutside(x, inside || (protectedHead && (head !== "Subscript" || i > 0))));
  };
  return !numbersOutside(e.json, false) && e.unknowns.length > 0;
}

/** `x \in S` compares as S. */
function unwrapElement(e: Expr): Expr {
  return e.operator === "Element" && e.ops?.length === 2 ? e.ops[1] : e;
}

/** A chained relation `a < x < b` (compute-engine keeps it as one relation with three operands). */
function isChain(e: Expr): boolean {
  return e.operator in RELATIONS && (e.ops?.length ?? 0) === 3;
}

function chainInterval(e: Expr): Expr | null {
  const r = RELATIONS[e.operator];
  const [l, , h] = e.ops!;
  const [lo, hi] = r.sign >= 0 ? [l, h] : [h, l];
  const end = (x: Expr) => (r.strict ? ["Open", x.json] : x.json);
  return ce().box(["Interval", end(lo), end(hi)]);
}

function items(e: Expr): readonly Expr[] {
  let list: readonly Expr[] = [e];
  if (e.operator === "Delimiter" && e.ops?.length === 1 && SEQUENCES.has(e.ops[0].operator)) list = e.ops[0].ops ?? [];
  else if (e.operator === "Set" || e.operator === "Union" || SEQUENCES.has(e.operator)) list = e.ops ?? [];
  // `a_3 = 2, a_{37} = 19`: a list of assignments is the list of their values.
  return list.map((x) => (x.operator === "Equal" && isNamed(firstSide(x)) ? lastSide(x) : x));
}

function matrixRows(e: Expr): Expr[][] | null {
  let inner: Expr = e;
  for (let guard = 0; guard < 6; guard++) {
    if (inner.operator === "Matrix") {
      inner = inner.ops![0];
      break;
    }
    if ((SEQUENCES.has(inner.operator) || inner.operator === "Delimiter") && inner.ops?.length && inner.ops.length <= 3 && inner.ops[0].operator === "Matrix") inner = inner.ops[0];
    else if (inner.operator === "Add" || inner.operator === "Multiply" || inner.operator === "MatrixMultiply") {
      const value = inner.evaluate();
      if (value.isSame(inner)) return null;
      inner = value;
    } else break;
  }
  if (inner.operator !== "List") return null;
  return inner.ops!.map((row) => (row.operator === "List" ? [...row.ops!] : [row]));
}

/** A real number for a closed expression, or null (complex, symbolic, invalid). */
function numeric(e: Expr): number | null {
  try {
    const n = e.N();
    const re = n.re;
    const im = n.im;
    if (typeof re !== "number" || Number.isNaN(re)) return null;
    if (typeof im === "number" && Math.abs(im) > 1e-12) return null;
    return re;
  } catch {
    return null;
  }
}

const CHOICE = /^\(?([A-Ea-e])\)?\.?$/;
/** A standalone choice letter in free text (`A. Because ...`, `the answer is (B)`). */
const CHOICE_IN_TEXT = /(?<![A-Za-z])\(?([A-E])\)?(?![A-Za-z])/;
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;

/**
 * Whether `prediction` states the same mathematical answer as `gold`. Both are texts the answer is
 * extracted from the same way (`extractMathAnswers`: `\boxed{}` first, then `<answer>`, "final
 * answer is", inline math, the text itself, its last number; the first that parses); `gold` may
 * also be a number or a list / object of accepted answers (`acceptedAnswers`).
 */
export function mathEqual(gold: unknown, prediction: string, options: MathVerifyOptions = {}): boolean {
  const { precision = 6, timeoutMs = 2000, targets, allowSetRelation = false, boxedPriority = 0, predictionExtraction = "any_match" } = options;
  const golds = acceptedAnswers(gold).map(String);
  if (golds.length === 0) return false;
  // Numbers decide most RL answers without the symbolic engine: the marked answer (`<answer>`,
  // `\boxed{}`, "Answer:"), as the string matcher reads it, against plain-number golds.
  const markedText = extractAnswer(prediction)?.text;
  const marked = markedText === undefined ? undefined : (lastBoxed(markedText)?.text ?? markedText).trim();
  if (marked !== undefined && PLAIN_NUMBER.test(marked) && golds.every((g) => PLAIN_NUMBER.test(g.trim()))) {
    const x = Number(marked);
    return golds.some((g) => round(Number(g), precision) === round(x, precision));
  }
  for (const g of golds) {
    const choice = CHOICE.exec(g.trim());
    if (choice) {
      const said = [...extractMathAnswers(prediction, targets), prediction].map((c) => CHOICE.exec(c.trim())?.[1] ?? CHOICE_IN_TEXT.exec(c)?.[1]);
      if (said.some((letter) => letter?.toLowerCase() === choice[1].toLowerCase())) return true;
    }
  }
  const comparer = new Comparer(precision, allowSetRelation);
  try {
    return ce().withTimeLimit(timeoutMs, () => {
      const predicted = extractMathAnswer(prediction, targets, boxedPriority, predictionExtraction === "first_match");
      if (!predicted) return false;
      for (const g of golds) {
        const expected = extractMathAnswer(g, targets, boxedPriority);
        if (expected && comparer.answers(expected, predicted)) return true;
      }
      return false;
    });
  } catch {
    // The engine's time limit (a CancellationError) or an expression it cannot handle: not equal.
    return false;
  }
}

/** Math-Verify's own parameter names, as its `parse` / `verify` calls (and its tests) spell them. */
export interface MathVerifyPythonConfig {
  match_types?: readonly string[];
  precision?: number;
  float_rounding?: number;
  allow_set_relation_comp?: boolean;
  boxed_match_priority?: number;
  pred_extraction_mode?: "any_match" | "first_match";
}

/**
 * Options from a Math-Verify configuration (`compare_strings(match_types=["latex", "expr"],
 * precision=6, allow_set_relation_comp=False)`, `LatexExtractionConfig(boxed_match_priority=...)`), for
 * porting an evaluation setup as it is. Unknown match types (`string`) are left out.
 */
export function fromMathVerifyConfig(config: MathVerifyPythonConfig = {}): MathVerifyOptions {
  return {
    precision: config.precision ?? config.float_rounding,
    targets: config.match_types?.filter((t): t is MathTarget => t === "latex" || t === "expr"),
    allowSetRelation: config.allow_set_relation_comp,
    boxedPriority: config.boxed_match_priority,
    predictionExtraction: config.pred_extraction_mode,
  };
}

/**
 * Accuracy reward judged like Math-Verify: 1 when the completion's answer is mathematically equal
 * to the ground truth (`mathEqual`), else 0; null when the sample has no ground truth.
 */
export function mathVerifyReward(options: MathVerifyRewardOptions = {}): OutcomeReward {
  const { name = "math_verify", weight = 1, ...rest } = options;
  return {
    name,
    weight,
    kind: "outcome",
    description: "1 when the final answer is mathematically equal to the ground truth (Math-Verify rules: symbolic, sets, intervals, relations)",
    score(sample: RewardSample) {
      if (acceptedAnswers(sample.answer).length === 0) return null;
      return mathEqual(sample.answer, sample.completion, rest) ? 1 : 0;
    },
  };
}
