// Advantage estimators, as verl's `verl/trainer/ppo/core_algos.py`: rewards (and values) in,
// per-token advantages and returns out. Plain TypeScript on Float32Arrays (float64 inside); no
// graphs, nothing here is differentiated. Every estimator takes the same input, so a trainer
// calls `computeAdvantages(input, settings)` and never special-cases one.
//
// Layout: row-major `[B, T]` (B responses, T = padded response length), `mask` 1 on response
// tokens that count. Outcome estimators read the sequence reward R_b = sum_t tokenRewards[b, t]
// (verl: `token_level_rewards.sum(-1)`), so a KL penalty in the reward reaches them too; the trainer
// puts a sample's total there (see `tokenLevel`). Padding positions of every output are 0.

import { groupAdvantages, meanStd } from "../reward/stats";
import type { RlSettings } from "./settings";

export interface AdvantageInput {
  B: number;
  T: number;
  /** [B, T] 1 for response tokens that count, 0 for padding (and masked truncations). */
  mask: Float32Array;
  /** [B] sequence reward before any KL penalty (filters, metrics); estimators read tokenRewards. */
  scores: Float32Array;
  /** [B, T] process step scores on step-end tokens, the outcome on the last response token,
   *  minus the KL penalty when `use_kl_in_reward` (see sampling.ts `tokenLevelScores`, kl.ts). */
  tokenRewards: Float32Array;
  /** [B] group index: the rollout_n samples of one prompt share it. */
  groups: Int32Array;
  /** [B, T] critic values V(s_t) at rollout time (gae only; null otherwise). */
  values: Float32Array | null;
}

export interface AdvantageOutput {
  /** [B, T] A_t for the policy loss. */
  advantages: Float32Array;
  /** [B, T] targets for the value loss (gae), or the advantages (value-free estimators, as verl). */
  returns: Float32Array;
}

export type AdvantageEstimator = (input: AdvantageInput, settings: RlSettings) => AdvantageOutput;

export interface EstimatorEntry {
  estimate: AdvantageEstimator;
  /** Needs `values` from a critic (value head). */
  usesValues: boolean;
  /** Compares the samples of a prompt's group; meaningless with rollout_n = 1. */
  groupBased: boolean;
  /**
   * Reads rewards token by token (returns, GAE), so process rewards reach it as step scores on the
   * tokens where steps end. Otherwise it reads one number per response: the sample's total as
   * `rewardlab score` and the editor show it.
   */
  tokenLevel: boolean;
  /** One line: the formula and the paper. */
  summary: string;
}

const registry = new Map<string, EstimatorEntry>();

/** Adds an estimator under `name` (verl's `register_adv_est`); a name can be registered once. */
export function registerAdvantageEstimator(name: string, entry: EstimatorEntry): void {
  if (registry.has(name)) throw new Error(`advantage estimator "${name}" is already registered`);
  registry.set(name, entry);
}

/** The estimator called `name`; the error lists the valid names. */
export function getAdvantageEstimator(name: string): EstimatorEntry {
  const entry = registry.get(name);
  if (!entry) throw new Error(`unknown advantage estimator "${name}"; valid: ${advantageEstimatorNames().join(", ")}`);
  return entry;
}

export function advantageEstimatorNames(): string[] {
  return [...registry.keys()];
}

/** Checks the input's shapes, then runs the estimator named by `settings.adv_estimator`. */
export function computeAdvantages(input: AdvantageInput, settings: RlSettings): AdvantageOutput {
  const entry = getAdvantageEstimator(settings.adv_estimator);
  const { B, T } = input;
  const expect = (name: string, array: ArrayLike<number> | null, length: number) => {
    if (!array || array.length !== length) {
      throw new Error(`advantages (${settings.adv_estimator}): ${name} has ${array ? array.length : "no"} values, expected ${length} (B=${B}, T=${T})`);
    }
  };
  expect("mask", input.mask, B * T);
  expect("tokenRewards", input.tokenRewards, B * T);
  expect("scores", input.scores, B);
  expect("groups", input.groups, B);
  if (entry.usesValues) expect("values", input.values, B * T);
  const finite = (name: string, array: ArrayLike<number>) => {
    for (let i = 0; i < array.length; i++) {
      if (!Number.isFinite(array[i])) throw new Error(`advantages (${settings.adv_estimator}): ${name} of response ${Math.floor(i / T)} is ${array[i]} at token ${i % T}; every reward must be a finite number`);
    }
  };
  finite("tokenRewards", input.tokenRewards);
  if (entry.usesValues) finite("values", input.values!);
  return entry.estimate(input, settings);
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** R_b = sum_t tokenRewards[b, t]: the sequence reward outcome estimators use. */
export function sequenceRewards({ B, T, tokenRewards }: AdvantageInput): Float64Array {
  const out = new Float64Array(B);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[b] += tokenRewards[b * T + t];
  return out;
}

/** x_b copied onto every response token of row b: `[B] -> [B, T]`, 0 on padding. */
function broadcastOverTokens(perSequence: ArrayLike<number>, { B, T, mask }: AdvantageInput): Float32Array {
  const out = new Float32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[b * T + t] = perSequence[b] * mask[b * T + t];
  return out;
}

/**
 * verl's `masked_whiten`: (x - mean) / sqrt(var + 1e-8) with the mean and the unbiased (Bessel)
 * variance over the masked tokens of the whole batch; padding becomes 0.
 */
export function maskedWhiten(x: ArrayLike<number>, mask: ArrayLike<number>): Float32Array {
  let n = 0, sum = 0;
  for (let i = 0; i < x.length; i++) {
    n += mask[i];
    sum += x[i] * mask[i];
  }
  if (n <= 1) throw new Error(`whitening advantages needs at least 2 response tokens in the batch, got ${n}`);
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += (x[i] - mean) ** 2 * mask[i];
  const scale = 1 / Math.sqrt((squares / n) * (n / (n - 1)) + 1e-8);
  return Float32Array.from(x, (v, i) => (v - mean) * scale * mask[i]);
}

const groupKeys = (groups: Int32Array) => Array.from(groups, String);

// ---------------------------------------------------------------------------------------------
// Estimators

/**
 * GRPO (DeepSeekMath, arXiv 2402.03300), verl `compute_grpo_outcome_advantage`:
 * A_b = (R_b - mean_g) / (std_g + 1e-6) on every token, unbiased std over the group g(b); a group
 * of one gets mean 0, std 1. `norm_adv_by_std_in_grpo: false` gives Dr.GRPO's R_b - mean_g
 * (arXiv 2503.20783). `grpo_std_scope: "batch"` keeps the group mean but divides by the std of the
 * whole batch (Lite PPO, arXiv 2508.08221; TRL `scale_rewards="batch"`, with verl's epsilon).
 */
function grpo(input: AdvantageInput, s: RlSettings): AdvantageOutput {
  const rewards = sequenceRewards(input);
  const perGroup = s.norm_adv_by_std_in_grpo && s.grpo_std_scope === "group";
  let scalars = groupAdvantages(rewards, groupKeys(input.groups), input.B, { normByStd: perGroup });
  if (s.norm_adv_by_std_in_grpo && s.grpo_std_scope === "batch") {
    const std = meanStd(rewards, { unbiased: true }).std;
    scalars = scalars.map((a) => a / (std + 1e-6));
  }
  const advantages = broadcastOverTokens(scalars, input);
  return { advantages, returns: advantages };
}

/**
 * RLOO (arXiv 2402.14740), verl `compute_rloo_outcome_advantage`: the mean of the other n - 1
 * samples is the baseline, A_b = R_b - (sum_g - R_b) / (n - 1) = n / (n - 1) * (R_b - mean_g).
 * A group of one keeps A_b = R_b.
 */
function rloo(input: AdvantageInput): AdvantageOutput {
  const rewards = sequenceRewards(input);
  const members = new Map<number, number[]>();
  input.groups.forEach((g, b) => {
    const list = members.get(g);
    if (list) list.push(b);
    else members.set(g, [b]);
  });
  const scalars = Float64Array.from(rewards);
  for (const list of members.values()) {
    const n = list.length;
    if (n < 2) continue;
    const mean = list.reduce((a, b) => a + rewards[b], 0) / n;
    for (const b of list) scalars[b] = (n / (n - 1)) * (rewards[b] - mean);
  }
  const advantages = broadcastOverTokens(scalars, input);
  return { advantages, returns: advantages };
}

/**
 * REINFORCE++ (arXiv 2501.03262), verl `compute_reinforce_plus_plus_outcome_advantage`:
 * G_t = r_t + gamma * G_{t+1} per response (reset after its last token), then whitened over the
 * batch's tokens: A = whiten(G). Token-level: process step scores and per-token KL count where
 * they occur.
 */
function reinforcePlusPlus(input: AdvantageInput, s: RlSettings): AdvantageOutput {
  const { B, T, mask, tokenRewards } = input;
  const returns = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    let running = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = b * T + t;
      running = tokenRewards[i] + s.gamma * running;
      returns[i] = running * mask[i];
      running *= mask[i];
    }
  }
  return { advantages: maskedWhiten(returns, mask), returns };
}

/**
 * REINFORCE++ with baseline, verl `compute_reinforce_plus_plus_baseline_outcome_advantage`:
 * A = whiten(R_b - mean_g) over the batch's tokens (group mean as baseline, batch-level scale).
 */
function reinforcePlusPlusBaseline(input: AdvantageInput): AdvantageOutput {
  const centred = groupAdvantages(sequenceRewards(input), groupKeys(input.groups), input.B, { normByStd: false });
  const advantages = maskedWhiten(broadcastOverTokens(centred, input), input.mask);
  return { advantages, returns: advantages };
}

/**
 * Generalised advantage estimation (arXiv 1506.02438), verl `compute_gae_advantage_return`:
 * delta_t = r_t + gamma * V_{t+1} - V_t, A_t = delta_t + gamma * lambda * A_{t+1}, where the
 * recursion skips padding (its V and A carry over). Returns are A(lambda) + V; advantages are
 * whitened over the batch. With `lam_actor` / `lam_critic` the actor's advantages and the critic's
 * returns use different lambdas: decoupled GAE from VC-PPO (arXiv 2503.01491), which recommends
 * lambda_critic = 1 (unbiased value targets for sparse end-of-sequence rewards) and
 * lambda_actor = 0.95.
 */
function gae(input: AdvantageInput, s: RlSettings): AdvantageOutput {
  const lamActor = s.lam_actor ?? s.lam;
  const lamCritic = s.lam_critic ?? s.lam;
  const actor = gaeRaw(input, s.gamma, lamActor);
  const critic = lamCritic === lamActor ? actor : gaeRaw(input, s.gamma, lamCritic);
  const values = input.values!;
  const returns = Float32Array.from(critic, (a, i) => (a + values[i]) * input.mask[i]);
  return { advantages: maskedWhiten(actor, input.mask), returns };
}

/** Unwhitened GAE advantages for one lambda (float64). */
export function gaeRaw({ B, T, mask, tokenRewards, values }: AdvantageInput, gamma: number, lam: number): Float64Array {
  const out = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    let nextValue = 0, lastGae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = b * T + t;
      const delta = tokenRewards[i] + gamma * nextValue - values![i];
      const gaeHere = delta + gamma * lam * lastGae;
      nextValue = values![i] * mask[i] + (1 - mask[i]) * nextValue;
      lastGae = gaeHere * mask[i] + (1 - mask[i]) * lastGae;
      out[i] = lastGae;
    }
  }
  return out;
}

registerAdvantageEstimator("grpo", { estimate: grpo, usesValues: false, groupBased: true, tokenLevel: false, summary: "(R - mean_group) / std_group (DeepSeekMath); no std: Dr.GRPO" });
registerAdvantageEstimator("rloo", { estimate: rloo, usesValues: false, groupBased: true, tokenLevel: false, summary: "R - mean of the other samples (RLOO)" });
registerAdvantageEstimator("reinforce_plus_plus", { estimate: reinforcePlusPlus, usesValues: false, groupBased: false, tokenLevel: true, summary: "whitened discounted token returns (REINFORCE++)" });
registerAdvantageEstimator("reinforce_plus_plus_baseline", { estimate: reinforcePlusPlusBaseline, usesValues: false, groupBased: true, tokenLevel: false, summary: "whitened R - mean_group (REINFORCE++ baseline)" });
registerAdvantageEstimator("gae", { estimate: gae, usesValues: true, groupBased: false, tokenLevel: true, summary: "GAE with a value head; decoupled lambdas (VC-PPO)" });

/** Whether a run with these settings trains a critic (its estimator reads value estimates). */
export function usesCritic(settings: Pick<RlSettings, "adv_estimator">): boolean {
  return getAdvantageEstimator(settings.adv_estimator).usesValues;
}
