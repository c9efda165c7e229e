// The PRM's input layout without a model: separators after every step, templates, truncation, and
// how a batch is split into model runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPrmSequence, planRuns, QWEN_PRM_SYSTEM } from "../../src/reward/builtin/prmInput";

/** One id per character (its code), so expected sequences can be written as strings. */
const encode = (text: string) => [...text].map((c) => c.charCodeAt(0));
const SEP = 0;
const plain = { template: "plain" as const, system: QWEN_PRM_SYSTEM, maxLength: 100 };

test("plain template (TRL): prompt ids, then each step's ids followed by the separator id", () => {
  const s = buildPrmSequence(encode, "Q:", ["ab", "", "c"], SEP, plain);
  assert.deepEqual(s.ids, [...encode("Q:ab"), SEP, SEP, ...encode("c"), SEP]);
  assert.deepEqual(s.separators, [4, 5, 7]);
  assert.equal(s.truncatedPromptTokens, 0);
  assert.equal(s.truncatedSteps, 0);
});

test("a step containing the separator's text does not move the positions that are read", () => {
  const s = buildPrmSequence((text) => (text === "x<sep>y" ? [1, SEP, 2] : encode(text)), "", ["x<sep>y", "z"], SEP, plain);
  assert.deepEqual(s.separators, [3, 5]);
});

test("qwen template: the Qwen2.5-Math-PRM chat format, steps joined by the separator and one after the last", () => {
  const s = buildPrmSequence(encode, "What is 1+1?", ["1+1=2", "answer 2"], SEP, { ...plain, template: "qwen", maxLength: 1000 });
  const head = `<|im_start|>system\n${QWEN_PRM_SYSTEM}<|im_end|>\n<|im_start|>user\nWhat is 1+1?<|im_end|>\n<|im_start|>assistant\n`;
  assert.deepEqual(s.ids, [...encode(head + "1+1=2"), SEP, ...encode("answer 2"), SEP, ...encode("<|im_end|>\n")]);
  assert.deepEqual(s.separators, [head.length + 5, head.length + 5 + 1 + 8]);
});

test("maxLength drops prompt tokens from the left first, then cuts the end (steps cut off get -1)", () => {
  const left = buildPrmSequence(encode, "abcdef", ["xy"], SEP, { ...plain, maxLength: 5 });
  assert.deepEqual(left.ids, [...encode("efxy"), SEP]);
  assert.equal(left.truncatedPromptTokens, 4);
  assert.deepEqual(left.separators, [4]);
  const end = buildPrmSequence(encode, "abc", ["xy", "z"], SEP, { ...plain, maxLength: 4 });
  assert.deepEqual(end.ids, [...encode("xy"), SEP, ...encode("z")]);
  assert.deepEqual(end.separators, [2, -1]);
  assert.equal(end.truncatedPromptTokens, 3);
  assert.equal(end.truncatedSteps, 1);
});

test("runs: longest first, at most batchSize sequences and batchTokens padded tokens each", () => {
  assert.deepEqual(planRuns([3, 10, 5, 10, 1], 8, 1000), [[1, 3, 2, 0, 4]]);
  assert.deepEqual(planRuns([3, 10, 5, 10, 1], 2, 1000), [[1, 3], [2, 0], [4]]);
  // 10 x 2 = 20 tokens fit, 10 x 3 do not; a sequence longer than batchTokens runs alone.
  assert.deepEqual(planRuns([3, 10, 5, 10, 1], 8, 20), [[1, 3], [2, 0, 4]]);
  assert.deepEqual(planRuns([50, 4], 8, 20), [[0], [1]]);
  assert.deepEqual(planRuns([], 8, 20), []);
});
