import assert from "node:assert/strict";
import { test } from "node:test";
import type { SampleRow } from "../../src/protocol/traceViewer";
import { buildSampleDetail, intersectionOverUnion, storedStepScores } from "../../src/extension/traces/sampleDetail";

const row: SampleRow = { index: 0, line: 1, id: "s", rewards: {}, total: null, advantage: 0.5, length: 3 };

test("a sample detail has predicted regions with IoU, steps with scores and token channels", () => {
  const completion = "<think>A box [0, 0, 10, 10].\n\nDone.</think><answer>1</answer>";
  const pieces = completion.match(/\s+|[^\s]+/g) ?? [];
  const detail = buildSampleDetail(
    {
      completion,
      images: ["a.png", "https://example.com/x.png"],
      regions: [{ box: [0, 0, 10, 20], frame: "pixel" }],
      tokens: pieces.map((text, i) => ({ text, logprob: -i })),
      step_rewards: { grounding: [1, 0] },
    },
    row,
    (path) => (path.startsWith("https:") ? undefined : `webview://${path}`),
  );
  assert.equal(detail.predictedAnswer, "1");
  const predicted = detail.regions.filter((r) => r.source === "predicted");
  assert.equal(predicted.length, 1);
  assert.equal(predicted[0].iou, 0.5);
  assert.deepEqual(detail.steps.map((s) => s.score), [1, 0]);
  assert.deepEqual(detail.channels, ["process", "logprob"]);
  assert.equal(detail.tokens?.length, pieces.length);
  assert.deepEqual(detail.images.map((i) => i.src), ["webview://a.png", undefined]);
});

test("tokens that do not add up to the completion are not used for colouring", () => {
  const detail = buildSampleDetail({ completion: "abc", tokens: [{ text: "ab", logprob: -1 }] }, row, () => undefined);
  assert.equal(detail.tokens, undefined);
  assert.deepEqual(detail.channels, []);
});

test("stored step scores come from step_rewards or meta.step_rewards", () => {
  assert.deepEqual(storedStepScores({ completion: "", meta: { step_rewards: { p: [1, "x", null] } } }), { p: [1, null, null] });
  assert.deepEqual(storedStepScores({ completion: "" }), {});
});

test("IoU of boxes", () => {
  assert.equal(intersectionOverUnion([0, 0, 2, 2], [1, 1, 3, 3]), 1 / 7);
  assert.equal(intersectionOverUnion([0, 0, 1, 1], [2, 2, 3, 3]), 0);
});

test("steps carry the data's label beside the process reward's score", () => {
  const detail = buildSampleDetail(
    { completion: "2+2=4\n\n2*3=7", steps: [{ text: "2+2=4", label: 1 }, { text: "2*3=7", label: -1 }] },
    row,
    () => undefined,
    { mode: "auto" },
    { arithmetic: [1, 0] },
  );
  assert.deepEqual(detail.steps.map((s) => [s.score, s.label]), [[1, 1], [0, -1]]);
  const unlabelled = buildSampleDetail({ completion: "a\n\nb", steps: [{ text: "a" }, { text: "b" }] }, row, () => undefined);
  assert.deepEqual(unlabelled.steps.map((s) => "label" in s), [false, false]);
});
