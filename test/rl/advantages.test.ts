// Every advantage estimator against small examples worked out by hand (the numbers are written
// out), and GAE against a direct sum of discounted TD errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { type AdvantageInput, advantageEstimatorNames, computeAdvantages, gaeRaw, getAdvantageEstimator, registerAdvantageEstimator } from "../../src/rl/advantages";
import { resolveSettings } from "../../src/rl/resolve";
import { tokenLevelScores } from "../../src/rl/sampling";

function assertNear(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-5, what = "values"): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= tol, `${what}[${i}] = ${actual[i]}, expected ${e}`));
}

// Four responses, T = 3. Group 0 holds three samples of one prompt (rewards 1, 0, 0), group 1
// one sample (reward 5). Outcome rewards sit on each response's last token.
const B = 4, T = 3;
const mask = Float32Array.of(1, 1, 1, /**/ 1, 1, 0, /**/ 1, 0, 0, /**/ 1, 1, 0);
const groups = Int32Array.of(0, 0, 0, 1);
const outcome = [1, 0, 0, 5];
const { tokenScores, scores } = tokenLevelScores(B, T, mask, outcome);
const input: AdvantageInput = { B, T, mask, scores, tokenRewards: tokenScores, groups, values: null };

test("outcome rewards land on the last response token", () => {
  assertNear(tokenScores, [0, 0, 1, /**/ 0, 0, 0, /**/ 0, 0, 0, /**/ 0, 5, 0]);
  assertNear(scores, outcome);
});

test("grpo: (R - mean) / (std + 1e-6) per group, unbiased std; a group of one keeps its reward", () => {
  // group 0: mean 1/3, std sqrt(((2/3)^2 + 2 (1/3)^2) / 2) = sqrt(1/3) = 0.577350
  //   A = (2/3) / 0.577351 = 1.154699, (-1/3) / 0.577351 = -0.577349
  // group 1: mean 0, std 1 -> 5 / 1.000001 = 4.999995
  const { advantages, returns } = computeAdvantages(input, resolveSettings("grpo"));
  const a = 1.154699, b = -0.577349, c = 4.999995;
  assertNear(advantages, [a, a, a, /**/ b, b, 0, /**/ b, 0, 0, /**/ c, c, 0]);
  assert.deepEqual(returns, advantages);
});

test("dr_grpo: R - mean, no std", () => {
  const { advantages } = computeAdvantages(input, resolveSettings("dr_grpo"));
  const a = 2 / 3, b = -1 / 3;
  assertNear(advantages, [a, a, a, /**/ b, b, 0, /**/ b, 0, 0, /**/ 5, 5, 0]);
});

test("grpo with grpo_std_scope=batch: group mean, batch std", () => {
  // std of [1, 0, 0, 5] (unbiased): sqrt(17 / 3) = 2.380476
  const { advantages } = computeAdvantages(input, resolveSettings("grpo", { grpo_std_scope: "batch" }));
  const a = 0.280056, b = -0.140028, c = 2.100418;
  assertNear(advantages, [a, a, a, /**/ b, b, 0, /**/ b, 0, 0, /**/ c, c, 0]);
});

test("rloo: n / (n - 1) (R - mean), i.e. R minus the mean of the others", () => {
  // group 0: 1 - (0 + 0) / 2 = 1; 0 - (1 + 0) / 2 = -0.5. Group of one: unchanged.
  const { advantages } = computeAdvantages(input, resolveSettings("rloo"));
  assertNear(advantages, [1, 1, 1, /**/ -0.5, -0.5, 0, /**/ -0.5, 0, 0, /**/ 5, 5, 0]);
});

test("reinforce_plus_plus_baseline: whiten(R - group mean) over the batch's tokens", () => {
  // token values 2/3 (x3), -1/3 (x2), -1/3, 5 (x2): mean 11/8, unbiased var 5.220238
  const { advantages } = computeAdvantages(input, resolveSettings("rloo", { adv_estimator: "reinforce_plus_plus_baseline" }));
  const a = -0.310022, b = -0.7477, c = 1.586583;
  assertNear(advantages, [a, a, a, /**/ b, b, 0, /**/ b, 0, 0, /**/ c, c, 0]);
});

test("reinforce_plus_plus: discounted token returns, whitened", () => {
  // gamma 0.5; a step score 5 on row 3's first token instead of the outcome at its end.
  const rewards = Float32Array.of(0, 0, 1, /**/ 0, 0, 0, /**/ 0, 0, 0, /**/ 5, 0, 0);
  const settings = resolveSettings("reinforce_pp", { gamma: "0.5" });
  const { advantages, returns } = computeAdvantages({ ...input, tokenRewards: rewards }, settings);
  // returns: row 0: 0.25, 0.5, 1; row 3: 5, 0 (the step's reward does not flow backwards past t = 0)
  assertNear(returns, [0.25, 0.5, 1, /**/ 0, 0, 0, /**/ 0, 0, 0, /**/ 5, 0, 0]);
  // whiten the 8 response tokens [0.25, 0.5, 1, 0, 0, 0, 5, 0]: mean 0.84375, squares 20.6171875, unbiased var / 7
  const z = (x: number) => (x - 0.84375) / Math.sqrt(20.6171875 / 7 + 1e-8);
  assertNear(advantages, [z(0.25), z(0.5), z(1), z(0), z(0), 0, z(0), 0, 0, z(5), z(0), 0]);
});

/** GAE by its definition: A_t = sum_l (gamma lambda)^l delta_{t+l} over the masked tokens only. */
function gaeBySum(rewards: number[], values: number[], mask: number[], gamma: number, lam: number): number[] {
  const idx = mask.flatMap((m, t) => (m ? [t] : []));
  const delta = idx.map((t, k) => rewards[t] + gamma * (k + 1 < idx.length ? values[idx[k + 1]] : 0) - values[t]);
  const out = new Array<number>(mask.length).fill(0);
  idx.forEach((t, k) => (out[t] = delta.slice(k).reduce((acc, d, l) => acc + (gamma * lam) ** l * d, 0)));
  return out;
}

test("gae equals the direct sum of discounted TD errors, skipping masked tokens (padding and mid-sequence)", () => {
  const rewards = [0, 0.5, 1, 0, /**/ 0.3, 9, 0, 1];
  const values = [0.2, 0.4, 0.6, 9, /**/ 0.1, 7, 0.5, 0.2]; // 9 and 7 sit on masked tokens: ignored
  const m = [1, 1, 1, 0, /**/ 1, 0, 1, 1];
  const gae: AdvantageInput = { B: 2, T: 4, mask: Float32Array.from(m), scores: new Float32Array(2), tokenRewards: Float32Array.from(rewards), groups: Int32Array.of(0, 1), values: Float32Array.from(values) };
  const raw = gaeRaw(gae, 0.9, 0.8);
  // Row 0 by hand: delta = 0.16, 0.64, 0.4; A_2 = 0.4, A_1 = 0.64 + 0.72 * 0.4 = 0.928, A_0 = 0.16 + 0.72 * 0.928 = 0.82816
  assertNear(raw.subarray(0, 3), [0.82816, 0.928, 0.4]);
  const expected = [...gaeBySum(rewards.slice(0, 4), values.slice(0, 4), m.slice(0, 4), 0.9, 0.8), ...gaeBySum(rewards.slice(4), values.slice(4), m.slice(4), 0.9, 0.8)];
  assertNear(Array.from(raw, (v, i) => v * m[i]), expected, 1e-6, "gae");

  const { advantages, returns } = computeAdvantages(gae, resolveSettings("ppo", { gamma: "0.9", lam_actor: "0.8", lam_critic: "0.8" }));
  assertNear(returns, expected.map((a, i) => (a + values[i]) * m[i]), 1e-5, "returns = A + V");
  const kept = expected.filter((_, i) => m[i]);
  const mean = kept.reduce((a, v) => a + v, 0) / kept.length;
  const std = Math.sqrt(kept.reduce((a, v) => a + (v - mean) ** 2, 0) / (kept.length - 1) + 1e-8);
  assertNear(advantages, expected.map((a, i) => ((a - mean) / std) * m[i]), 1e-5, "whitened advantages");
});

test("decoupled gae (VC-PPO): actor advantages use lam_actor, critic returns use lam_critic", () => {
  const gae: AdvantageInput = { B: 1, T: 4, mask: Float32Array.of(1, 1, 1, 0), scores: new Float32Array(1), tokenRewards: Float32Array.of(0, 0.5, 1, 0), groups: Int32Array.of(0), values: Float32Array.of(0.2, 0.4, 0.6, 0) };
  const { advantages, returns } = computeAdvantages(gae, resolveSettings("ppo", { gamma: "0.9", lam_actor: "0.8", lam_critic: "1" }));
  // lambda_critic = 1: returns are discounted reward sums, 0.9 * 1.4 = 1.26, 0.5 + 0.9 * 1 = 1.4, 1
  assertNear(returns, [1.26, 1.4, 1, 0]);
  // lambda_actor = 0.8: raw 0.82816, 0.928, 0.4, whitened (mean 0.71872, std 0.2805)
  assertNear(advantages, [0.390164, 0.746103, -1.136267, 0]);
});

test("the registry refuses duplicates and lists valid names for an unknown one", () => {
  assert.deepEqual(advantageEstimatorNames(), ["grpo", "rloo", "reinforce_plus_plus", "reinforce_plus_plus_baseline", "gae"]);
  assert.throws(() => registerAdvantageEstimator("grpo", getAdvantageEstimator("rloo")), /already registered/);
  assert.throws(() => getAdvantageEstimator("ppo"), /unknown advantage estimator "ppo"; valid: grpo, rloo/);
});

test("computeAdvantages names a wrongly sized or non-finite input", () => {
  assert.throws(() => computeAdvantages({ ...input, mask: new Float32Array(5) }, resolveSettings("grpo")), /mask has 5 values, expected 12 \(B=4, T=3\)/);
  assert.throws(() => computeAdvantages(input, resolveSettings("ppo")), /values has no values, expected 12/);
  const nan = Float32Array.from(tokenScores);
  nan[7] = NaN;
  assert.throws(() => computeAdvantages({ ...input, tokenRewards: nan }, resolveSettings("grpo")), /tokenRewards of response 2 is NaN at token 1; every reward must be a finite number/);
});
