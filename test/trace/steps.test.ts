import { test } from "node:test";
import assert from "node:assert/strict";
import { reasoningSpan, splitSteps } from "../../src/trace/steps";
import type { Step } from "../../src/trace/types";

/** Splits and checks every step's span points at its text. */
function split(completion: string, ...rest: Parameters<typeof splitSteps> extends [string, ...infer R] ? R : never): Step[] {
  const steps = splitSteps(completion, ...rest);
  for (const step of steps) {
    if (step.span.start >= 0 && step.span.end > step.span.start) assert.equal(completion.slice(step.span.start, step.span.end), step.text);
  }
  return steps;
}

const texts = (steps: Step[]): string[] => steps.map((s) => s.text);

test("the reasoning region is the think block, else text before <answer>, else everything", () => {
  assert.deepEqual(reasoningSpan("<think> a </think><answer>1</answer>"), { start: 8, end: 9 });
  assert.deepEqual(reasoningSpan("reason</think><answer>1</answer>"), { start: 0, end: 6 });
  assert.deepEqual(reasoningSpan("<think>truncated"), { start: 7, end: 16 });
  assert.deepEqual(reasoningSpan("reason <answer>1</answer>"), { start: 0, end: 7 });
  assert.deepEqual(reasoningSpan("just text"), { start: 0, end: 9 });
});

test("paragraph mode splits on blank lines (also CRLF and whitespace-only lines) with trimmed text", () => {
  const completion = "<think>\nFirst idea.\nStill first.\n\n  Second.  \r\n \t\r\n\r\nThird\n</think><answer>1</answer>";
  const steps = split(completion, { mode: "paragraph" });
  assert.deepEqual(texts(steps), ["First idea.\nStill first.", "Second.", "Third"]);
  assert.deepEqual(steps.map((s) => s.index), [0, 1, 2]);
  assert.equal(steps[0].label, undefined);
});

test("step-lines mode starts a step at each Step N line; a preamble is its own step", () => {
  const completion = "Let me think.\nStep 1: add.\nmore of 1\n## Step 2. multiply\n**Step 3**: done\nstep 4 - check\n1. not a step\n<answer>6</answer>";
  assert.deepEqual(texts(split(completion, { mode: "step-lines" })), [
    "Let me think.",
    "Step 1: add.\nmore of 1",
    "## Step 2. multiply",
    "**Step 3**: done",
    "step 4 - check\n1. not a step",
  ]);
});

test("step-lines mode without Step lines gives the whole reasoning as one step", () => {
  assert.deepEqual(texts(split("a\n\nb", { mode: "step-lines" })), ["a\n\nb"]);
  assert.deepEqual(split("", { mode: "step-lines" }), []);
});

test("regex mode splits on the pattern's matches, lookaheads included", () => {
  assert.deepEqual(texts(split("a ---- b ---- c", { mode: "regex", pattern: "-{3,}" })), ["a", "b", "c"]);
  assert.deepEqual(texts(split("First A\nthen B\nFirst C", { mode: "regex", pattern: "(?=^First)" })), ["First A\nthen B", "First C"]);
});

test("regex mode reports a missing or invalid pattern clearly", () => {
  assert.throws(() => splitSteps("x", { mode: "regex" }), /needs a "pattern"/);
  assert.throws(() => splitSteps("x", { mode: "regex", pattern: "(" }), /Invalid step split pattern \/\(\/: /);
});

test("auto mode: Step lines when there are two, else paragraphs, else lines", () => {
  assert.deepEqual(texts(split("Step 1: a\nStep 2: b", { mode: "auto" })), ["Step 1: a", "Step 2: b"]);
  assert.deepEqual(texts(split("Step 1: a\nb\n\nc", { mode: "auto" })), ["Step 1: a\nb", "c"]);
  assert.deepEqual(texts(split("x\ny\n\n\nz")), ["x\ny", "z"]);
  assert.deepEqual(texts(split("<think>x\n\ny\n z \n</think>")), ["x", "y\n z"]);
  assert.deepEqual(texts(split("x = 1\r\ny = 2\n\nz")), ["x = 1\r\ny = 2", "z"]);
  assert.deepEqual(texts(split("x = 1\r\n y = 2 \nz\n<answer>3</answer>")), ["x = 1", "y = 2", "z"]);
  assert.deepEqual(texts(split("one line")), ["one line"]);
  assert.deepEqual(split("   "), []);
});

test("spans point into the original completion, after the think tag", () => {
  const completion = "<think>\nStep 1: a\nStep 2: b\n</think>";
  const steps = split(completion);
  assert.deepEqual(steps, [
    { index: 0, text: "Step 1: a", span: { start: 8, end: 17 } },
    { index: 1, text: "Step 2: b", span: { start: 18, end: 27 } },
  ]);
});

test("record steps are located in order and keep their labels", () => {
  const completion = "x = 2\n\nx = 2\n\nso 4";
  const steps = split(completion, { mode: "auto" }, [{ text: "x = 2", label: 1 }, { text: " x = 2 ", label: -1 }, { text: "so 4", label: null }]);
  assert.deepEqual(steps, [
    { index: 0, text: "x = 2", span: { start: 0, end: 5 }, label: 1 },
    { index: 1, text: "x = 2", span: { start: 7, end: 12 }, label: -1 },
    { index: 2, text: "so 4", span: { start: 14, end: 18 }, label: null },
  ]);
});

test("record steps fall back to whitespace-insensitive, then anywhere, then an empty span", () => {
  const completion = "alpha   beta\ngamma\n\ndelta";
  const steps = splitSteps(completion, undefined, [{ text: "alpha beta\n gamma" }, { text: "missing", label: 0 }, { text: "delta" }, { text: "alpha" }]);
  assert.deepEqual(steps[0].span, { start: 0, end: 18 });
  assert.deepEqual(steps[1], { index: 1, text: "missing", span: { start: 18, end: 18 }, label: 0 });
  assert.deepEqual(steps[2].span, { start: 20, end: 25 });
  assert.deepEqual(steps[3].span, { start: 0, end: 5 });
  assert.equal(steps[3].label, undefined);
});

test("record steps with regex metacharacters are searched literally", () => {
  const steps = splitSteps("f(x) = [a+b]*2 ?", undefined, [{ text: "f(x)  =  [a+b]*2 ?" }]);
  assert.deepEqual(steps[0].span, { start: 0, end: 16 });
});
