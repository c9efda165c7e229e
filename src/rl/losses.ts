// Policy, entropy and value losses as IR graphs (so autodiff differentiates them), after verl's
// `core_algos.py`. Inputs are `[B, T]` tensors: `logProbs` of the sampled tokens under the current
// policy (differentiable), and graph inputs `oldLogProbs` (rollout policy), `refLogProbs` (frozen
// reference), `advantages`, `mask`, `values`, `oldValues`, `returns`. Every loss returns a scalar
// `loss` and scalar `metrics` under verl's namespaced keys (`actor/pg_clipfrac`, `critic/vf_loss`).
// Three choices stay apart: the advantage estimator (advantages.ts), the policy loss (registry
// below, keyed by `policy_loss`) and the aggregation (`aggregateLoss`, keyed by `loss_agg_mode`).

import { type Dim, type GraphBuilder, type Tensor, clamp } from "../ir/index";
import { klTokens } from "./kl";
import { LOSS_AGG_MODES, type LossAggMode, type RlSettings } from "./settings";

export interface LossResult {
  /** Scalar to minimise. */
  loss: Tensor;
  /** Scalars to log, by namespaced key. */
  metrics: Record<string, Tensor>;
}

const asFloat = (g: GraphBuilder, condition: Tensor) => g.cast(condition, "float32");

/** sum(x * mask) / sum(mask) over all tokens (verl `masked_mean`); 0 when nothing is masked in. */
export function maskedMean(g: GraphBuilder, x: Tensor, mask: Tensor): Tensor {
  return g.div(g.sum(g.mul(x, mask)), g.max(g.sum(mask), 1));
}

/**
 * verl `agg_loss`: a `[B, T]` loss matrix to a scalar, over the tokens where `mask` is 1.
 *
 *   token-mean               sum_bt l m / sum_bt m                         every token weighs the same (DAPO)
 *   seq-mean-token-mean      mean_b (sum_t l m / sum_t m)                  every response weighs the same (GRPO paper)
 *   seq-mean-token-sum       mean_b sum_t l m                              longer responses weigh more
 *   seq-mean-token-sum-norm  sum_bt l m / scaleFactor                      Dr.GRPO: a constant instead of |o_b|
 *
 * The seq-mean modes average over responses with at least one token (verl skips empty ones).
 * `scaleFactor` defaults to T, the padded length, as verl's `loss_mask.shape[-1]` (verl pads every
 * response to `max_response_length`; `actorLoss` passes that or `loss_scale_factor` explicitly, so
 * the divisor stays constant when batches are padded only to their longest response). Like verl
 * (and unlike TRL's `dr_grpo`, which also divides by B) the sum is not divided by the batch size.
 */
export function aggregateLoss(g: GraphBuilder, lossMat: Tensor, mask: Tensor, mode: LossAggMode, options: { scaleFactor?: number | Dim } = {}): Tensor {
  const masked = g.mul(lossMat, mask);
  switch (mode) {
    case "token-mean":
      return g.div(g.sum(masked), g.max(g.sum(mask), 1));
    case "seq-mean-token-mean":
    case "seq-mean-token-sum": {
      const tokens = g.sum(mask, [-1]);
      const perSequence = mode === "seq-mean-token-sum" ? g.sum(masked, [-1]) : g.div(g.sum(masked, [-1]), g.add(tokens, 1e-8));
      const nonEmpty = asFloat(g, g.greater(tokens, 0));
      return g.div(g.sum(g.mul(perSequence, nonEmpty)), g.max(g.sum(nonEmpty), 1));
    }
    case "seq-mean-token-sum-norm":
      return g.div(g.sum(masked), g.scalar(options.scaleFactor ?? lossMat.shape[lossMat.rank - 1]));
    default:
      throw new Error(`invalid loss_agg_mode "${mode as string}"; valid: ${LOSS_AGG_MODES.join(", ")}`);
  }
}

/** Entropy of the categorical distribution per position: logits `[..., V]` -> `[...]`,
 *  H = -sum_v p_v log p_v (verl `entropy_from_logits`). Pass logits already divided by the
 *  sampling temperature, as for the log-probs. */
export function entropyFromLogits(g: GraphBuilder, logits: Tensor): Tensor {
  const logp = g.logSoftmax(logits, -1);
  return g.neg(g.sum(g.mul(g.exp(logp), logp), [-1]));
}

// ---------------------------------------------------------------------------------------------
// Policy losses (registry keyed by `policy_loss`, verl `policy_loss.loss_mode`)

export interface PolicyLossInput {
  /** [B, T] log pi_theta(y_t), differentiable. */
  logProbs: Tensor;
  /** [B, T] log pi_old(y_t) at rollout time. */
  oldLogProbs: Tensor;
  /** [B, T] A_t. */
  advantages: Tensor;
  /** [B, T] 1 on tokens that count. */
  mask: Tensor;
}

export interface AggregationOptions {
  mode: LossAggMode;
  scaleFactor: number | Dim;
}

export type PolicyLoss = (g: GraphBuilder, t: PolicyLossInput, settings: RlSettings, agg: AggregationOptions) => LossResult;

const policyLosses = new Map<string, PolicyLoss>();

/** Adds a policy loss under `name`; a name can be registered once. */
export function registerPolicyLoss(name: string, loss: PolicyLoss): void {
  if (policyLosses.has(name)) throw new Error(`policy loss "${name}" is already registered`);
  policyLosses.set(name, loss);
}

/** The policy loss called `name`; the error lists the valid names. */
export function getPolicyLoss(name: string): PolicyLoss {
  const loss = policyLosses.get(name);
  if (!loss) throw new Error(`unknown policy loss "${name}"; valid: ${policyLossNames().join(", ")}`);
  return loss;
}

export function policyLossNames(): string[] {
  return [...policyLosses.keys()];
}

const clipBounds = (s: RlSettings) => ({ low: s.clip_ratio_low ?? s.clip_ratio, high: s.clip_ratio_high ?? s.clip_ratio });

/**
 * PPO clipped surrogate (arXiv 1707.06347), verl `compute_policy_loss_vanilla`. With the token
 * ratio r = exp(clamp(log pi - log pi_old, -20, 20)):
 *
 *   L1 = -A r,   L2 = -A clip(r, 1 - clip_ratio_low, 1 + clip_ratio_high),   L = max(L1, L2)
 *
 * clip_ratio_high > clip_ratio_low is DAPO's clip-higher (arXiv 2503.14476). Dual-clip (arXiv
 * 1912.09729), for A < 0 only: L = min(L, -A clip_ratio_c), so a huge ratio cannot make the loss
 * unbounded. Metrics: pg_clipfrac (L2 > L1), pg_clipfrac_lower (dual clip active), ppo_kl
 * (mean of log pi_old - log pi).
 */
function vanillaPolicyLoss(g: GraphBuilder, { logProbs, oldLogProbs, advantages: A, mask }: PolicyLossInput, s: RlSettings, agg: AggregationOptions): LossResult {
  const { low, high } = clipBounds(s);
  const logRatio = clamp(g, g.sub(logProbs, oldLogProbs), -20, 20);
  const ratio = g.exp(logRatio);
  const negA = g.neg(A);
  const unclipped = g.mul(negA, ratio);
  const clipped = g.mul(negA, clamp(g, ratio, 1 - low, 1 + high));
  const clipLoss = g.max(unclipped, clipped);
  const dualBound = g.mul(negA, s.clip_ratio_c);
  const negative = g.less(A, 0);
  const lossMat = g.where(negative, g.min(dualBound, clipLoss), clipLoss);
  const pgLoss = aggregateLoss(g, lossMat, mask, agg.mode, agg);
  return {
    loss: pgLoss,
    metrics: {
      "actor/pg_loss": pgLoss,
      "actor/pg_clipfrac": maskedMean(g, asFloat(g, g.greater(clipped, unclipped)), mask),
      "actor/pg_clipfrac_lower": maskedMean(g, g.mul(asFloat(g, g.greater(clipLoss, dualBound)), asFloat(g, negative)), mask),
      "actor/ppo_kl": maskedMean(g, g.neg(logRatio), mask),
    },
  };
}

/**
 * GSPO (arXiv 2507.18071), verl `compute_policy_loss_gspo`: one importance ratio per response,
 * the geometric mean of its token ratios, s_b = exp(mean_t (log pi - log pi_old)). For the
 * gradient each token carries s_{b,t} = sg[s_b] * pi(y_t) / sg[pi(y_t)], i.e.
 * log s_{b,t} = log pi - sg[log pi] + sg[log s_b] (value s_b, gradient through its own token),
 * capped at log s <= 10. Then the clipped surrogate with clip_ratio_low / clip_ratio_high (GSPO
 * uses ~3e-4 / 4e-4) and no dual clip, aggregated seq-mean-token-mean whatever loss_agg_mode says
 * (as verl).
 */
function gspoPolicyLoss(g: GraphBuilder, { logProbs, oldLogProbs, advantages: A, mask }: PolicyLossInput, s: RlSettings): LossResult {
  const { low, high } = clipBounds(s);
  const logRatio = g.sub(logProbs, oldLogProbs);
  const lengths = g.max(g.sum(mask, [-1], true), 1);
  const seqLogRatio = g.div(g.sum(g.mul(logRatio, mask), [-1], true), lengths);
  const tokenLogRatio = g.add(g.sub(logProbs, g.stopGradient(logProbs)), g.stopGradient(seqLogRatio));
  const ratio = g.exp(g.min(tokenLogRatio, 10));
  const negA = g.neg(A);
  const unclipped = g.mul(negA, ratio);
  const clipped = g.mul(negA, clamp(g, ratio, 1 - low, 1 + high));
  const pgLoss = aggregateLoss(g, g.max(unclipped, clipped), mask, "seq-mean-token-mean");
  return {
    loss: pgLoss,
    metrics: {
      "actor/pg_loss": pgLoss,
      "actor/pg_clipfrac": maskedMean(g, asFloat(g, g.greater(clipped, unclipped)), mask),
      "actor/pg_clipfrac_lower": g.mul(pgLoss, 0),
      "actor/ppo_kl": maskedMean(g, g.neg(logRatio), mask),
    },
  };
}

registerPolicyLoss("vanilla", vanillaPolicyLoss);
registerPolicyLoss("gspo", gspoPolicyLoss);

// ---------------------------------------------------------------------------------------------
// What a trainer calls

export interface ActorLossTensors extends PolicyLossInput {
  /** [B, T] log pi_ref(y_t); needed with `use_kl_loss`, and gives the `actor/kl` metric. */
  refLogProbs?: Tensor;
  /** [B, T] per-token entropy (`entropyFromLogits`); needed when `entropy_coeff` != 0. */
  entropy?: Tensor;
}

/**
 * The actor's loss as verl's `DataParallelPPOActor.update_policy` assembles it:
 * policy loss (by `policy_loss`) - entropy_coeff * agg(entropy) + kl_loss_coef * agg(KL(pi || ref))
 * (when `use_kl_loss`, KL by `kl_loss_type`), each aggregated by `loss_agg_mode`.
 */
export function actorLoss(g: GraphBuilder, t: ActorLossTensors, settings: RlSettings): LossResult {
  const agg: AggregationOptions = { mode: settings.loss_agg_mode, scaleFactor: settings.loss_scale_factor ?? settings.max_response_length };
  const { loss: pgLoss, metrics } = getPolicyLoss(settings.policy_loss)(g, t, settings, agg);
  let loss = pgLoss;
  if (t.entropy) {
    const entropy = aggregateLoss(g, t.entropy, t.mask, agg.mode, agg);
    metrics["actor/entropy"] = entropy;
    if (settings.entropy_coeff !== 0) loss = g.sub(loss, g.mul(entropy, settings.entropy_coeff));
  } else if (settings.entropy_coeff !== 0) {
    throw new Error(`entropy_coeff is ${settings.entropy_coeff} but no entropy tensor was given to actorLoss`);
  }
  if (t.refLogProbs) {
    const kl = klTokens(g, t.logProbs, t.refLogProbs, settings.kl_loss_type);
    metrics["actor/kl"] = maskedMean(g, kl, t.mask);
    if (settings.use_kl_loss) {
      const klLoss = aggregateLoss(g, kl, t.mask, agg.mode, agg);
      metrics["actor/kl_loss"] = klLoss;
      loss = g.add(loss, g.mul(klLoss, settings.kl_loss_coef));
    }
  } else if (settings.use_kl_loss) {
    throw new Error("use_kl_loss is on but no refLogProbs tensor was given to actorLoss");
  }
  return { loss, metrics };
}

export interface CriticLossTensors {
  /** [B, T] V_theta(s_t) from the value head now (differentiable). */
  values: Tensor;
  /** [B, T] V at rollout time. */
  oldValues: Tensor;
  /** [B, T] targets (GAE returns). */
  returns: Tensor;
  mask: Tensor;
}

/**
 * verl `compute_value_loss`: the clipped value loss
 * 0.5 * agg(max((V - R)^2, (clip(V, V_old - c, V_old + c) - R)^2)) with c = cliprange_value.
 * Metrics: critic/vf_loss, critic/vf_clipfrac (clipped term larger), critic/vpred_mean.
 * (When the value head shares the policy trunk, a trainer adds vf_coef * loss to the actor's.)
 */
export function criticLoss(g: GraphBuilder, { values, oldValues, returns, mask }: CriticLossTensors, settings: RlSettings): LossResult {
  const c = settings.cliprange_value;
  const clippedValues = g.max(g.min(values, g.add(oldValues, c)), g.sub(oldValues, c));
  const square = (x: Tensor) => g.mul(x, x);
  const unclipped = square(g.sub(values, returns));
  const clipped = square(g.sub(clippedValues, returns));
  const agg = { mode: settings.loss_agg_mode, scaleFactor: settings.loss_scale_factor ?? settings.max_response_length };
  const vfLoss = g.mul(aggregateLoss(g, g.max(unclipped, clipped), mask, agg.mode, agg), 0.5);
  return {
    loss: vfLoss,
    metrics: {
      "critic/vf_loss": vfLoss,
      "critic/vf_clipfrac": maskedMean(g, asFloat(g, g.greater(clipped, unclipped)), mask),
      "critic/vpred_mean": maskedMean(g, values, mask),
    },
  };
}
