// onnxPrm against a tiny ONNX PRM built by the test (test/reward/prmFixture.ts): step scores are
// the hand-computed softmax at each separator, batching and padding change nothing, truncation is
// reported, and broken models / separators fail with messages naming the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RewardContext, RewardSample } from "../../src/reward/api/types";
import { onnxPrm, type OnnxPrmOptions } from "../../src/reward/builtin/prm";
import { TraceSample } from "../../src/reward/sample";
import type { TraceRecord } from "../../src/trace/types";
import { expectedStepScore, SEPARATOR, writePrmFolder, type PrmFixtureVariant } from "./prmFixture";

const root = mkdtempSync(join(tmpdir(), "rl-prm-"));
const folders = new Map<PrmFixtureVariant, string>();
function modelFolder(variant: PrmFixtureVariant = "prm"): string {
  let folder = folders.get(variant);
  if (!folder) folders.set(variant, (folder = writePrmFolder(join(root, variant), variant)));
  return folder;
}

function sample(prompt: string, steps: string[], index = 0): RewardSample {
  const record: TraceRecord = { id: `s${index}`, prompt, completion: steps.join("\n"), steps: steps.map((text) => ({ text })) };
  return new TraceSample(record, index, index + 1, { mode: "auto" });
}

function recordingContext(): { ctx: RewardContext; metrics: { name: string; value: number; sample?: string }[] } {
  const metrics: { name: string; value: number; sample?: string }[] = [];
  const ctx: RewardContext = { file: "", imageSize: () => null, log: { metric: (name, value, s) => metrics.push({ name, value, sample: s?.id }) } };
  return { ctx, metrics };
}

function prm(options: Partial<OnnxPrmOptions> = {}) {
  const reward = onnxPrm({ model: modelFolder(), separator: SEPARATOR, ...options });
  return { reward, scoreBatch: (samples: RewardSample[], ctx: RewardContext) => reward.scoreBatch(samples, ctx) };
}

const close = (actual: readonly (number | null)[] | null, expected: readonly (number | null)[]) => {
  assert.ok(actual, "expected step scores, got null");
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => {
    if (expected[i] === null) return assert.equal(value, null, `step ${i + 1}`);
    assert.ok(value !== null && Math.abs(value - expected[i]!) < 1e-6, `step ${i + 1}: ${value} vs ${expected[i]}`);
  });
};

test("each step scores the softmax probability of the positive label at its separator", async () => {
  const steps = ["2 + 3 = 5", "so the answer is five", "check: 5"];
  const { ctx } = recordingContext();
  const { reward, scoreBatch } = prm();
  assert.equal(reward.kind, "process");
  assert.equal(reward.name, "prm");
  assert.equal(reward.aggregate, "min");
  const [scores] = await scoreBatch([sample("What is 2 + 3?", steps)], ctx);
  close(scores, steps.map(expectedStepScore));
  // Hand check of one value: after a digit, logits [0.25, 2]: e^2 / (e^0.25 + e^2).
  assert.ok(Math.abs(scores![0]! - Math.exp(2) / (Math.exp(0.25) + Math.exp(2))) < 1e-6);
  // positiveLabel 0 reads the other label: 1 - p.
  const [negative] = await prm({ positiveLabel: 0 }).scoreBatch([sample("What is 2 + 3?", steps)], ctx);
  close(negative, steps.map((s) => 1 - expectedStepScore(s)));
  // The single-sample path (score) agrees.
  close(await reward.score(sample("What is 2 + 3?", steps), ctx), steps.map(expectedStepScore));
});

test("batching and padding do not change scores; samples without steps score null", async () => {
  const samples = [
    sample("short", ["1"], 0),
    sample("a much longer prompt that pads the others", ["first step ends in 7", "then words", "x", "42"], 1),
    sample("no steps", [], 2),
    sample("", ["", "9"], 3),
    sample("mid", ["one two", "3"], 4),
  ];
  const { ctx } = recordingContext();
  const together = await prm().scoreBatch(samples, ctx);
  const alone = await prm({ batchSize: 1 }).scoreBatch(samples, ctx);
  const tight = await prm({ batchTokens: 40 }).scoreBatch(samples, ctx);
  assert.deepEqual(together, alone);
  assert.deepEqual(together, tight);
  assert.equal(together[2], null);
  samples.forEach((s, i) => s.steps.length > 0 && close(together[i], s.steps.map((step) => expectedStepScore(step.text))));
  // A model without attention_mask is fed input_ids only, and gives the same scores.
  assert.deepEqual(await onnxPrm({ model: modelFolder("no-mask"), separator: SEPARATOR }).scoreBatch(samples, ctx), together);
});

test("too long: the prompt loses tokens from the left, then steps that do not fit score null; both are metrics", async () => {
  const { ctx, metrics } = recordingContext();
  const steps = ["abc 1", "def", "ghi 2"];
  // 20-character prompt + 5 + 1 + 3 + 1 + 5 + 1 = 36 tokens.
  const [cut] = await prm({ maxLength: 30 }).scoreBatch([sample("p".repeat(20), steps, 7)], ctx);
  close(cut, steps.map(expectedStepScore));
  assert.deepEqual(metrics, [{ name: "truncated_prompt_tokens", value: 6, sample: "s7" }]);
  metrics.length = 0;
  const [short] = await prm({ maxLength: 8 }).scoreBatch([sample("p".repeat(20), steps, 8)], ctx);
  close(short, [expectedStepScore(steps[0]), null, null]);
  assert.deepEqual(metrics, [
    { name: "truncated_prompt_tokens", value: 20, sample: "s8" },
    { name: "truncated_steps", value: 2, sample: "s8" },
  ]);
});

test("the qwen template wraps the prompt in the chat format and scores the same separators", async () => {
  const { ctx } = recordingContext();
  const steps = ["x = 4", "y"];
  const [scores] = await prm({ template: "qwen" }).scoreBatch([sample("Solve it.", steps)], ctx);
  close(scores, steps.map(expectedStepScore));
});

test("options and files are checked when the reward file loads, naming what is wrong", () => {
  assert.throws(() => onnxPrm({ model: join(root, "missing"), separator: SEPARATOR }), /onnxPrm: model not found: .*missing/);
  assert.throws(() => onnxPrm({ model: "nowhere/model.onnx", separator: SEPARATOR }), /model "nowhere\/model.onnx" not found \(looked for .*nowhere\/model.onnx/);
  assert.throws(() => onnxPrm({ model: root, separator: SEPARATOR }), /folder without model.onnx/);
  assert.throws(() => onnxPrm({ model: modelFolder(), separator: "" }), /separator/);
  assert.throws(() => onnxPrm({ model: modelFolder(), separator: SEPARATOR, positiveLabel: -1 }), /positiveLabel/);
  assert.throws(() => onnxPrm({ model: modelFolder(), separator: SEPARATOR, maxLength: 0 }), /maxLength/);
  assert.throws(() => onnxPrm({ model: join(modelFolder(), "model.onnx"), tokenizer: join(root, "none.json"), separator: SEPARATOR }), /tokenizer not found/);
});

test("model errors name the model file: separator not one token, missing input_ids, wrong output shape, too few labels", async () => {
  const { ctx } = recordingContext();
  const one = [sample("q", ["1"])];
  await assert.rejects(prm({ separator: "<extra_1>" }).scoreBatch(one, ctx), (error: Error) => {
    assert.match(error.message, /separator "<extra_1>" encodes to 9 tokens .* in .*tokenizer\.json; it must be exactly one token/);
    return true;
  });
  await assert.rejects(onnxPrm({ model: modelFolder("renamed-input"), separator: SEPARATOR }).scoreBatch(one, ctx), /renamed-input\/model\.onnx: inputs \[tokens, attention_mask\].*must take "input_ids"/);
  await assert.rejects(onnxPrm({ model: modelFolder("flat-output"), separator: SEPARATOR }).scoreBatch(one, ctx), /flat-output\/model\.onnx: output "logits" has shape \[1, 3\]; expected \[batch, tokens, labels\] = \[1, 3, labels\]/);
  await assert.rejects(prm({ positiveLabel: 2 }).scoreBatch(one, ctx), /model\.onnx: output "logits" has 2 labels per token; positiveLabel 2 needs at least 3/);
  await assert.rejects(prm({ output: "scores" }).scoreBatch(one, ctx), /model\.onnx: inputs \[input_ids, attention_mask\], outputs \[logits\]: no output "scores"/);
});
