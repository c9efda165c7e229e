import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptedAnswers, answerMatchReward, answersMatch, normalizeAnswer } from "../../../src/reward/builtin/answerMatch";
import { makeSample, scoreOf } from "./sample";

/** [predicted, gold, expected match]. */
const TABLE: Array<[string, unknown, boolean]> = [
  // fractions, decimals, percentages
  ["0.5", "1/2", true],
  ["0.5", "\\frac{1}{2}", true],
  ["0.5", "\\dfrac{1}{2}", true],
  ["\\tfrac{1}{2}", 0.5, true],
  ["\\frac12", "0.5", true],
  ["\\frac34", "3/4", true],
  ["3/4", 0.75, true],
  ["50%", 0.5, true],
  ["50%", "50", true],
  ["50\\%", "1/2", true],
  ["0.5", "50%", true],
  ["5%", 0.5, false],
  ["1/2", "0.51", false],
  ["\\frac{1}{3}", "0.333", false],
  ["\\frac{1}{3}", "0.3333333", true],
  // negatives
  ["-3", -3, true],
  ["-\\frac{1}{2}", "-0.5", true],
  ["\\frac{-1}{2}", -0.5, true],
  ["-3", 3, false],
  // integers and formatting
  ["1,234", "1234", true],
  ["1,234,567.5", 1234567.5, true],
  ["1,234", "1.234", false],
  ["1,2", "12", false],
  ["3.0", "3", true],
  ["3.", 3, true],
  ["+7", "7", true],
  ["2", "3", false],
  ["", "0", false],
  // tolerance (relative 1e-6 by default)
  ["1.0000001", 1, true],
  ["1.00001", 1, false],
  ["1e-7", 0, false],
  ["1e-7", "0.0000001", true],
  ["1000000.5", 1000000, true],
  // wrappers and units
  ["\\boxed{42}", "42", true],
  ["The answer is \\boxed{\\frac{1}{2}}.", "0.5", true],
  ["$5$", "5", true],
  ["\\(5\\)", 5, true],
  ["$12", "12 dollars", true],
  ["12 cm", "12", true],
  ["12\\text{ cm}", "12", true],
  ["12 cm^2", "12", true],
  ["7 kg", "7", true],
  ["3 units", 3, true],
  ["12 cm", "13", false],
  ["30^\\circ", "30", true],
  ["30°", "30 degrees", true],
  ["\\text{yes}", "Yes", true],
  ["\\left( 1, 2 \\right)", "(1,2)", true],
  ["(1, 2)", "(2, 1)", false],
  // variables, case, whitespace, trailing period
  ["x = 5", "5", true],
  ["X=5", 5, true],
  ["x = 5", "6", false],
  ["  Paris. ", "paris", true],
  ["New  York", "new york", true],
  ["x + 1", "x+1", true],
  ["London", "Paris", false],
  // multiple choice
  ["(B)", "B", true],
  ["B)", "b", true],
  ["B.", "(B)", true],
  ["(B)", "C", false],
  // gold as a list of accepted answers
  ["4", ["four", "4"], true],
  ["five", ["four", "4"], false],
  ["0.25", ["1/4", "25%"], true],
];

test(`answersMatch table (${TABLE.length} cases)`, () => {
  for (const [predicted, gold, expected] of TABLE) {
    assert.equal(answersMatch(predicted, gold), expected, `answersMatch(${JSON.stringify(predicted)}, ${JSON.stringify(gold)})`);
  }
});

test("answersMatch tolerance options", () => {
  assert.equal(answersMatch("1.01", 1), false);
  assert.equal(answersMatch("1.01", 1, { tolerance: 0.02 }), true);
  assert.equal(answersMatch("0.001", 0, { absTolerance: 0.01 }), true);
});

test("answersMatch with no gold never matches", () => {
  assert.equal(answersMatch("5", undefined), false);
  assert.equal(answersMatch("5", null), false);
  assert.equal(answersMatch("5", []), false);
});

// Issue 19: a verl dump whose `gts` is a Search-R1 style dict or a list scored 0 where verl's own
// scorer (verl/utils/reward_score/search_r1_like_qa_em.py, em_check over ground_truth["target"],
// verl main) gave 1.
test("structured ground truths are lists of accepted answers, as verl's scorers read them", () => {
  assert.deepEqual(acceptedAnswers({ target: ["William Shakespeare", "Shakespeare"] }), ["William Shakespeare", "Shakespeare"]);
  assert.deepEqual(acceptedAnswers({ target: "Paris" }), ["Paris"]);
  assert.deepEqual(acceptedAnswers(["2", "3"]), ["2", "3"]);
  assert.deepEqual(acceptedAnswers([["2"], [3, null]]), ["2", 3]);
  assert.deepEqual(acceptedAnswers({ answer: 7 }), [7]);
  assert.deepEqual(acceptedAnswers(null), []);
  assert.equal(answersMatch("Shakespeare", { target: ["William Shakespeare", "Shakespeare"] }), true);
  assert.equal(answersMatch("Marlowe", { target: ["William Shakespeare", "Shakespeare"] }), false);
  assert.equal(answersMatch("3", ["2", "3"]), true);
  assert.throws(() => acceptedAnswers({ solution_text: "x", difficulty: 2 }), /keys "solution_text", "difficulty", none of target/);
  const reward = answerMatchReward();
  assert.equal(scoreOf(reward, makeSample({ answerText: "Shakespeare", answer: { target: ["William Shakespeare", "Shakespeare"] } })), 1);
  assert.equal(scoreOf(reward, makeSample({ answerText: "3", answer: ["2", "3"] })), 1);
  assert.throws(() => scoreOf(reward, makeSample({ answerText: "3", answer: { foo: 3 } })), /ground truth is an object with keys "foo"/);
});

test("normalizeAnswer canonical forms", () => {
  assert.equal(normalizeAnswer("\\boxed{\\dfrac{3}{4}}"), "3/4");
  assert.equal(normalizeAnswer("\\frac{\\frac{1}{2}}{3}"), "(1/2)/3");
  assert.equal(normalizeAnswer("\\frac{x+1}{2}"), "(x+1)/2");
  assert.equal(normalizeAnswer("$1,234$ dollars."), "1234");
  assert.equal(normalizeAnswer("(C)"), "c");
  assert.equal(normalizeAnswer("x = \\text{ 12 }\\,\\mathrm{cm}"), "12");
});

test("answerMatchReward: 1/0, null without ground truth, 0 without a predicted answer", () => {
  const reward = answerMatchReward();
  assert.equal(reward.name, "answer_match");
  assert.equal(reward.weight, 1);
  assert.equal(scoreOf(reward, makeSample({ answerText: "\\frac{1}{2}", answer: "0.5" })), 1);
  assert.equal(scoreOf(reward, makeSample({ answerText: "2", answer: 3 })), 0);
  assert.equal(scoreOf(reward, makeSample({ answerText: null, answer: 3 })), 0);
  assert.equal(scoreOf(reward, makeSample({ answerText: "  ", answer: 3 })), 0);
  assert.equal(scoreOf(reward, makeSample({ answerText: "3", answer: undefined })), null);
  assert.equal(scoreOf(reward, makeSample({ answerText: "3", answer: null })), null);
  assert.equal(scoreOf(reward, makeSample({ answerText: "3", answer: [] })), null);
});

test("answerMatchReward reuses a group's gold without mixing it up with the next one", () => {
  const reward = answerMatchReward({ tolerance: 1e-3 });
  assert.equal(scoreOf(reward, makeSample({ answerText: "1.0005", answer: "1" })), 1);
  assert.equal(scoreOf(reward, makeSample({ answerText: "2", answer: "1" })), 0);
  assert.equal(scoreOf(reward, makeSample({ answerText: "2", answer: "2" })), 1);
});
