// KL divergence to the frozen reference policy, from per-token log-probs (Schulman, "Approximating
// KL divergence", http://joschu.net/blog/kl-approx.html), as verl's `kl_penalty`. With
// d = log pi(y_t) - log pi_ref(y_t):
//
//   kl  / k1       d                              unbiased, can be negative per token
//   abs            |d|
//   mse / k2       0.5 d^2                        low variance, biased
//   low_var_kl/k3  exp(-d) + d - 1                unbiased and >= 0; verl clamps -d to [-20, 20]
//                                                 and the result to [-10, 10] for stability
//
// Used two ways: as a loss term (`use_kl_loss`, GRPO) built into the IR graph so autodiff
// differentiates it (`klTokens`), and as a reward penalty (`use_kl_in_reward`, PPO/RLOO)
// computed on arrays from the rollout's log-probs (`applyKlPenalty`).

import { type GraphBuilder, type Tensor, abs, clamp } from "../ir/index";
import type { KlEstimator, RlSettings } from "./settings";

const clampNumber = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/** One token's KL estimate from its log-prob under the policy and under the reference. */
export function klEstimate(logProb: number, refLogProb: number, type: KlEstimator): number {
  const d = logProb - refLogProb;
  switch (type) {
    case "kl":
    case "k1":
      return d;
    case "abs":
      return Math.abs(d);
    case "mse":
    case "k2":
      return 0.5 * d * d;
    case "low_var_kl":
    case "k3": {
      const x = clampNumber(-d, -20, 20);
      return clampNumber(Math.exp(x) - x - 1, -10, 10);
    }
  }
}

/** The same estimate per token in the graph: `[B, T]` log-probs -> `[B, T]` (differentiable). */
export function klTokens(g: GraphBuilder, logProbs: Tensor, refLogProbs: Tensor, type: KlEstimator): Tensor {
  const d = g.sub(logProbs, refLogProbs);
  switch (type) {
    case "kl":
    case "k1":
      return d;
    case "abs":
      return abs(g, d);
    case "mse":
    case "k2":
      return g.mul(g.mul(d, d), 0.5);
    case "low_var_kl":
    case "k3": {
      const x = clamp(g, g.neg(d), -20, 20);
      return clamp(g, g.sub(g.sub(g.exp(x), x), 1), -10, 10);
    }
  }
}

export interface KlPenaltyInput {
  B: number;
  T: number;
  /** [B, T] verl `token_level_scores`: rewards before the penalty. */
  tokenScores: Float32Array;
  /** [B, T] log-probs of the sampled tokens under the rollout policy. */
  oldLogProbs: Float32Array;
  /** [B, T] log-probs under the frozen reference. */
  refLogProbs: Float32Array;
  mask: Float32Array;
}

/**
 * verl `apply_kl_penalty`: token rewards r_t = score_t - kl_coef * KL_t (KL_t by `kl_penalty`, 0
 * on padding). The metric is the mean over responses of each response's mean token KL.
 */
export function applyKlPenalty(input: KlPenaltyInput, settings: Pick<RlSettings, "kl_coef" | "kl_penalty">): {
  tokenRewards: Float32Array;
  metrics: Record<string, number>;
} {
  const { B, T, tokenScores, oldLogProbs, refLogProbs, mask } = input;
  const tokenRewards = new Float32Array(B * T);
  let meanKl = 0;
  for (let b = 0; b < B; b++) {
    let sum = 0, count = 0;
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      const kl = mask[i] ? klEstimate(oldLogProbs[i], refLogProbs[i], settings.kl_penalty) * mask[i] : 0;
      tokenRewards[i] = tokenScores[i] - settings.kl_coef * kl;
      sum += kl;
      count += mask[i];
    }
    meanKl += count > 0 ? sum / count / B : 0;
  }
  return { tokenRewards, metrics: { "actor/reward_kl_penalty": meanKl, "actor/reward_kl_penalty_coeff": settings.kl_coef } };
}
