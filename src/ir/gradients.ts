// The gradient table: one rule per primitive, keyed by the primitive union, so a primitive without
// a rule does not type-check. A rule maps the upstream gradient `dy` (shaped like the output) to one
// gradient per input (null: not differentiable). Rules are written with the same builder ops as the
// forward pass, so the backward graph is ordinary ONNX and gradients of gradients work too.
// Binary ops undo numpy broadcasting with the single `unbroadcast` helper.

import { type GraphBuilder } from "./builder";
import { type Primitive, type PrimitiveAttrs, type Tensor } from "./primitives";
import { type Dim, type Shape, addDims, mulDims, numel, shapesEqual, subDims } from "./shape";

export interface GradContext<P extends Primitive> {
  readonly g: GraphBuilder;
  readonly inputs: readonly Tensor[];
  readonly attrs: PrimitiveAttrs[P];
  /** The node's forward output (reuse it: `exp`, `tanh`, `softmax` rules read it instead of recomputing). */
  readonly out: Tensor;
  /** Gradient of the loss with respect to `out`. */
  readonly dy: Tensor;
}

export type GradRule<P extends Primitive> = (c: GradContext<P>) => readonly (Tensor | null)[];

/** Sums `grad` over the axes that broadcasting stretched, giving a tensor of `shape`. */
export function unbroadcast(g: GraphBuilder, grad: Tensor, shape: Shape): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  const axes = grad.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
  if (lead > 0 && axes.length === lead && shape.length > 0 && grad.dtype === "float32" && shape.every((d) => typeof d === "number")) {
    // NOTE: a sum over the leading axes only (bias and norm-gain gradients, [B, T, D] -> [D]) is a
    // ones-row matmul rather than ReduceSum: ORT's ReduceSum over leading axes ran ~2x slower than
    // the GEMV (0.26 vs 0.14 ms on [3072, 256]), and the reference decoder's training step was
    // 1.3-2.0% faster with it (two trainers alternating in one process, 16 paired steps, twice).
    const rows = numel(grad.shape.slice(0, lead));
    const summed = g.matmul(g.full([1, rows], 1), g.reshape(grad, [rows, numel(shape)]));
    return g.reshape(summed, shape);
  }
  const summed = axes.length > 0 ? g.sum(grad, axes, true) : grad;
  return shapesEqual(summed.shape, shape) ? summed : g.reshape(summed, shape);
}

/** The reduced tensor `dy` broadcast back over the reduced axes of `x`. */
function unreduce(g: GraphBuilder, dy: Tensor, x: Tensor, axes: number[], keepdims: boolean): Tensor {
  const kept = keepdims ? dy : g.reshape(dy, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  return g.expand(kept, x.shape);
}

function reducedCount(x: Tensor, axes: number[]): Dim {
  return axes.reduce<Dim>((acc, a) => mulDims(acc, x.shape[a]), 1);
}

/** Matmul gradient for a weight `[K, N]` used by a batched `[..., M, K]` input: fold batch into M
 *  so the weight gradient is one big GEMM instead of a batched GEMM plus a reduction. */
function matmulGrad({ g, inputs: [a, b], dy }: GradContext<"matmul">): Tensor[] {
  const da = unbroadcast(g, g.matmul(dy, g.transpose(b)), a.shape);
  if (b.rank === 2 && a.rank > 2) {
    // Rows written out (not -1): a -1 over symbolic sums like P + Tp + Tr cannot be inferred.
    const rows = numel(a.shape.slice(0, -1));
    const a2 = g.reshape(a, [rows, a.shape[a.rank - 1]]);
    const dy2 = g.reshape(dy, [rows, dy.shape[dy.rank - 1]]);
    return [da, g.matmul(g.transpose(a2), dy2)];
  }
  return [da, unbroadcast(g, g.matmul(g.transpose(a), dy), b.shape)];
}

const none: GradRule<Primitive> = () => [];
const notDifferentiable: GradRule<Primitive> = ({ inputs }) => inputs.map(() => null);

/** Reverse-mode rules for every primitive. */
export const gradients: { [P in Primitive]: GradRule<P> } = {
  input: none,
  param: none,
  constant: none,
  add: ({ g, inputs: [a, b], dy }) => [unbroadcast(g, dy, a.shape), unbroadcast(g, dy, b.shape)],
  sub: ({ g, inputs: [a, b], dy }) => [unbroadcast(g, dy, a.shape), unbroadcast(g, g.neg(dy), b.shape)],
  mul: ({ g, inputs: [a, b], dy }) => [unbroadcast(g, g.mul(dy, b), a.shape), unbroadcast(g, g.mul(dy, a), b.shape)],
  div: ({ g, inputs: [a, b], out, dy }) => [
    unbroadcast(g, g.div(dy, b), a.shape),
    unbroadcast(g, g.neg(g.div(g.mul(dy, out), b)), b.shape),
  ],
  max: ({ g, inputs: [a, b], dy }) => {
    const bWins = g.less(a, b);
    return [unbroadcast(g, g.where(bWins, 0, dy), a.shape), unbroadcast(g, g.where(bWins, dy, 0), b.shape)];
  },
  min: ({ g, inputs: [a, b], dy }) => {
    const bWins = g.greater(a, b);
    return [unbroadcast(g, g.where(bWins, 0, dy), a.shape), unbroadcast(g, g.where(bWins, dy, 0), b.shape)];
  },
  neg: ({ g, dy }) => [g.neg(dy)],
  exp: ({ g, out, dy }) => [g.mul(dy, out)],
  log: ({ g, inputs: [x], dy }) => [g.div(dy, x)],
  sqrt: ({ g, out, dy }) => [g.div(g.mul(dy, 0.5), out)],
  reciprocal: ({ g, out, dy }) => [g.neg(g.mul(dy, g.mul(out, out)))],
  tanh: ({ g, out, dy }) => [g.mul(dy, g.sub(1, g.mul(out, out)))],
  erf: ({ g, inputs: [x], dy }) => [g.mul(dy, g.mul(2 / Math.sqrt(Math.PI), g.exp(g.neg(g.mul(x, x)))))],
  less: notDifferentiable,
  greater: notDifferentiable,
  equal: notDifferentiable,
  where: ({ g, inputs: [c, a, b], dy }) => [
    null,
    unbroadcast(g, g.where(c, dy, 0), a.shape),
    unbroadcast(g, g.where(c, 0, dy), b.shape),
  ],
  matmul: matmulGrad,
  reduceSum: ({ g, inputs: [x], attrs, dy }) => [unreduce(g, dy, x, attrs.axes, attrs.keepdims)],
  reduceMean: ({ g, inputs: [x], attrs, dy }) => [
    g.div(unreduce(g, dy, x, attrs.axes, attrs.keepdims), g.scalar(reducedCount(x, attrs.axes))),
  ],
  reduceMax: ({ g, inputs: [x], attrs, out, dy }) => {
    const isMax = g.equal(x, unreduce(g, out, x, attrs.axes, attrs.keepdims));
    return [g.where(isMax, unreduce(g, dy, x, attrs.axes, attrs.keepdims), 0)];
  },
  reshape: ({ g, inputs: [x], dy }) => [g.reshape(dy, x.shape)],
  expand: ({ g, inputs: [x], dy }) => [unbroadcast(g, dy, x.shape)],
  transpose: ({ g, attrs: { perm }, dy }) => [g.transpose(dy, perm.map((_, i) => perm.indexOf(i)))],
  // The padded shape is x's shape; it is given explicitly because symbolic `start + (T - end)`
  // arithmetic is not simplified.
  slice: ({ g, inputs: [x], attrs: { axis, start, end }, dy }) => [
    g.apply("pad", [dy], { axis, before: start, after: subDims(x.shape[axis], end) }, { shape: x.shape, dtype: dy.dtype }),
  ],
  pad: ({ g, inputs: [x], attrs: { axis, before }, dy }) => [g.slice(dy, axis, before, addDims(before, x.shape[axis]))],
  concat: ({ g, inputs, attrs: { axis }, dy }) => {
    let offset: Dim = 0;
    return inputs.map((x) => {
      const end = addDims(offset, x.shape[axis]);
      const piece = g.slice(dy, axis, offset, end);
      offset = end;
      return piece;
    });
  },
  gather: ({ g, inputs: [table, idx], dy }) => [gatherGrad(g, table, idx, dy), null],
  gatherElements: ({ g, inputs: [x, idx], attrs: { axis }, dy }) => [
    g.scatterElementsAdd(g.full(x.shape, 0), idx, dy, axis),
    null,
  ],
  scatterNDAdd: ({ g, inputs: [, idx], dy }) => {
    if (idx.shape[idx.rank - 1] !== 1) throw new Error("scatterNDAdd gradient supports row indices [..., 1] only");
    return [dy, null, g.gather(dy, g.reshape(idx, idx.shape.slice(0, -1)))];
  },
  scatterElementsAdd: ({ g, inputs: [, idx], attrs: { axis }, dy }) => [dy, null, g.gatherElements(dy, idx, axis)],
  cast: ({ g, inputs: [x], dy }) => [x.dtype === "float32" ? g.cast(dy, "float32") : null],
  trilu: ({ g, attrs: { upper, k }, dy }) => [g.trilu(dy, upper, k)],
  stopGradient: notDifferentiable,
  argMax: notDifferentiable,
  softmax: ({ g, attrs: { axis }, out, dy }) => [g.mul(out, g.sub(dy, g.sum(g.mul(dy, out), [axis], true)))],
  logSoftmax: ({ g, attrs: { axis }, out, dy }) => [g.sub(dy, g.mul(g.exp(out), g.sum(dy, [axis], true)))],
  layerNorm: layerNormGrad,
  gelu: ({ g, inputs: [x], attrs: { approximate }, dy }) => [g.mul(dy, approximate === "tanh" ? geluTanhSlope(g, x) : geluSlope(g, x))],
};

/** Tables up to this many rows get their gather gradient as a one-hot matmul (see gatherGrad). */
const ONE_HOT_ROWS = 4096;

/**
 * Gather's adjoint: `dy` rows added into a zero table at `idx` (repeated indices accumulate).
 * NOTE: not ONNX ScatterND(reduction="add"): ORT's CPU kernel splits it across intra-op threads
 * and loses updates when indices repeat (onnxruntime#18048; with 2 threads an embedding gradient
 * was off by up to 10%, differently on every run). Small tables (vocabularies, positions) use
 * one-hot(idx)^T @ dy, a deterministic Gemm; larger ones ScatterElements(reduction="add"), which
 * ORT runs serially.
 */
function gatherGrad(g: GraphBuilder, table: Tensor, idx: Tensor, dy: Tensor): Tensor {
  const [rows, ...rest] = table.shape;
  const n = numel(idx.shape);
  const width = numel(rest);
  const flatDy = g.reshape(dy, [n, width]);
  const column = g.reshape(idx, [n, 1]);
  if (typeof rows === "number" && rows <= ONE_HOT_ROWS) {
    const ids = g.constant(BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)), [1, rows]);
    const oneHot = g.cast(g.equal(column, ids), "float32"); // [n, rows]
    return g.reshape(g.matmul(g.transpose(oneHot), flatDy), table.shape);
  }
  const summed = g.scatterElementsAdd(g.full([rows, width], 0), g.expand(column, [n, width]), flatDy, 0);
  return g.reshape(summed, table.shape);
}

/**
 * Layer norm backward, recomputing the row statistics (the fused forward does not expose them):
 * with xhat = (x - mean) * rstd and g = dy * gamma,
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), dgamma = sum(dy * xhat), dbeta = sum(dy).
 */
function layerNormGrad({ g, inputs: [x, gamma, beta], attrs: { eps }, dy }: GradContext<"layerNorm">): Tensor[] {
  const rowMean = (t: Tensor) => g.mean(t, [-1], true);
  const centered = g.sub(x, rowMean(x));
  const rstd = g.reciprocal(g.sqrt(g.add(rowMean(g.mul(centered, centered)), eps)));
  const xhat = g.mul(centered, rstd);
  const dxhat = g.mul(dy, gamma);
  const shift = g.mul(rstd, rowMean(dxhat)); // [..., 1]
  const tilt = g.mul(rstd, rowMean(g.mul(dxhat, xhat))); // [..., 1]
  const dx = g.sub(g.sub(g.mul(dxhat, rstd), shift), g.mul(xhat, tilt));
  const grads = [dx, unbroadcast(g, g.mul(dy, xhat), gamma.shape)];
  return beta ? [...grads, unbroadcast(g, dy, beta.shape)] : grads;
}

/** d/dx x*Phi(x) = Phi(x) + x*phi(x) = 0.5 * (1 + erf(x/sqrt2) + x * sqrt(2/pi) * exp(-x^2/2)). */
function geluSlope(g: GraphBuilder, x: Tensor): Tensor {
  const density = g.mul(x, g.exp(g.mul(g.mul(x, x), -0.5)));
  const twice = g.add(g.add(g.erf(g.mul(x, Math.SQRT1_2)), 1), g.mul(density, Math.sqrt(2 / Math.PI)));
  return g.mul(twice, 0.5);
}

/** Slope of 0.5 x (1 + tanh(u)), u = c (x + a x^3): 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2). */
function geluTanhSlope(g: GraphBuilder, x: Tensor): Tensor {
  const [c, a] = [Math.sqrt(2 / Math.PI), 0.044715];
  const x2 = g.mul(x, x);
  const t = g.tanh(g.mul(g.mul(x, g.add(g.mul(x2, a), 1)), c));
  const du = g.add(g.mul(x2, 3 * a * c), c);
  const inner = g.mul(g.mul(x, g.sub(1, g.mul(t, t))), du);
  return g.mul(g.add(g.add(t, 1), inner), 0.5);
}
