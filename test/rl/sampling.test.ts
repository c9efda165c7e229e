// Sampling helpers: DAPO dynamic sampling, truncation masks, overlong shaping, process rewards on
// step-end tokens, the curriculum and prioritised prompt sampling (seeded).

import { test } from "node:test";
import assert from "node:assert/strict";
import { seededRandom } from "../../src/runtime/index";
import { CurriculumScheduler, PrioritizedPromptSampler, filterGroups, maskTruncated, overlongShaping, shouldRefill, stepEndTokens, tokenLevelScores, variance } from "../../src/rl/sampling";
import { resolveSettings } from "../../src/rl/resolve";
import { type BatchRewards } from "../../src/rl/trainer/rewards";
import { placeRewards } from "../../src/rl/trainer/update";
import type { RewardSample } from "../../src/reward/api/types";

test("filterGroups drops groups whose metric is equal for every sample, keeps singletons", () => {
  // group 0: 1, 0 (kept); group 1: 1, 1 (all right: dropped); group 2: 0, 0 (all wrong: dropped); group 3: one sample (kept)
  const result = filterGroups(Int32Array.of(0, 0, 1, 1, 2, 2, 3), [1, 0, 1, 1, 0, 0, 0.5]);
  assert.deepEqual(result, { keep: [0, 1, 6], keptGroups: [0, 3], droppedGroups: [1, 2] });
  // 0.1 three times has np.std ~1.4e-17 in verl; equal values are dropped here.
  assert.deepEqual(filterGroups(Int32Array.of(5, 5, 5), [0.1, 0.1, 0.1]).keep, []);
});

test("shouldRefill: until train_batch_size prompts are kept or max_num_gen_batches batches were generated (0 = no limit)", () => {
  const s = { train_batch_size: 16, max_num_gen_batches: 3 };
  assert.equal(shouldRefill(10, 1, s), true);
  assert.equal(shouldRefill(10, 3, s), false);
  assert.equal(shouldRefill(16, 1, s), false);
  assert.equal(shouldRefill(10, 50, { ...s, max_num_gen_batches: 0 }), true);
});

test("maskTruncated zeroes the rows of truncated responses", () => {
  const mask = Float32Array.of(1, 1, 1, 1, 1, 0);
  assert.deepEqual(Array.from(maskTruncated(mask, [true, false], 2, 3)), [0, 0, 0, 1, 1, 0]);
  assert.deepEqual(Array.from(mask), [1, 1, 1, 1, 1, 0], "input untouched");
  assert.throws(() => maskTruncated(mask, [true], 2, 3), /1 flags and 6 mask values for B=2, T=3/);
});

test("overlongShaping reuses the built-in DAPO penalty: 0 until L_max - L_cache, -factor at L_max", () => {
  assert.equal(overlongShaping(resolveSettings("grpo")), null);
  const reward = overlongShaping(resolveSettings("dapo"))!; // max 128, buffer 32, factor 1
  const score = (n: number) => reward.score({ completion: "", tokens: Array.from({ length: n }, () => ({ text: "x" })) } as unknown as RewardSample, {} as never);
  assert.equal(score(96), 0);
  assert.equal(score(112), -0.5);
  assert.equal(score(128), -1);
});

test("stepEndTokens: the first token whose text reaches each step's end", () => {
  // completion "ab|cde|f" as tokens "ab", "cd", "e", "f" (end offsets 2, 4, 5, 6); steps end at 2, 5, 6
  assert.deepEqual(stepEndTokens([2, 5, 6], [2, 4, 5, 6]), [0, 2, 3]);
  // a step ending inside a token lands on that token; one past the text on the last token
  assert.deepEqual(stepEndTokens([3, 9], [2, 4, 5, 6]), [1, 3]);
});

test("tokenLevelScores: outcome on the last response token, step scores on step ends, summed into scores", () => {
  const mask = Float32Array.of(1, 1, 1, 0, /**/ 1, 1, 0, 0);
  const { tokenScores, scores } = tokenLevelScores(2, 4, mask, [1, 0], [[{ token: 0, score: 0.5 }, { token: 2, score: -0.25 }], [{ token: 7, score: 0.3 }]]);
  // row 0: 0.5 at t0, outcome 1 + step -0.25 at t2; row 1: the out-of-range step clamps to the last token (t1)
  assert.deepEqual(Array.from(tokenScores), [0.5, 0, 0.75, 0, /**/ 0, 0.30000001192092896, 0, 0]);
  assert.deepEqual(Array.from(scores), [1.25, 0.30000001192092896]);
});

test("placeRewards: outcome estimators train on the editor's total; token-level ones get step scores where steps end", () => {
  // One response: outcome rewards 1 (weighted), a process reward with weight 0.5 and steps
  // [1, 0] -> aggregate min 0 -> total 1 (what rewardlab score shows), step scores on t0 and t2.
  const rewards: BatchRewards = {
    total: Float64Array.of(1),
    outcome: Float64Array.of(1),
    steps: [[{ token: 0, score: 0.5 }, { token: 2, score: 0 }]],
    byReward: {},
    perSample: [{}],
    errors: { count: 0, first: null },
  };
  const mask = Float32Array.of(1, 1, 1, 1);
  const grpo = placeRewards(rewards, 1, 4, mask, resolveSettings("grpo"));
  assert.deepEqual(Array.from(grpo.tokenScores), [0, 0, 0, 1], "the total on the last token, no step scores");
  assert.deepEqual(Array.from(grpo.scores), [1]);
  const ppo = placeRewards(rewards, 1, 4, mask, resolveSettings("ppo"));
  assert.deepEqual(Array.from(ppo.tokenScores), [0.5, 0, 0, 1], "gae: step scores where the steps end");
  assert.deepEqual(Array.from(ppo.scores), [1], "scores (filters, metrics) are the total for every estimator");
});

test("curriculum by_step: one level per curriculum_steps_per_level steps, capped at the top level", () => {
  const c = new CurriculumScheduler(resolveSettings("grpo", { curriculum: "by_step", curriculum_steps_per_level: "10" }), 3);
  assert.deepEqual([0, 9, 10, 25, 99].map((s) => c.level(s)), [0, 0, 1, 2, 2]);
  assert.equal(new CurriculumScheduler(resolveSettings("grpo"), 3).level(0), 2, "off: every level");
});

test("curriculum by_accuracy: promotes when the mean of the last window reaches curriculum_promote_at; state round-trips", () => {
  const settings = resolveSettings("grpo", { curriculum: "by_accuracy", curriculum_window: "2", curriculum_promote_at: "0.75" });
  const c = new CurriculumScheduler(settings, 3);
  assert.deepEqual([0.9, 0.5, 0.9].map((a) => c.record(a)), [false, false, false]); // means: -, 0.7, 0.7
  assert.equal(c.record(0.6), true); // mean(0.9, 0.6) = 0.75
  assert.equal(c.level(0), 1);
  const resumed = new CurriculumScheduler(settings, 3, JSON.parse(JSON.stringify(c)));
  assert.deepEqual([resumed.record(1), resumed.record(1), resumed.level(0)], [false, true, 2]);
  assert.equal(resumed.record(1), false, "no level above the top");
});

test("prioritised sampling: probability ~ advantage variance, floor / N for every prompt, unseen prompts first", () => {
  const sampler = new PrioritizedPromptSampler(4, 0.2);
  assert.deepEqual(Array.from(sampler.probabilities()), [0.25, 0.25, 0.25, 0.25]);
  sampler.update(0, [1, -1, 1, -1]); // variance 1
  sampler.update(1, [0, 0, 0, 0]); //   variance 0: solved or hopeless
  sampler.update(2, [0.5, -0.5]); //    variance 0.25
  // prompt 3 unseen: the highest priority seen (1). Weights 1, 0, 0.25, 1 (sum 2.25); p = 0.8 w / 2.25 + 0.05
  const p = Array.from(sampler.probabilities());
  [0.8 / 2.25 + 0.05, 0.05, (0.8 * 0.25) / 2.25 + 0.05, 0.8 / 2.25 + 0.05].forEach((e, i) => assert.ok(Math.abs(p[i] - e) < 1e-12, `p[${i}] = ${p[i]}`));
  assert.equal(variance([1, -1, 1, -1]), 1);

  const draws = sampler.sample(3, seededRandom(1));
  assert.equal(new Set(draws).size, 3, "distinct within a round");
  assert.deepEqual(sampler.sample(3, seededRandom(1)), draws, "seeded");
  assert.equal(sampler.sample(10, seededRandom(2)).length, 10, "more than N draws come in rounds");
  const counts = [0, 0, 0, 0];
  const rand = seededRandom(3);
  for (let i = 0; i < 4000; i++) counts[sampler.sample(1, rand)[0]]++;
  [0.405556, 0.05, 0.138889, 0.405556].forEach((e, i) => assert.ok(Math.abs(counts[i] / 4000 - e) < 0.03, `prompt ${i} drawn ${counts[i]} / 4000`));

  const restored = new PrioritizedPromptSampler(4, 0.2, JSON.parse(JSON.stringify(sampler)));
  assert.deepEqual(Array.from(restored.probabilities()), p);
});
