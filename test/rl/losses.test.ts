// Losses are IR graphs: each is evaluated with the float64 reference interpreter on a small
// hand-worked example (numbers written out), gradients come from autodiff, and the assembled
// actor loss runs through ONNX Runtime too.

import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder, type RefArray, type Tensor, evaluate, grad } from "../../src/ir/index";
import { aggregateLoss, actorLoss, criticLoss, entropyFromLogits, getPolicyLoss, policyLossNames, registerPolicyLoss } from "../../src/rl/losses";
import { resolveSettings } from "../../src/rl/resolve";
import type { LossAggMode, RlSettings } from "../../src/rl/settings";
import { assertClose, runOrt } from "../ir/check";

const ref = (data: number[], shape: number[]): RefArray => ({ data: Float64Array.from(data), shape });
const scalar = (a: RefArray) => a.data[0];

function near(actual: number, expected: number, what: string, tol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} = ${actual}, expected ${expected}`);
}

/** A graph with `[B, T]` float inputs by name; `f` builds outputs from them. */
function build(shape: number[], names: string[]) {
  const g = new GraphBuilder();
  const t = Object.fromEntries(names.map((n) => [n, g.input(n, "float32", shape)])) as Record<string, Tensor>;
  return { g, t };
}

test("aggregateLoss: every mode on a hand-worked example (the empty third row is skipped by the seq means)", () => {
  // losses [[1, 2, 3], [4, 5, 6], [7, 8, 9]], mask [[1, 1, 0], [1, 0, 0], [0, 0, 0]]: kept tokens 1, 2 | 4
  const expected: Record<LossAggMode, number> = {
    "token-mean": (1 + 2 + 4) / 3, //                   2.3333
    "seq-mean-token-mean": ((1 + 2) / 2 + 4 / 1) / 2, // 2.75
    "seq-mean-token-sum": (3 + 4) / 2, //                3.5
    "seq-mean-token-sum-norm": (1 + 2 + 4) / 3, //       sum / T (T = 3)
  };
  for (const [mode, value] of Object.entries(expected) as [LossAggMode, number][]) {
    const { g, t } = build([3, 3], ["loss", "mask"]);
    const out = aggregateLoss(g, t.loss, t.mask, mode);
    const feeds = { loss: ref([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]), mask: ref([1, 1, 0, 1, 0, 0, 0, 0, 0], [3, 3]) };
    near(scalar(evaluate(g, [out], feeds)[0]), value, mode, 1e-7);
  }
  const { g, t } = build([3, 3], ["loss", "mask"]);
  const out = aggregateLoss(g, t.loss, t.mask, "seq-mean-token-sum-norm", { scaleFactor: 10 });
  near(scalar(evaluate(g, [out], { loss: ref([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]), mask: ref([1, 1, 0, 1, 0, 0, 0, 0, 0], [3, 3]) })[0]), 0.7, "norm / 10");
});

// Four tokens of one response: ratios r = 1.5, 0.5, 1.1, 5 and advantages 1, -1, 1, -1.
const ratios = [1.5, 0.5, 1.1, 5];
const oldLp = [-1, -1, -1, -1];
const policyFeeds = () => ({
  logProbs: ref(ratios.map((r, i) => oldLp[i] + Math.log(r)), [1, 4]),
  oldLogProbs: ref(oldLp, [1, 4]),
  advantages: ref([1, -1, 1, -1], [1, 4]),
  mask: ref([1, 1, 1, 1], [1, 4]),
});

function policyLossOn(settings: RlSettings) {
  const { g, t } = build([1, 4], ["logProbs", "oldLogProbs", "advantages", "mask"]);
  const { loss, metrics } = actorLoss(g, { logProbs: t.logProbs, oldLogProbs: t.oldLogProbs, advantages: t.advantages, mask: t.mask }, settings);
  const names = Object.keys(metrics);
  const [dLogProbs] = grad(g, loss, [t.logProbs]);
  const values = evaluate(g, [loss, dLogProbs, ...names.map((n) => metrics[n])], policyFeeds());
  return { loss: scalar(values[0]), grad: Array.from(values[1].data), metrics: Object.fromEntries(names.map((n, i) => [n, scalar(values[2 + i])])) };
}

test("vanilla policy loss: clip-higher and dual-clip bounds, token-mean", () => {
  const settings = resolveSettings("dapo", { clip_ratio_c: "3" }); // low 0.2, high 0.28, token-mean
  const { loss, grad: dlp, metrics } = policyLossOn(settings);
  // t0: A = 1, r = 1.5 -> max(-1.5, -clip(1.5, 0.8, 1.28)) = -1.28 (clip-higher bound, not -1.2)
  // t1: A = -1, r = 0.5 -> max(0.5, 0.8) = 0.8, under the dual bound 3
  // t2: A = 1, r = 1.1 -> -1.1 (inside the clip range)
  // t3: A = -1, r = 5 -> max(5, 1.28) = 5, dual clip: min(5, -A * 3) = 3
  near(loss, (-1.28 + 0.8 - 1.1 + 3) / 4, "pg_loss"); // 0.355
  near(metrics["actor/pg_loss"], 0.355, "actor/pg_loss");
  near(metrics["actor/pg_clipfrac"], 2 / 4, "pg_clipfrac (t0, t1)");
  near(metrics["actor/pg_clipfrac_lower"], 1 / 4, "pg_clipfrac_lower (t3)");
  near(metrics["actor/ppo_kl"], -(Math.log(1.5) + Math.log(0.5) + Math.log(1.1) + Math.log(5)) / 4, "ppo_kl"); // -0.354267
  // Only the unclipped token moves: d(-A r / 4) / d log p = -1.1 / 4; clipped and dual-clipped tokens get 0.
  dlp.forEach((v, i) => near(v, [0, 0, -1.1 / 4, 0][i], `d loss / d logp[${i}]`));
});

test("vanilla policy loss with symmetric clipping (PPO) clips at 1.2", () => {
  const { loss } = policyLossOn(resolveSettings("ppo", { loss_agg_mode: "token-mean" }));
  near(loss, (-1.2 + 0.8 - 1.1 + 3) / 4, "pg_loss"); // 0.375
});

test("gspo: one geometric-mean ratio per response, gradient through each token, seq-mean-token-mean", () => {
  // Row 0 (A = 1): log ratios 0.5, 0.1, 0.3 -> mean 0.3, s = e^0.3 = 1.349859 > 1.28 -> clipped: -1.28 per token.
  // Row 1 (A = -1, 2 tokens): log ratios 0, -0.2 -> s = e^-0.1 = 0.904837 (inside) -> 0.904837 per token.
  const settings = resolveSettings("gspo", { clip_ratio_low: "0.2", clip_ratio_high: "0.28" });
  const { g, t } = build([2, 3], ["logProbs", "oldLogProbs", "advantages", "mask"]);
  const { loss, metrics } = getPolicyLoss("gspo")(g, { logProbs: t.logProbs, oldLogProbs: t.oldLogProbs, advantages: t.advantages, mask: t.mask }, settings, { mode: "token-mean", scaleFactor: 3 });
  const [dlp] = grad(g, loss, [t.logProbs]);
  const old = [-1, -2, -1, -1, -1, -3];
  const feeds = {
    logProbs: ref([0.5, 0.1, 0.3, 0, -0.2, 0].map((d, i) => old[i] + d), [2, 3]),
    oldLogProbs: ref(old, [2, 3]),
    advantages: ref([1, 1, 1, -1, -1, 0], [2, 3]),
    mask: ref([1, 1, 1, 1, 1, 0], [2, 3]),
  };
  const [l, d, clipfrac] = evaluate(g, [loss, dlp, metrics["actor/pg_clipfrac"]], feeds);
  near(scalar(l), (-1.28 + 0.904837) / 2, "gspo loss (seq-mean-token-mean even though token-mean was asked)", 1e-6);
  near(scalar(clipfrac), 3 / 5, "pg_clipfrac");
  // Row 0 is clipped: no gradient. Row 1: d/dlogp_t of -A s_{1,t} = s_1 (through its own token), times 1/2 (rows) * 1/2 (tokens).
  Array.from(d.data).forEach((v, i) => near(v, [0, 0, 0, 0.904837 / 4, 0.904837 / 4, 0][i], `d loss / d logp[${i}]`, 1e-6));
});

test("the policy loss registry refuses duplicates and lists valid names", () => {
  assert.deepEqual(policyLossNames(), ["vanilla", "gspo"]);
  assert.throws(() => registerPolicyLoss("gspo", getPolicyLoss("vanilla")), /already registered/);
  assert.throws(() => getPolicyLoss("ppo"), /unknown policy loss "ppo"; valid: vanilla, gspo/);
});

test("entropyFromLogits: -sum p log p per position", () => {
  const g = new GraphBuilder();
  const logits = g.input("logits", "float32", [1, 2, 4]);
  const [h] = evaluate(g, [entropyFromLogits(g, logits)], { logits: ref([0, Math.log(2), Math.log(3), -1e9, 5, 5, 5, 5], [1, 2, 4]) });
  // p = 1/6, 2/6, 3/6 (the -1e9 logit has p = 0): H = 1.011404; uniform over 4: ln 4 = 1.386294
  assert.deepEqual(h.shape, [1, 2]);
  near(h.data[0], 1.0114042647, "H(1/6, 1/3, 1/2)");
  near(h.data[1], Math.log(4), "H(uniform 4)");
});

test("value loss: 0.5 * max of clipped and unclipped squared errors (cliprange_value 0.5)", () => {
  const { g, t } = build([1, 3], ["values", "oldValues", "returns", "mask"]);
  const { loss, metrics } = criticLoss(g, { values: t.values, oldValues: t.oldValues, returns: t.returns, mask: t.mask }, resolveSettings("ppo"));
  const [dv] = grad(g, loss, [t.values]);
  // t0: V = 1, R = 1 -> 0. t1: V = 1.2, V_old = 0.5 -> clipped to 1.0; (1.2 - 2)^2 = 0.64 < (1.0 - 2)^2 = 1 -> 1 (clipped term)
  // t2: V = 0.2 inside [0, 1] -> (0.2 - 1)^2 = 0.64. vf_loss = 0.5 * (0 + 1 + 0.64) / 3
  const feeds = { values: ref([1, 1.2, 0.2], [1, 3]), oldValues: ref([0.5, 0.5, 0.5], [1, 3]), returns: ref([1, 2, 1], [1, 3]), mask: ref([1, 1, 1], [1, 3]) };
  const [l, grads, clipfrac, vpred] = evaluate(g, [loss, dv, metrics["critic/vf_clipfrac"], metrics["critic/vpred_mean"]], feeds);
  near(scalar(l), (0.5 * 1.64) / 3, "vf_loss");
  near(scalar(clipfrac), 1 / 3, "vf_clipfrac");
  near(scalar(vpred), 2.4 / 3, "vpred_mean");
  // The clipped token gets no gradient; t2: 0.5 * 2 (0.2 - 1) / 3
  Array.from(grads.data).forEach((v, i) => near(v, [0, 0, (0.5 * 2 * (0.2 - 1)) / 3][i], `d vf_loss / dV[${i}]`));
});

test("Dr.GRPO = GRPO without the std and per-response length normalisation (gradients, on-policy)", async () => {
  const { computeAdvantages } = await import("../../src/rl/advantages");
  const { tokenLevelScores } = await import("../../src/rl/sampling");
  // One prompt, three responses of lengths 3, 2, 1 (T = 3), rewards 1, 0, 0.
  const B = 3, T = 3, mask = Float32Array.of(1, 1, 1, 1, 1, 0, 1, 0, 0), groups = Int32Array.of(0, 0, 0);
  const { tokenScores, scores } = tokenLevelScores(B, T, mask, [1, 0, 0]);
  const gradient = (settings: RlSettings) => {
    const { advantages } = computeAdvantages({ B, T, mask, scores, tokenRewards: tokenScores, groups, values: null }, settings);
    const { g, t } = build([B, T], ["logProbs", "oldLogProbs", "advantages", "mask"]);
    const { loss } = actorLoss(g, { logProbs: t.logProbs, oldLogProbs: t.oldLogProbs, advantages: t.advantages, mask: t.mask }, settings);
    const lp = ref(new Array(B * T).fill(-1), [B, T]);
    const [d] = evaluate(g, grad(g, loss, [t.logProbs]), { logProbs: lp, oldLogProbs: lp, advantages: ref(Array.from(advantages), [B, T]), mask: ref(Array.from(mask), [B, T]) });
    return Array.from(d.data);
  };
  const common = { use_kl_loss: "false", max_response_length: "3" };
  // GRPO: A_b = (R_b - 1/3) / (sqrt(1/3) + 1e-6), each token weighted 1 / (B |o_b|).
  const std = Math.sqrt(1 / 3) + 1e-6, centred = [2 / 3, -1 / 3, -1 / 3], lengths = [3, 2, 1];
  const grpo = gradient(resolveSettings("grpo", common));
  // Dr.GRPO: A_b = R_b - 1/3, each token weighted 1 / max_response_length.
  const dr = gradient(resolveSettings("dr_grpo", common));
  for (let i = 0; i < B * T; i++) {
    const b = Math.floor(i / T), m = mask[i];
    near(grpo[i], (-m * centred[b]) / std / (B * lengths[b]), `grpo grad[${i}]`);
    near(dr[i], (-m * centred[b]) / 3, `dr_grpo grad[${i}]`);
    if (m) near(dr[i] * 3, grpo[i] * std * B * lengths[b], `dr = grpo * std * B * |o_b| / T at ${i}`);
  }
});

test("actorLoss through ONNX Runtime equals the float64 reference (pg + k3 KL loss + entropy bonus)", async () => {
  const settings = resolveSettings("grpo", { entropy_coeff: "0.01", kl_loss_coef: "0.1", clip_ratio_c: "2" });
  const g = new GraphBuilder();
  const logits = g.input("logits", "float32", [2, 3, 5]);
  const targets = g.input("targets", "int64", [2, 3]);
  const inputs = Object.fromEntries(["oldLogProbs", "refLogProbs", "advantages", "mask"].map((n) => [n, g.input(n, "float32", [2, 3])]));
  const logp = g.logSoftmax(logits);
  const logProbs = g.reshape(g.gatherElements(logp, g.reshape(targets, [2, 3, 1]), 2), [2, 3]);
  const { loss, metrics } = actorLoss(g, { logProbs, ...(inputs as Record<"oldLogProbs" | "refLogProbs" | "advantages" | "mask", Tensor>), entropy: entropyFromLogits(g, logits) }, settings);
  const [dLogits] = grad(g, loss, [logits]);
  const names = Object.keys(metrics).sort();
  assert.deepEqual(names, ["actor/entropy", "actor/kl", "actor/kl_loss", "actor/pg_clipfrac", "actor/pg_clipfrac_lower", "actor/pg_loss", "actor/ppo_kl"]);
  const feeds: Record<string, RefArray> = {
    logits: ref(Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7) * 2), [2, 3, 5]),
    targets: ref([0, 4, 2, 1, 3, 3], [2, 3]),
    oldLogProbs: ref([-1.2, -2.5, -0.4, -3, -1.1, -1.6], [2, 3]),
    refLogProbs: ref([-1.5, -2, -0.9, -2.2, -1.4, -1.6], [2, 3]),
    advantages: ref([1.2, 1.2, 1.2, -0.8, -0.8, 0], [2, 3]),
    mask: ref([1, 1, 1, 1, 1, 0], [2, 3]),
  };
  const outputs = [loss, dLogits, ...names.map((n) => metrics[n])];
  const expected = evaluate(g, outputs, feeds);
  const got = await runOrt(g, outputs, feeds);
  got.forEach((a, i) => assertClose(a, expected[i], 2e-5, i === 0 ? "loss" : i === 1 ? "d loss / d logits" : names[i - 2]));
  assert.ok(Math.abs(scalar(expected[0])) > 1e-3, "a non-trivial loss");
});

test("actorLoss says which tensor is missing for the settings", () => {
  const { g, t } = build([1, 4], ["logProbs", "oldLogProbs", "advantages", "mask"]);
  const base = { logProbs: t.logProbs, oldLogProbs: t.oldLogProbs, advantages: t.advantages, mask: t.mask };
  assert.throws(() => actorLoss(g, base, resolveSettings("grpo")), /use_kl_loss is on but no refLogProbs tensor was given/);
  assert.throws(() => actorLoss(g, base, resolveSettings("dapo", { entropy_coeff: "0.01" })), /entropy_coeff is 0.01 but no entropy tensor was given/);
  assert.ok(actorLoss(g, base, resolveSettings("dapo")).loss);
});
