/**
 * Math answer verification in the manner of Hugging Face's Math-Verify (the judge TRL's
 * `accuracy_reward`, open-r1 and verl's `math_verify` scorer use): find the answer in free text,
 * parse gold and prediction as mathematics, and decide equality symbolically.
 *
 * Parsing and algebra are @cortex-js/compute-engine's (LaTeX -> MathJSON, simplification, numeric
 * evaluation); ours are the extraction (mathExtract.ts), the normalisation (mathNormalise.ts), the
 * comparison rules (mathCompare.ts) and, so that the engine works only where strings and numbers do
 * not decide, a reader for plain arithmetic (mathFastParse.ts) and a real evaluator (mathNumeric.ts),
 * joined here into `mathEqual` and the reward:
 * - extraction follows Math-Verify's priorities (`extractMathAnswers`); the first candidate that
 *   parses is the answer, for gold and prediction alike; a completion's later candidates are looked
 *   for only when its first one does not parse (`MathCandidates`);
 * - numbers decide most RL answers before the engine is loaded (a plain-number answer against
 *   plain-number golds);
 * - plain arithmetic on both sides (numbers, `\frac`, `\sqrt`, powers, `\pi`, unknowns, sums,
 *   sequences, functions) is read and compared by our own code without loading the engine;
 *   relations, lists, tuples, sets, intervals and matrices of it are read by our reader too
 *   (mathFastParse.ts and mathStructures.ts list what they read, each form as the engine reads
 *   it) and compared by the same rules; anything else is read by the engine, once per normalised
 *   LaTeX; its `simplify` / `subs` / `N` run only where our evaluator cannot decide (an operator
 *   it does not know, a value that is complex or infinite at a point);
 * - numbers are equal when they round to the same value at `precision` decimals;
 * - expressions are equal when they agree at seeded points of their unknowns (differing where both
 *   are real decides "not equal"), else when their difference simplifies to 0; equations and
 *   relations up to a constant (positive) factor; finite sums and products are evaluated, with
 *   integer points for their bounds, and the answer's own functions and sequences (`f(x)`, `F_k`)
 *   take one fixed value per argument at each point;
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
 * Expressions equal for every function or sequence but not by sympy's rewriting (a sum re-indexed,
 * `\sum_{k=0}^{n-1} F_k F_{n-1-k}` against `\sum_{j=0}^{n-1} F_{n-1-j} F_j`) are equal here; sympy
 * leaves them unproven and Math-Verify says "not equal" (no corpus case has one).
 */
import type { OutcomeReward, RewardSample } from "../api/types";
import { extractAnswer, lastBoxed } from "../../trace/answer";
import { acceptedAnswers } from "./answerMatch";
import { Comparer, firstArithmetic, firstParsing, firstParsingOf, round } from "./mathCompare";
import { ce } from "./mathEngine";
import { extractGoldAnswers, extractMathAnswers, MathCandidates, type MathTarget } from "./mathExtract";

export { extractMathAnswers, type MathTarget } from "./mathExtract";
export { normaliseMath } from "./mathNormalise";

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
  // The prediction's candidates are read as far as needed: the first, and the others only when it does not parse.
  const predictionCandidates = new MathCandidates(prediction, targets, boxedPriority, predictionExtraction === "first_match");
  const goldCandidates = golds.map((g) => extractGoldAnswers(g, targets, boxedPriority));
  // Plain arithmetic on both sides (`\frac{3}{4}` vs `0.75`, `2\sqrt{2}` vs `\sqrt{8}`) is read and
  // compared by our own code, in microseconds, without loading the engine.
  const quick = withoutEngine(comparer, goldCandidates, predictionCandidates.first());
  if (quick !== undefined) return quick;
  try {
    return ce().withTimeLimit(timeoutMs, () => {
      const predicted = firstParsingOf(predictionCandidates);
      if (!predicted) return false;
      for (const candidates of goldCandidates) {
        const expected = firstParsing(candidates);
        if (expected && comparer.answers(expected, predicted)) return true;
      }
      return false;
    });
  } catch {
    // The engine's time limit (a CancellationError) or an expression it cannot handle: not equal.
    return false;
  }
}

/** The verdict when every answer is plain arithmetic our evaluator decides; undefined when the engine is needed. */
function withoutEngine(comparer: Comparer, goldCandidates: readonly (readonly string[])[], predictionFirst: string | undefined): boolean | undefined {
  const predicted = firstArithmetic(predictionFirst);
  if (!predicted) return undefined;
  let verdict: boolean | undefined = false;
  for (const candidates of goldCandidates) {
    const expected = firstArithmetic(candidates[0]);
    const equal = expected && comparer.withoutEngine(expected, predicted);
    if (equal === true) return true;
    if (equal === undefined) verdict = undefined;
  }
  return verdict;
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