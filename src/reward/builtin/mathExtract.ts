/**
 * Where a math answer stands in free text, in Math-Verify's priority order: `\boxed{}`, the
 * `<answer>` tag, "final answer is", inline math, the text itself when short, its last number.
 * Part of the Math-Verify judge (mathVerify.ts).
 */
import { boxesFromEnd } from "../../trace/answer";
import { RecentCache } from "./mathCache";

/**
 * "The final answer is X. I hope it is correct." (Math-Verify's priority-0 pattern, Minerva style).
 * X is at most 1,000 characters, and the pattern runs only where "I hope" is (`I_HOPE`): unbounded,
 * a long text repeating "final answer is" without "I hope" after it was scanned to its end once per
 * repetition (seconds for a few hundred kilobytes).
 */
const FINAL_ANSWER_HOPE = /final answer is\s*:?\s*([\s\S]{1,1000}?)\.?\s*I hope/gi;
const I_HOPE = /I hope/i;
/** Every answer phrase below has the word: a text without it skips them all. */
const ANSWER_WORD = /answer/i;
const ANSWER_WORDS = /answer/gi;
const COLON_AFTER = /\s*:/y;

/**
 * Which answer phrases a text can hold, from one pass over its "answer"s: "final answer" (the
 * first three patterns), "the answer" (the third), a word "answer" then a colon (the fourth). A
 * pattern that cannot match is not run over the text.
 */
function answerPhrases(text: string): { finalAnswer: boolean; theAnswer: boolean; answerColon: boolean } {
  const phrases = { finalAnswer: false, theAnswer: false, answerColon: false };
  ANSWER_WORDS.lastIndex = 0;
  for (let m = ANSWER_WORDS.exec(text); m; m = ANSWER_WORDS.exec(text)) {
    const at = m.index;
    if (!phrases.finalAnswer && asciiLowerBefore(text, at, "final ")) phrases.finalAnswer = true;
    if (!phrases.theAnswer && asciiLowerBefore(text, at, "the ")) phrases.theAnswer = true;
    if (!phrases.answerColon && (at === 0 || !/\w/.test(text[at - 1]))) {
      COLON_AFTER.lastIndex = at + 6;
      phrases.answerColon = COLON_AFTER.test(text);
    }
  }
  return phrases;
}

/** Whether `word` (lowercase ASCII) ends just before `at`, in any case (as the patterns' `i` flag reads it). */
function asciiLowerBefore(text: string, at: number, word: string): boolean {
  if (at < word.length) return false;
  for (let i = 0; i < word.length; i++) {
    const c = text.charCodeAt(at - word.length + i);
    const w = word.charCodeAt(i);
    if (c !== w && !(w >= 0x61 && w <= 0x7a && c === w - 0x20)) return false;
  }
  return true;
}
/**
 * "final answer ... is X" (`Final Answer: The largest $n$ is 34`), then "final answer: X" / "the
 * answer is X", to the end of the line; "final answer" and "is" at most 400 characters apart, for
 * the same reason as above.
 */
const FINAL_ANSWER_IS = /final answer[^\n]{0,400}?\bis\b\s*:?\s*([^\n]+)/gi;
const FINAL_ANSWER = /(?:final answer|the answer)\s*(?:is|:)\s*:?\s*([^\n]+)/gi;
const ANSWER_COLON = /\banswer\s*:\s*([^\n]+)/gi;
/**
 * `$$...$$` and `\[...\]` may span lines; `$...$` and `\(...\)` do not (as Math-Verify's patterns).
 * Spans are at most 5,000 characters (2,000 inline): a long text of openers that never close was
 * otherwise scanned to its end once per opener.
 */
const INLINE_MATH = /\$\$([\s\S]{1,5000}?)\$\$|(?<!\\)\$((?:\\\$|[^$\n]){1,2000}?)(?<!\\)\$|\\\(([^\n]{1,2000}?)\\\)|\\\[([\s\S]{1,5000}?)\\\]/g;
/** A number not glued to letters (`AZYUK2A` holds none), with an optional fraction or mixed number. */
const NUM = String.raw`(?:\d{1,3}(?:(?:,|[ \t])\d{3})+(?!\d)|\d+)(?:[.,]\d+)?|\.\d+`;
/** The last plain expression: numbers joined by + - * / ^ (`11 - 4/9`), a mixed number (`4 4/9`), a percentage. */
const LAST_EXPRESSION = new RegExp(
  String.raw`(?<![A-Za-z\d.])[-+]?\(?(?:${NUM})(?:[ \t]+(?:${NUM})[ \t]*\/[ \t]*(?:${NUM}))?\)?(?:[ \t]*[-+*/^×÷][ \t]*\(?(?:${NUM})\)?)*(?:[ \t]*(?:%|\\%|percent(?:age)?|pct))?(?!\d)`,
  "g",
);
/** Texts up to this long are tried whole (after the marked answers, at this priority) before their last number. */
const SHORT_ANSWER = 80;
const SHORT_TEXT_PRIORITY = 299;
/** `2,74` alone: a decimal comma, read as a number (the last-number candidate), not as the text. */
const DECIMAL_COMMA_ALONE = /^\s*[-+]?\d+,\d+\s*$/;
/** Words that join several answers into one list: `$1$ and $2$`, `(11,7) or (7,11)`. */
const CONNECTORS = /^(?:\s|,|;|\\quad|\\qquad|\\text\{[^{}]*\}|\band\b|\bor\b|&)*$/i;

/**
 * A short text that is mathematics, not prose: no words (beyond LaTeX commands and units), no numbers
 * side by side. A command stands between what it joins (`2 \cdot 3`, `3 \pm 2\sqrt{2}` are not
 * numbers side by side): it is replaced by a mark, not a space.
 */
function looksLikeMath(text: string): boolean {
  if (text.includes("\n")) return false;
  const bare = text.replace(/\\[a-zA-Z]+(\{[^{}]*\})?/g, "@");
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
 * or in another display (`$$\boxed{20}$$ \boxed{143}`), are not part of it. Boxes are looked for
 * from the end, and the search stops at the first gap that is not connecting text: a long solution
 * with a box per step is not searched box by box to its start.
 */
function trailingBoxes(text: string): string[] {
  const out: string[] = [];
  // Where the box found before (to the right) starts.
  let nextStart = -1;
  let guard = 0;
  for (const box of boxesFromEnd(text)) {
    if (nextStart !== -1 && !connectingText(text.slice(box.span.end + 1, nextStart))) break;
    out.unshift(box.text);
    nextStart = box.commandStart;
    if (++guard === 64) break;
  }
  return out;
}

/** Commands and `\\(` `\\)` in the text between two boxes (they separate words there). */
const BETWEEN_COMMANDS = /\\[a-zA-Z]+|\\[()]/g;
const WORD = /\S+/g;
const TWO_LETTERS = /[A-Za-z]{2}/;

/** Whether the text between two boxes only connects them: no `$`, at most three words with two letters in a row. */
function connectingText(between: string): boolean {
  if (between.includes("$")) return false;
  const words = between.replace(BETWEEN_COMMANDS, " ");
  // Word by word, each scanned once, up to the fourth.
  WORD.lastIndex = 0;
  let count = 0;
  for (let m = WORD.exec(words); m; m = WORD.exec(words)) if (TWO_LETTERS.test(m[0]) && ++count > 3) return false;
  return true;
}

/** The mathematics inside an `INLINE_MATH` match, whichever delimiters it has. */
function spanContent(m: RegExpMatchArray): string {
  return (m[1] ?? m[2] ?? m[3] ?? m[4] ?? "").trim();
}

/** The `INLINE_MATH` spans of a text (none without a delimiter: the scan is skipped). */
function inlineMath(text: string): RegExpMatchArray[] {
  return text.includes("$") || text.includes("\\(") || text.includes("\\[") ? [...text.matchAll(INLINE_MATH)] : [];
}

/** The inline math spans at the end of a text, joined when only connectors separate them (`$1$ and $2$`). */
function trailingMath(text: string, spans: RegExpMatchArray[] = inlineMath(text)): string | undefined {
  if (spans.length === 0) return undefined;
  const parts = [spanContent(spans[spans.length - 1])];
  for (let i = spans.length - 1; i > 0; i--) {
    const between = text.slice((spans[i - 1].index ?? 0) + spans[i - 1][0].length, spans[i].index);
    if (!CONNECTORS.test(between) || between.trim() === "") break;
    parts.unshift(spanContent(spans[i - 1]));
  }
  return parts.join(", ");
}

interface Candidate {
  text: string;
  /** Where in the text it ends: the rightmost of a priority wins. */
  at: number;
  priority: number;
}

function addCandidate(found: Candidate[], priority: number, s: string | undefined | null, at: number): void {
  const t = s && cleaned(s);
  if (t) found.push({ text: t, at, priority });
}

/** A candidate's text as it is listed: trimmed, without trailing full stops; undefined when nothing is left. */
function cleaned(s: string): string | undefined {
  return s.trim().replace(/[.。]+$/, "").trim() || undefined;
}

/** The last `<answer>...</answer>`'s candidate (its boxes, else its inline math, else its text) and where the tag closes. */
function tagCandidate(text: string): { text: string; close: number } | undefined {
  const close = text.lastIndexOf("</answer>");
  const open = close === -1 ? -1 : text.lastIndexOf("<answer>", close);
  if (open === -1) return undefined;
  const tagged = text.slice(open + 8, close);
  return { text: trailingBoxes(tagged).join(", ") || trailingMath(tagged) || tagged, close };
}

/** A short text that is all mathematics (and not `2,74` alone, a decimal comma): itself a candidate, after the marked ones. */
function isShortMath(text: string): boolean {
  return text.length <= SHORT_ANSWER && looksLikeMath(text) && !DECIMAL_COMMA_ALONE.test(text);
}

function decimalComma(m: string, whole: string, part: string): string {
  return part.length === 3 && whole !== "0" && !whole.startsWith("-0") ? m : `${whole}.${part}`;
}

function byPriority(x: Candidate, y: Candidate): number {
  return x.priority - y.priority || y.at - x.at;
}

/**
 * The last plain expression in `s` (`LAST_EXPRESSION`) and where it ends. An expression never spans
 * a line, so the lines are searched from the last one with a digit back, not the whole text: the
 * last match in a line is the one a scan of the whole text ends with.
 */
function lastNumber(s: string): { text: string; at: number } | undefined {
  // Line starts, found by forward `indexOf` steps: V8's `lastIndexOf` is not vectorised, and a
  // backward search for the line start of a long paragraph cost tens of microseconds.
  const newlines: number[] = [];
  for (let at = s.indexOf("\n"); at !== -1; at = s.indexOf("\n", at + 1)) newlines.push(at);
  let line = newlines.length;
  let end = s.length;
  while (end > 0) {
    let digit = end - 1;
    while (digit >= 0 && !(s.charCodeAt(digit) >= 48 && s.charCodeAt(digit) <= 57)) digit--;
    if (digit < 0) return undefined;
    while (line > 0 && newlines[line - 1] > digit) line--;
    const lineStart = line > 0 ? newlines[line - 1] + 1 : 0;
    const lineEnd = line < newlines.length ? newlines[line] : s.length;
    const found = lastMatch(s.slice(lineStart, lineEnd), LAST_EXPRESSION);
    if (found) {
      // In plain text a comma before other than three digits is a decimal comma (`2,74`, `0,111`).
      const t = found[0].trim().replace(/^([-+]?\d+),(\d+)$/, decimalComma);
      return { text: t, at: lineStart + (found.index ?? 0) + found[0].length };
    }
    end = lineStart - 1;
  }
  return undefined;
}

/**
 * Candidate answers in a text, in Math-Verify's priority order (its default extraction targets,
 * boxed first): every `\boxed{}` (several are one list), the `<answer>` tag (RL completions),
 * "final answer is X. I hope", "final answer is X" / "answer: X", the last inline math (several
 * joined by "and" / "or" are one list), the text itself when short, and its last number. The first
 * candidate that parses is the answer (`extractMathAnswer`).
 */
export function extractMathAnswers(text: string, targets: readonly MathTarget[] = ["latex", "expr"], boxedPriority = 0): string[] {
  const found = markedCandidates(text, targets, boxedPriority);
  plainCandidates(found, text, targets);
  const out: string[] = [];
  for (const c of found.sort(byPriority)) if (!out.includes(c.text)) out.push(c.text);
  return out;
}

/**
 * The marked answers' candidates (boxes, the `<answer>` tag, answer phrases), with Math-Verify's
 * priorities (lower first): "final answer is ... I hope" 0, "final answer ... is" 50, "answer:"
 * 100, `\boxed{}` at `boxedPriority` (its tests use 0, the library default is 50); at equal
 * priority the rightmost wins. Unsorted, in the order the full list breaks ties in.
 */
function markedCandidates(text: string, targets: readonly MathTarget[], boxedPriority: number): Candidate[] {
  const latex = targets.includes("latex");
  const expr = targets.includes("expr");
  const found: Candidate[] = [];
  if (latex) {
    const boxed = trailingBoxes(text);
    if (boxed.length > 0) addCandidate(found, boxedPriority, boxed.join(", "), text.lastIndexOf("\\boxed") + 1);
    const tag = tagCandidate(text);
    if (tag) addCandidate(found, 0, tag.text, tag.close);
  }
  const phrases = answerPhrases(text);
  const patterns: [RegExp, number, boolean][] = [
    [FINAL_ANSWER_HOPE, 0, phrases.finalAnswer],
    [FINAL_ANSWER_IS, 50, phrases.finalAnswer],
    [FINAL_ANSWER, 50, phrases.finalAnswer || phrases.theAnswer],
    [ANSWER_COLON, 100, phrases.answerColon],
  ];
  for (const [pattern, tier, possible] of patterns) {
    if (!possible || (pattern === FINAL_ANSWER_HOPE && !I_HOPE.test(text))) continue;
    const match = lastMatch(text, pattern);
    const final = match?.[1];
    if (final === undefined) continue;
    // Where in the text each candidate ends: the rightmost candidate of a tier wins.
    const from = (match!.index ?? 0) + match![0].length - final.length;
    if (latex) {
      const spans = inlineMath(final);
      const lastSpan = spans[spans.length - 1];
      const boxes = trailingBoxes(final).join(", ");
      if (boxes) addCandidate(found, Math.min(tier, boxedPriority), boxes, from + final.lastIndexOf("\\boxed") + 1);
      else if (lastSpan) addCandidate(found, tier, trailingMath(final, spans), from + (lastSpan.index ?? 0) + lastSpan[0].length);
      else if (looksLikeMath(final)) addCandidate(found, tier, final, from + final.length);
    }
    // A phrase's plain-expression answer is the expression it starts with (`is 120. I hope`), not any number inside it.
    if (expr && /^\s*\$?\s*[-+]?\.?\d/.test(final)) {
      const last = lastNumber(final);
      if (last) addCandidate(found, tier, last.text, from + last.at);
    }
  }
  return found;
}

/** The plain candidates, after the marked ones: inline math and the last number (300), the short text itself (299). */
function plainCandidates(found: Candidate[], text: string, targets: readonly MathTarget[]): void {
  const latex = targets.includes("latex");
  const expr = targets.includes("expr");
  if (latex) {
    const spans = inlineMath(text);
    const last = spans[spans.length - 1];
    if (last) {
      const end = (last.index ?? 0) + last[0].length;
      addCandidate(found, 300, trailingMath(text, spans), end);
      // Then each span on its own, rightmost first (the joined list may not parse).
      for (let i = spans.length - 1; i >= Math.max(0, spans.length - 4); i--) addCandidate(found, 300, spans[i][1] ?? spans[i][2] ?? spans[i][3] ?? spans[i][4], end - (spans.length - i));
    }
  }
  if (expr) {
    const last = lastNumber(text);
    if (last) addCandidate(found, 300, last.text, last.at);
  }
  // A short text that is all mathematics is itself the answer, after the marked ones.
  if (latex && isShortMath(text)) addCandidate(found, SHORT_TEXT_PRIORITY, text, text.length);
}

/**
 * A text's candidates, read only as far as needed: the first one is often known without the rest
 * (`firstMathCandidate`), and the rest are needed only when it does not parse.
 */
export class MathCandidates {
  private list: readonly string[] | undefined;
  private leading: string | undefined | null = null;

  constructor(
    private readonly text: string,
    private readonly targets: readonly MathTarget[] = ["latex", "expr"],
    private readonly boxedPriority = 0,
    /** Math-Verify's `first_match`: the first candidate only. */
    private readonly firstOnly = false,
  ) {}

  /** The first candidate (`all()[0]`). */
  first(): string | undefined {
    if (this.leading === null) this.leading = this.list ? this.list[0] : (firstMathCandidate(this.text, this.targets, this.boxedPriority) ?? this.all()[0]);
    return this.leading;
  }

  /** Every candidate, in order (`extractMathAnswers`). */
  all(): readonly string[] {
    if (!this.list) {
      const list = extractMathAnswers(this.text, this.targets, this.boxedPriority);
      this.list = this.firstOnly ? list.slice(0, 1) : list;
    }
    return this.list;
  }
}

/**
 * `extractMathAnswers(text)[0]` when it is known without the other candidates, else undefined (the
 * caller extracts them all): with plain expressions only and no word "answer", the last number;
 * with boxes after priority 0 and no "I hope", an `<answer>` tag (the only priority-0 candidate
 * then); with no word "answer", the `\boxed{}` (priority below the plain ones) or, without a box,
 * the short text itself; with an answer phrase, the first of the marked candidates when one is
 * there (the plain ones come at 299 and after).
 */
function firstMathCandidate(text: string, targets: readonly MathTarget[], boxedPriority: number): string | undefined {
  if (!targets.includes("latex")) {
    const last = targets.includes("expr") && !ANSWER_WORD.test(text) ? lastNumber(text) : undefined;
    return last && cleaned(last.text);
  }
  if (boxedPriority > 0 && text.includes("</answer>") && !I_HOPE.test(text)) {
    const tag = tagCandidate(text);
    const first = tag && cleaned(tag.text);
    if (first !== undefined) return first;
  }
  if (!ANSWER_WORD.test(text)) {
    const boxed = trailingBoxes(text);
    if (boxed.length > 0) return boxedPriority < SHORT_TEXT_PRIORITY ? cleaned(boxed.join(", ")) : undefined;
    return isShortMath(text) ? cleaned(text) : undefined;
  }
  // An answer phrase: a marked candidate comes before every plain one (inline math, the last
  // number, the text itself: priority 299 and more), so those are not looked for.
  const marked = markedCandidates(text, targets, boxedPriority);
  let first: Candidate | undefined;
  for (const c of marked) if (!first || byPriority(c, first) < 0) first = c;
  return first && first.priority < SHORT_TEXT_PRIORITY ? first.text : undefined;
}

/** Candidates by gold text (one cache per extraction setting): a run scores every sample of a group against the same gold. */
const goldCaches = new Map<string, RecentCache<string, readonly string[]>>();
const GOLD_CACHE_SIZE = 1024;

/** `extractMathAnswers` for a gold answer, remembered for the next samples of its group. */
export function extractGoldAnswers(gold: string, targets: readonly MathTarget[] = ["latex", "expr"], boxedPriority = 0): readonly string[] {
  // Keyed by the setting, then by the gold text itself: no key built from a long gold per sample.
  const setting = `${boxedPriority}|${targets.join()}`;
  let cache = goldCaches.get(setting);
  if (!cache) goldCaches.set(setting, (cache = new RecentCache(GOLD_CACHE_SIZE)));
  let candidates = cache.get(gold);
  if (!candidates) {
    candidates = extractMathAnswers(gold, targets, boxedPriority);
    cache.set(gold, candidates);
  }
  return candidates;
}

/** Forgets the golds' candidates (with `clearParseCache`: benchmarks of answers read afresh). */
export function clearGoldCache(): void {
  goldCaches.clear();
}

/** Math-Verify's extraction targets: LaTeX (`\boxed{}`, `$...$`, the text as LaTeX) and plain expressions (numbers). */
export type MathTarget = "latex" | "expr";
