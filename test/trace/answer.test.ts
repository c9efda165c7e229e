import { test } from "node:test";
import assert from "node:assert/strict";
import { extractAnswer, extractThink } from "../../src/trace/answer";
import type { ExtractedAnswer } from "../../src/trace/types";

/** Checks that the span points at the text. */
function answerOf(completion: string): ExtractedAnswer | null {
  const answer = extractAnswer(completion);
  if (answer) assert.equal(completion.slice(answer.span.start, answer.span.end), answer.text);
  return answer;
}

test("extractThink returns the trimmed first think block with its span", () => {
  const completion = "<think>\n  first  \n</think><answer>1</answer><think>second</think>";
  const think = extractThink(completion);
  assert.deepEqual(think, { text: "first", span: { start: 10, end: 15 } });
});

test("extractThink tolerates a missing opening tag (R1 templates put <think> in the prompt)", () => {
  const completion = "reasoning here\n</think>\n<answer>4</answer>";
  assert.deepEqual(extractThink(completion), { text: "reasoning here", span: { start: 0, end: 14 } });
});

test("extractThink returns null without a closed block", () => {
  assert.equal(extractThink("no tags at all"), null);
  assert.equal(extractThink("<think>truncated generation"), null);
  assert.deepEqual(extractThink("<think></think>"), { text: "", span: { start: 7, end: 7 } });
});

test("extractAnswer prefers the last <answer> tag, trimmed", () => {
  const completion = "<think>x</think><answer>draft</answer> then <answer>  42 \n</answer>";
  assert.deepEqual(answerOf(completion), { text: "42", span: { start: 54, end: 56 }, source: "answer_tag" });
  assert.equal(answerOf("<answer>\\boxed{3}</answer>")?.text, "\\boxed{3}");
  assert.deepEqual(answerOf("<answer></answer>"), { text: "", span: { start: 8, end: 8 }, source: "answer_tag" });
});

test("extractAnswer takes the last balanced \\boxed{} with nested braces", () => {
  assert.deepEqual(answerOf("so \\boxed{1} no wait \\boxed{\\frac{1}{2}}."), {
    text: "\\frac{1}{2}",
    span: { start: 28, end: 39 },
    source: "boxed",
  });
  assert.equal(answerOf("$\\boxed{ \\{1, 2\\} }$")?.text, "\\{1, 2\\}");
  assert.equal(answerOf("\\boxed {7}")?.text, "7");
  assert.equal(answerOf("\\fbox{x^{2}}")?.text, "x^{2}");
  assert.equal(answerOf("\\boxed{a} and \\fbox{b}")?.text, "b");
});

test("extractAnswer skips an unbalanced (truncated) \\boxed for an earlier complete one", () => {
  assert.equal(answerOf("\\boxed{5} ... \\boxed{\\frac{1}{")?.text, "5");
  assert.equal(answerOf("\\boxed{\\frac{1}{"), null);
  assert.equal(answerOf("\\boxed without braces"), null);
});

test("extractAnswer falls back to the last answer line", () => {
  const cases: [string, string][] = [
    ["work\nAnswer: 12", "12"],
    ["work\nanswer:7\nmore text", "7"],
    ["The answer is 3.5.", "3.5"],
    ["Final answer: x = 2", "x = 2"],
    ["**Final Answer:** 9", "9"],
    ["**Answer: 10**", "10"],
    ["The final answer is: yes", "yes"],
    ["Answer: 1\r\nAnswer: 2\r\n", "2"],
    ["> Final Answer is 8", "8"],
  ];
  for (const [completion, expected] of cases) {
    const answer = answerOf(completion);
    assert.equal(answer?.text, expected, completion);
    assert.equal(answer?.source, "answer_line");
  }
});

test("extractAnswer does not mistake other words for an answer line", () => {
  assert.equal(answerOf("Answering this requires care\nanswers: none"), null);
  assert.equal(answerOf("the answer is"), null);
  assert.equal(answerOf(""), null);
  assert.equal(answerOf("\n\n"), null);
  assert.deepEqual(answerOf("\nAnswer: 5\n")?.span, { start: 9, end: 10 });
});

test("extractAnswer spans are offsets into completions with multi-byte text", () => {
  const completion = "🎉 ünïcödé\n<answer>日本</answer>";
  const answer = answerOf(completion);
  assert.equal(answer?.text, "日本");
});

test("GSM8K '#### N' lines are answers, without a trailing end-of-turn token", () => {
  const completion = "7 * 8 = 56\n#### 56<|im_end|>";
  const answer = extractAnswer(completion);
  assert.equal(answer?.text, "56");
  assert.equal(answer?.source, "answer_line");
  assert.equal(completion.slice(answer!.span.start, answer!.span.end), "56");
  assert.equal(extractAnswer("## Heading\nno answer here"), null);
});
