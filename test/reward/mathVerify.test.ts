// The math verifier against Math-Verify's own verdicts (issue 20). test/fixtures/math-verify/corpus.jsonl
// holds 379 (gold, prediction, expected) cases taken from huggingface/Math-Verify's test suite
// (tests/test_all.py @cf14bc47 and the files its README lists), each with the options its test
// passed. The verifier must agree on at least AGREEMENT of them; the cases it does not agree on
// are listed by category when it falls below (and printed with MATH_VERIFY_DISAGREEMENTS=1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { extractMathAnswers, mathEqual, mathVerifyReward } from "../../src/reward/builtin/mathVerify";
import { optionsOf, readCorpus } from "../fixtures/math-verify/corpus";
import { fakeContext, makeSample } from "./builtin/sample";


/** Reached 2026-12-07: 368 of 379 (97.1%). Raise it when the verifier improves; never lower it silently. */
const AGREEMENT = 368;

const corpus = readCorpus();


test("RL answers that numbers decide never load the symbolic engine", () => {
  const engineLoaded = () => Object.keys(require.cache).some((path) => path.includes("compute-engine"));
  assert.equal(engineLoaded(), false, "this test runs first in its file: nothing has loaded the engine yet");
  assert.equal(mathEqual("42", "<think>6 * 7 = 42</think><answer>42</answer>"), true);
  assert.equal(mathEqual("42", "<answer>41</answer>"), false);
  assert.equal(mathEqual(12, "\\boxed{12}"), true);
  assert.equal(engineLoaded(), false);
});

test(`agrees with Math-Verify on at least ${AGREEMENT} of the ${corpus.length} corpus cases`, () => {
  const disagreements = new Map<string, string[]>();
  let agreed = 0;
  for (const c of corpus) {
    const verdict = mathEqual(c.gold, c.prediction, optionsOf(c));
    if (verdict === c.expected) agreed++;
    else disagreements.set(c.category, [...(disagreements.get(c.category) ?? []), `${c.id}: expected ${c.expected}, got ${verdict}`]);
  }
  const report = [...disagreements].map(([category, cases]) => `${category} (${cases.length}):\n  ${cases.join("\n  ")}`).join("\n");
  if (process.env.MATH_VERIFY_DISAGREEMENTS) console.log(`${agreed}/${corpus.length}\n${report}`);
  assert.ok(agreed >= AGREEMENT, `agreement fell to ${agreed}/${corpus.length} (was ${AGREEMENT}). Disagreements by category:\n${report}`);
});

test("the categories issue 20 names are decided as Math-Verify decides them", () => {
  const cases: [string, string, boolean][] = [
    ["\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}", true],
    ["(1,\\frac{9}{2})", "(1,4.5)", true],
    ["x \\geq 5", "5 \\leq x", true],
    ["x > 5", "x \\geq 5", false],
    ["\\sqrt3", "\\sqrt{3}", true],
    ["$28\\%$", "28 percent", true],
    ["$0.28$", "28", false],
    ["1000", "1 000", true],
    ["\\{-12,-11\\}", "-12;-11", true],
    ["$(3,1)$", "${1,3}$", false],
    ["[1,2)\\cup(3,4]", "[1,2) \\cup (3,4]", true],
    ["\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\left[\\begin{array}{cc}1&2\\\\3&4\\end{array}\\right]", true],
    ["$x=3$", "3", true],
    ["$2x + z = 1$", "$1$", false],
    ["x^2-1", "(x-1)(x+1)", true],
    ["B", "(B)", true],
    ["$90^\\circ$", "90", true],
  ];
  for (const [gold, prediction, expected] of cases) assert.equal(mathEqual(gold, prediction), expected, `${gold} vs ${prediction}`);
});

test("extraction: boxed first, then 'final answer is', inline math, the last number; several boxes joined", () => {
  assert.deepEqual(extractMathAnswers("so x = 4, and the answer is $\\boxed{5}$").slice(0, 1), ["5"]);
  assert.equal(extractMathAnswers("\\boxed{1} and \\boxed{2}")[0], "1, 2");
  assert.equal(extractMathAnswers("$$\\boxed{20}$$ \\boxed{143}")[0], "143", "a box in another display is not part of the answer");
  assert.equal(mathEqual("$10455$", "Final Answer: The final answer is $10,455$. I hope it is correct."), true);
  assert.equal(mathEqual("2", "AZYUK2A", { targets: ["expr"] }), false, "a number glued to letters is not an answer");
});

test("a pathological comparison ends within the time limit as not equal", () => {
  const started = performance.now();
  const tower = "x^{".repeat(40) + "2" + "}".repeat(40);
  const verdict = mathEqual(tower, `${tower}+\\sin(${tower})^{99}`, { timeoutMs: 200 });
  assert.equal(verdict, false);
  assert.ok(performance.now() - started < 5000, `took ${Math.round(performance.now() - started)} ms`);
});

test("mathVerifyReward: 1 / 0, null without ground truth, lists and objects of accepted answers", () => {
  const reward = mathVerifyReward({ name: "accuracy" });
  const score = (answer: unknown, completion: string) => reward.score(makeSample({ answer, completion }), fakeContext());
  assert.equal(score("\\frac{1}{2}", "The final answer is $0.5$. I hope it is correct."), 1);
  assert.equal(score("3", "<answer>4</answer>"), 0);
  assert.equal(score(undefined, "<answer>4</answer>"), null);
  assert.equal(score({ target: ["4", "four"] }, "<answer>4</answer>"), 1);
});

test("hostile completions are judged in bounded time (patterns that once scanned to the end once per repetition)", () => {
  const hostile: [string, string][] = [
    ["'final answer is' 20,000 times, no 'I hope'", "final answer is 1 ".repeat(20_000)],
    ["the same with 'I hope' at the very end", "final answer is 1 ".repeat(20_000) + "I hope"],
    ["'final answer' 30,000 times, no 'is'", "final answer ".repeat(30_000)],
    ["20,000 unclosed boxes", "\\boxed{".repeat(20_000)],
    ["50,000 unclosed \\(", "\\(".repeat(50_000)],
    ["50,000 unclosed \\[", "\\[".repeat(50_000)],
    ["a 9000^3-term sum", "$\\sum_{i=1}^{9000}\\sum_{j=1}^{9000}\\sum_{k=1}^{9000} ijk$"],
    // The words between two boxes are counted one by one (a pattern for "a word with two letters"
    // backtracked over a long word with none: quadratic).
    ["200,000 digits between two boxes", `\\boxed{1}${"1".repeat(200_000)}\\boxed{2}`],
    ["a set of 300 equal tuples", `$${Array.from({ length: 300 }, () => "(1,2)").join(", ")}$`],
    ["300 digits with spaces", `$${"1 ".repeat(300)}$`],
  ];
  for (const [what, completion] of hostile) {
    const started = performance.now();
    mathEqual("1", completion, { timeoutMs: 300 });
    const ms = performance.now() - started;
    // Each took 1-8 s (or never ended) before; now 10-300 ms here. The bound leaves room for a busy CI machine.
    assert.ok(ms < 3000, `${what}: ${ms.toFixed(0)} ms`);
  }
});

test("a bare gold whose numbers a command joins is read whole, not as its last number", () => {
  // These read as "3", "2" and "4" before: the command was blanked and the numbers looked side by side.
  assert.equal(mathEqual("2 \\cdot 3", "<answer>6</answer>"), true);
  assert.equal(mathEqual("5 \\times 4", "The answer is 20."), true);
  assert.equal(mathEqual("3 \\pm 2\\sqrt{2}", "the roots are $\\boxed{3 \\pm 2\\sqrt{2}}$"), true);
  assert.equal(mathEqual("3 \\pm 2\\sqrt{2}", "$\\boxed{2}$"), false);
  assert.deepEqual(extractMathAnswers("12 34"), ["34"], "numbers side by side are still not one answer");
});
