/**
 * Rule-based answer checking: normalise the predicted and ground-truth answers, then compare them as
 * strings, then as numbers with a tolerance. A small, dependency-free subset of what math-verify
 * (huggingface/Math-Verify) and verl `reward_score/math.py` (`strip_string`, from the MATH/Minerva
 * evaluation code) do; no symbolic algebra.
 */
import type { OutcomeReward, RewardSample } from "../api/types";

export interface AnswerMatchOptions {
  /** Relative tolerance for numbers (default 1e-6): |a - b| <= tolerance * max(|a|, |b|). */
  tolerance?: number;
  /** Absolute tolerance for numbers near zero (default 1e-9). */
  absTolerance?: number;
}

export interface AnswerMatchRewardOptions extends AnswerMatchOptions {
  name?: string;
  weight?: number;
}

/**
 * Unit words dropped after a number (`12 cm` -> `12`), with an optional power (`cm^2`, `m^{3}`).
 * Kept short on purpose: a longer list starts eating real answers (`5 in` vs the word "in").
 */
const UNITS = [
  "mm", "cm", "m", "km", "meters?", "metres?", "centimeters?", "kilometers?", "inch(?:es)?", "feet", "foot", "ft", "miles?",
  "mg", "g", "kg", "grams?", "kilograms?", "pounds?", "lbs?",
  "s", "sec", "seconds?", "min", "minutes?", "h", "hrs?", "hours?", "days?", "years?",
  "ml", "l", "liters?", "litres?",
  "dollars?", "cents?", "units?", "square units", "sq units", "degrees?", "deg",
];

// Compiled once: normalisation runs in the scoring hot path.
const UNIT_SUFFIX = new RegExp(`^(.*?[0-9.])\\s*(?:${UNITS.join("|")})(?:\\^\\{?[23]\\}?)?$`);
const LATEX_SPACING = /\\[,;:! ]|\\q?quad/g;
const LEFT_RIGHT = /\\(?:left|right)\b/g;
const DEGREE = /\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree|°/g;
const DISPLAY_FRAC = /\\[dt]frac/g;
const MATH_DELIMITER = /\\\(|\\\)|\\\[|\\\]|\$/g;
const WHITESPACE = /\s+/g;
const SPACE_AROUND_OPERATOR = / ?([-+*/=,()[\]{}^<>]) ?/g;
const TRAILING_PERIOD = /\.+$/;
const VARIABLE_PREFIX = /^[a-z]\s*=\s*/;
const THOUSANDS = /^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?$/;
const CHOICE_LETTER = /^\(([a-z])\)$|^([a-z])[).]$/;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/;
const FRACTION = /^([-+]?)\(?([-+]?(?:\d+\.?\d*|\.\d+))\)?\/\(?((?:\d+\.?\d*|\.\d+))\)?$/;
const TEXT_COMMANDS = ["\\text", "\\textbf", "\\textit", "\\textrm", "\\mathrm", "\\mathbf", "\\mbox", "\\operatorname"];

/**
 * Canonical string form of an answer, used for comparison:
 * - takes the content of the last `\boxed{…}` / `\fbox{…}` when there is one;
 * - drops math delimiters (`$…$`, `\(…\)`, `\[…\]`, and every other `$`, so `$5` is `5`),
 *   `\left`/`\right`, LaTeX spacing, degree signs (`^\circ`, `°`), `\text{…}`-like wrappers;
 * - `\frac{a}{b}`, `\dfrac`, `\tfrac`, `\frac34` become `a/b` (or `(a)/(b)` when not plain numbers);
 * - lower-cases, collapses whitespace, drops spaces around operators and a trailing period;
 * - drops a leading single-letter variable `x =` and a trailing unit from {@link UNITS} after a number;
 * - removes thousands separators (`1,234` -> `1234`, only when the grouping is exact);
 * - multiple-choice letters `(B)`, `B)`, `B.` become `b`.
 */
export function normalizeAnswer(answer: string): string {
  let s = answer.trim();
  s = lastBoxedContent(s) ?? s;
  s = s.replace(LATEX_SPACING, " ").replace(LEFT_RIGHT, "").replace(DEGREE, "");
  s = s.replaceAll("\\%", "%").replaceAll("\\$", "$").replaceAll("{,}", ",");
  for (const command of TEXT_COMMANDS) s = unwrapCommand(s, command);
  s = s.replace(DISPLAY_FRAC, "\\frac");
  s = convertFractions(s);
  s = s.replace(MATH_DELIMITER, "");
  s = s.toLowerCase().replace(WHITESPACE, " ").trim();
  s = s.replace(SPACE_AROUND_OPERATOR, "$1");
  s = s.replace(TRAILING_PERIOD, "");
  s = s.replace(VARIABLE_PREFIX, "");
  const unit = UNIT_SUFFIX.exec(s);
  if (unit) s = unit[1];
  if (THOUSANDS.test(s)) s = s.replaceAll(",", "");
  const choice = CHOICE_LETTER.exec(s);
  if (choice) s = choice[1] ?? choice[2];
  return s;
}

/** A normalised answer with its numeric value, when it reads as a number. */
interface PreparedAnswer {
  text: string;
  value: number | null;
  percent: boolean;
}

/**
 * Whether `s` is a bare decimal number (`-?\d+(\.\d+)?`): normalisation would leave it unchanged, so
 * it skips the regex pipeline. A character loop: this runs once per sample on the scoring hot path.
 */
function isPlainNumber(s: string): boolean {
  let i = s.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const digitsFrom = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  if (i === digitsFrom) return false;
  if (i === s.length) return true;
  if (s.charCodeAt(i) !== 46 /* . */ || i + 1 === s.length) return false;
  for (i++; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

function prepare(answer: unknown): PreparedAnswer {
  if (typeof answer === "number") return { text: String(answer), value: answer, percent: false };
  if (typeof answer === "string") {
    const trimmed = answer.trim();
    if (isPlainNumber(trimmed)) return { text: trimmed, value: Number(trimmed), percent: false };
  }
  const text = normalizeAnswer(typeof answer === "string" ? answer : String(answer));
  const percent = text.endsWith("%");
  return { text, value: parseNumber(percent ? text.slice(0, -1) : text), percent };
}

/** Value of a plain number or a numeric fraction `a/b`; null otherwise. */
function parseNumber(text: string): number | null {
  if (NUMBER.test(text)) return Number(text);
  const fraction = FRACTION.exec(text);
  if (!fraction) return null;
  const denominator = Number(fraction[3]);
  if (denominator === 0) return null;
  const value = Number(fraction[2]) / denominator;
  return fraction[1] === "-" ? -value : value;
}

function isClose(a: number, b: number, relative: number, absolute: number): boolean {
  return Math.abs(a - b) <= Math.max(relative * Math.max(Math.abs(a), Math.abs(b)), absolute);
}

function preparedMatch(predicted: PreparedAnswer, gold: PreparedAnswer, relative: number, absolute: number): boolean {
  if (predicted.text === gold.text) return true;
  if (predicted.value === null || gold.value === null) return false;
  // A percentage matches both its face value and its fraction: `50%` == `50` == `0.5`.
  // Graders disagree on which one a question means, so either is accepted.
  const p = predicted.value;
  const g = gold.value;
  return (
    isClose(p, g, relative, absolute) ||
    (predicted.percent && isClose(p / 100, g, relative, absolute)) ||
    (gold.percent && isClose(p, g / 100, relative, absolute))
  );
}

/**
 * Keys of a structured ground truth that hold its accepted answers, tried in this order. `target`
 * is what verl's Search-R1 scorer reads (`verl/utils/reward_score/search_r1_like_qa_em.py`,
 * `ground_truth["target"]`, a string or a list of strings); the others are the names datasets use.
 */
export const GROUND_TRUTH_KEYS = ["target", "answers", "answer", "ground_truth"] as const;

/**
 * The accepted answers of a ground truth, the way verl's scorers treat structured ones: a string,
 * number or boolean is one answer; a list is a list of accepted answers (any one matching is
 * enough, verl `em_check`); an object holds them under one of {@link GROUND_TRUTH_KEYS}
 * (`{"target": ["William Shakespeare", "Shakespeare"]}`). Nested lists are flattened; null and
 * missing are no answer. An object without any of those keys throws, naming its keys, instead of
 * being compared as the text "[object Object]".
 */
export function acceptedAnswers(gold: unknown): (string | number | boolean)[] {
  const out: (string | number | boolean)[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (value === null || value === undefined) return;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      out.push(value);
      return;
    }
    if (depth > 8) throw new TypeError("ground truth is nested more than 8 levels deep");
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    if (typeof value === "object") {
      const record = value as Record<string, unknown>;
      const key = GROUND_TRUTH_KEYS.find((k) => Object.hasOwn(record, k));
      if (key === undefined) {
        const keys = Object.keys(record).slice(0, 8).map((k) => JSON.stringify(k)).join(", ");
        throw new TypeError(`ground truth is an object with keys ${keys || "(none)"}, none of ${GROUND_TRUTH_KEYS.join(", ")}: say which field holds the answer in a reward of your own (sample.answer is the object)`);
      }
      visit(record[key], depth + 1);
      return;
    }
    throw new TypeError(`ground truth of type ${typeof value} cannot be compared with an answer`);
  };
  visit(gold, 0);
  return out;
}

function prepareGold(gold: unknown): PreparedAnswer[] {
  if (typeof gold === "string" || typeof gold === "number") return [prepare(gold)];
  return acceptedAnswers(gold).map(prepare);
}

/**
 * Whether `predicted` matches the ground truth. `gold` is a number, a string, a list of accepted
 * answers (any one matching is enough) or an object holding them ({@link acceptedAnswers}). Both sides go through {@link normalizeAnswer}; equal strings
 * match, and otherwise two numbers (plain, `a/b`, `\frac{a}{b}`, percentages) match within
 * `tolerance` (relative) or `absTolerance`. A percentage matches both readings: `50%` equals `50`
 * and `0.5` (graders disagree on which one a question means, so either is accepted; the cost is
 * that `50%` also matches a gold `50` meant as a count). An empty prediction never matches.
 */
export function answersMatch(predicted: string, gold: unknown, options: AnswerMatchOptions = {}): boolean {
  const { tolerance = 1e-6, absTolerance = 1e-9 } = options;
  const p = prepare(predicted);
  if (p.text === "") return false;
  return prepareGold(gold).some((g) => preparedMatch(p, g, tolerance, absTolerance));
}

/**
 * Accuracy reward: 1 when `sample.answerText` matches `sample.answer` ({@link answersMatch}), else 0;
 * 0 when the completion has no predicted answer; null when the sample has no ground truth.
 * The binary rule-based accuracy reward of DeepSeek-R1 (arXiv 2501.12948 §2.2.2) and verl
 * `reward_score` (e.g. `math.compute_score`), with number tolerance and LaTeX normalisation.
 */
export function answerMatchReward(options: AnswerMatchRewardOptions = {}): OutcomeReward {
  const { name = "answer_match", weight = 1, tolerance = 1e-6, absTolerance = 1e-9 } = options;
  // The G samples of a GRPO group share their ground truth: keep the last one prepared.
  let lastGold: unknown = undefined;
  let lastPrepared: PreparedAnswer[] = [];
  const goldOf = (sample: RewardSample): PreparedAnswer[] => {
    if (sample.answer !== lastGold) {
      lastGold = sample.answer;
      lastPrepared = prepareGold(sample.answer);
    }
    return lastPrepared;
  };
  return {
    name,
    weight,
    kind: "outcome",
    description: "1 when the predicted answer matches the ground truth (normalised, numbers within tolerance)",
    score(sample) {
      const gold = goldOf(sample);
      if (gold.length === 0) return null;
      const answer = sample.answerText;
      if (answer === null) return 0;
      // A bare number equal to a gold text matches as is (what prepare + preparedMatch would
      // conclude), without parsing it: the common case on the scoring hot path.
      const trimmed = answer.trim();
      if (isPlainNumber(trimmed)) for (const g of gold) if (g.text === trimmed) return 1;
      const predicted = prepare(trimmed);
      if (predicted.text === "") return 0;
      for (const g of gold) if (preparedMatch(predicted, g, tolerance, absTolerance)) return 1;
      return 0;
    },
  };
}

/** Reads `{…}` starting at `open` (which must be `{`); returns the end index past `}` or -1 when unbalanced. */
function groupEnd(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */ && --depth === 0) return i + 1;
  }
  return -1;
}

/** One LaTeX argument at or after `from`: a `{…}` group or a single character. */
function readArgument(s: string, from: number): { content: string; end: number } | null {
  let i = from;
  while (i < s.length && s[i] === " ") i++;
  if (i >= s.length) return null;
  if (s[i] !== "{") return { content: s[i], end: i + 1 };
  const end = groupEnd(s, i);
  return end < 0 ? null : { content: s.slice(i + 1, end - 1), end };
}

function lastBoxedContent(s: string): string | null {
  const boxed = s.lastIndexOf("\\boxed");
  const fbox = s.lastIndexOf("\\fbox");
  if (boxed < 0 && fbox < 0) return null;
  const argument = boxed > fbox ? readArgument(s, boxed + 6) : readArgument(s, fbox + 5);
  return argument ? argument.content.trim() : null;
}

/** Replaces every `\command{x}` by `x` (innermost-last, so nesting works). */
function unwrapCommand(s: string, command: string): string {
  let at = s.lastIndexOf(command);
  while (at >= 0) {
    const after = at + command.length;
    // `\text` must not match the start of `\textbf`.
    const next = s.charCodeAt(after);
    if (!((next >= 65 && next <= 90) || (next >= 97 && next <= 122))) {
      const argument = readArgument(s, after);
      if (argument) s = s.slice(0, at) + argument.content + s.slice(argument.end);
    }
    at = at > 0 ? s.lastIndexOf(command, at - 1) : -1;
  }
  return s;
}

const SIMPLE_OPERAND = /^[-+]?[0-9a-zA-Z.]+$/;

/** `\frac{a}{b}` and `\frac34` -> `a/b`; operands that are not simple become `(a)`. */
function convertFractions(s: string): string {
  // The last `\frac` has no `\frac` in its arguments, so converting from the end handles nesting.
  let at = s.lastIndexOf("\\frac");
  while (at >= 0) {
    const numerator = readArgument(s, at + 5);
    const denominator = numerator && readArgument(s, numerator.end);
    if (numerator && denominator) {
      const a = operand(numerator.content);
      const b = operand(denominator.content);
      s = s.slice(0, at) + a + "/" + b + s.slice(denominator.end);
    }
    at = at > 0 ? s.lastIndexOf("\\frac", at - 1) : -1;
  }
  return s;
}

function operand(text: string): string {
  const trimmed = text.trim();
  return SIMPLE_OPERAND.test(trimmed) ? trimmed : `(${trimmed})`;
}
