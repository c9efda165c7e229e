// Adapters for reward functions written for other trainers (issue 19). What each one passes and
// accepts is pinned to the upstream caller:
// - TRL 1.x GRPOTrainer._calculate_rewards (trl/trainer/grpo_trainer.py): columns + completion_ids,
//   trainer_state, log_extra, log_metric; sync or async; None -> NaN (here null).
// - EasyR1 verl/workers/reward/function.py: RewardInput {response, response_length, ground_truth},
//   RewardScore {overall, ...}; REWARD_TYPE "batch" or "sequential".
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromEasyR1, fromTrl, type TrlKwargs } from "../../src/reward/api/adapters";
import type { RewardSample } from "../../src/reward/api/types";
import { fakeContext, makeSample } from "./builtin/sample";

const samples: RewardSample[] = [
  makeSample({ id: "a", prompt: "p", completion: "<answer>7</answer>", answer: "7", step: 4, record: { completion: "<answer>7</answer>", solution: "7", completion_ids: [1, 2, 3] } }),
  makeSample({ id: "b", prompt: "p", completion: "no answer", answer: "7", step: 4, record: { completion: "no answer", solution: "7" } }),
];

test("fromTrl passes TRL 1.x's keyword arguments and logs log_extra / log_metric as metrics", async () => {
  let seen: TrlKwargs | undefined;
  const reward = fromTrl("trl", (_prompts, completions, kwargs) => {
    seen = kwargs;
    kwargs.log_extra("length", completions.map((c) => c.length));
    kwargs.log_extra("note", completions.map(() => "text is not a metric"));
    kwargs.log_metric("batch_mean", 0.5);
    return completions.map((c, i) => (kwargs.solution[i] === "7" && c.includes("<answer>") ? 1 : 0));
  });
  const ctx = fakeContext();
  assert.deepEqual(await reward.scoreBatch(samples, ctx), [1, 0]);
  assert.deepEqual(seen?.solution, ["7", "7"]);
  assert.deepEqual(seen?.ground_truth, ["7", "7"]);
  assert.deepEqual(seen?.completion_ids, [[1, 2, 3], undefined]);
  assert.deepEqual(seen?.trainer_state, { global_step: 4 });
  assert.deepEqual(ctx.metrics, [["length", 18], ["length", 9], ["batch_mean", 0.5], ["batch_mean", 0.5]]);
});

test("fromTrl accepts async functions, maps None (null/undefined) and NaN to null, and checks the count", async () => {
  const reward = fromTrl("async", async (_p, completions) => completions.map((_, i) => (i === 0 ? Number.NaN : null)));
  assert.deepEqual(await reward.scoreBatch(samples, fakeContext()), [null, null]);
  const short = fromTrl("short", () => [1]);
  assert.throws(() => short.scoreBatch(samples, fakeContext()), /returned 1 scores for 2 completions/);
  const notList = fromTrl("bad", () => 3 as unknown as number[]);
  assert.throws(() => notList.scoreBatch(samples, fakeContext()), /must return a list of numbers \(or None\), got number/);
});

test("fromEasyR1: batch and sequential compute_score, overall is the reward, other keys are metrics", async () => {
  const inputs: unknown[] = [];
  const batch = fromEasyR1("math", (list: { response: string; ground_truth: unknown; response_length: number }[]) => {
    inputs.push(...list);
    return list.map((x) => ({ overall: x.response.includes(String(x.ground_truth)) ? 1 : 0, format: x.response.startsWith("<answer>") ? 1 : 0, accuracy: null }));
  });
  const ctx = fakeContext();
  assert.deepEqual(await batch.scoreBatch(samples, ctx), [1, 0]);
  assert.deepEqual(inputs[0], { response: "<answer>7</answer>", response_length: 18, ground_truth: "7" });
  assert.deepEqual(ctx.metrics, [["format", 1], ["format", 0]]);

  const sequential = fromEasyR1("seq", async (x: { response: string }) => ({ overall: x.response.length }), { type: "sequential" });
  assert.deepEqual(await sequential.scoreBatch(samples, fakeContext()), [18, 9]);

  const bad = fromEasyR1("bad", (list: unknown[]) => list.map(() => ({ score: 1 }) as unknown as { overall: number }));
  assert.throws(() => bad.scoreBatch(samples, fakeContext()), /must return \{overall: number, \.\.\.\} for each sample, got \{"score":1\} for sample 0/);
});
