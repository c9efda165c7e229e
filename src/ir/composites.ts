// Composite ops, written only with GraphBuilder primitives, so their gradients come from the
// primitive rules for free. Softmax and log-softmax are the exception: they are fused primitives
// (see the NOTE in primitives.ts) and these wrappers only pick the axis.

import { type GraphBuilder } from "./builder";
import { type Tensor } from "./primitives";
import { type Dim } from "./shape";

/** softmax(x) along `axis` (fused primitive: stable and fast). */
export function softmax(g: GraphBuilder, x: Tensor, axis = -1): Tensor {
  return g.softmax(x, axis);
}

/** log(softmax(x)) along `axis` (fused primitive: no log(0) for confident rows). */
export function logSoftmax(g: GraphBuilder, x: Tensor, axis = -1): Tensor {
  return g.logSoftmax(x, axis);
}

/** sigmoid(x) = 0.5 * (1 + tanh(x / 2)); tanh form avoids exp overflow for large |x|. */
export function sigmoid(g: GraphBuilder, x: Tensor): Tensor {
  return g.mul(0.5, g.add(1, g.tanh(g.mul(x, 0.5))));
}

/** min(max(x, lo), hi): PPO ratio clipping. */
export function clamp(g: GraphBuilder, x: Tensor, lo: number, hi: number): Tensor {
  return g.min(g.max(x, lo), hi);
}

/** |x| = max(x, -x). */
export function abs(g: GraphBuilder, x: Tensor): Tensor {
  return g.max(x, g.neg(x));
}

/** max(x, 0). */
export function relu(g: GraphBuilder, x: Tensor): Tensor {
  return g.max(x, 0);
}

/**
 * GELU. `exact`: x * Phi(x) with erf; `tanh`: the GPT-2 approximation
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). A fused primitive (see primitives.ts).
 */
export function gelu(g: GraphBuilder, x: Tensor, approximate: "exact" | "tanh" = "exact"): Tensor {
  return g.gelu(x, approximate === "exact" ? "none" : "tanh");
}

/** Layer norm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta (biased variance).
 *  A fused primitive (see primitives.ts). */
export function layerNorm(g: GraphBuilder, x: Tensor, gamma: Tensor, beta: Tensor | null, eps = 1e-5): Tensor {
  return g.layerNorm(x, gamma, beta, eps);
}

/** RMS norm over the last axis: x / sqrt(mean(x^2) + eps) * gamma. */
export function rmsNorm(g: GraphBuilder, x: Tensor, gamma: Tensor, eps = 1e-6): Tensor {
  const ms = g.mean(g.mul(x, x), [-1], true);
  return g.mul(g.mul(x, g.reciprocal(g.sqrt(g.add(ms, eps)))), gamma);
}

/**
 * Additive causal mask `[T, T]`: 0 where key <= query, -1e9 above the diagonal. Added to attention
 * scores (instead of `where`) so its backward is the identity; ORT folds it to a constant.
 */
export function causalMaskBias(g: GraphBuilder, t: Dim): Tensor {
  const lower = g.trilu(g.full([t, t], 1));
  return g.mul(g.sub(1, lower), -1e9);
}

/** log p(target) per position: logits `[..., V]`, targets int64 `[...]` -> `[...]`. */
export function tokenLogProbs(g: GraphBuilder, logits: Tensor, targets: Tensor): Tensor {
  const logp = g.logSoftmax(logits, -1);
  const picked = g.gatherElements(logp, g.reshape(targets, [...targets.shape, 1]), logits.rank - 1);
  return g.reshape(picked, targets.shape);
}

/** Mean cross-entropy of `logits [..., V]` against int64 `targets [...]`; `weights [...]` masks tokens. */
export function crossEntropy(g: GraphBuilder, logits: Tensor, targets: Tensor, weights?: Tensor): Tensor {
  const logp = tokenLogProbs(g, logits, targets);
  if (!weights) return g.neg(g.mean(logp));
  return g.neg(g.div(g.sum(g.mul(logp, weights)), g.max(g.sum(weights), 1)));
}
