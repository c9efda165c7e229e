// The primitive ops of the IR. Each one becomes exactly one ONNX node (see onnx.ts); everything
// else (softmax-based losses, norms, GELU, attention) is composed from these in composites.ts.
// Adding a primitive means adding a shape rule here, a gradient rule in gradients.ts, an emitter
// entry in onnx.ts and a reference in evaluate.ts; the typed records make a missing one a type error.

import { type Dim, type Shape, addDims, broadcastShapes, divDims, formatShape, normAxis, numel, shapesEqual } from "./shape";

export type DType = "float32" | "int64" | "bool";

/** Typed arrays a tensor's data can live in, by dtype. */
export type TypedArrayFor<D extends DType> = D extends "float32" ? Float32Array : D extends "int64" ? BigInt64Array : Uint8Array;
export type TensorData = Float32Array | BigInt64Array | Uint8Array;

type NoAttrs = Record<string, never>;
type Reduce = { axes: number[]; keepdims: boolean };

/** Attributes of every primitive, keyed by primitive name. The keys of this map are the primitives. */
export interface PrimitiveAttrs {
  input: { name: string };
  param: { name: string };
  /** `data` (concrete shape) or `fill` (any shape; a Dim fill is that dim's value, e.g. a count). */
  constant: { data?: TensorData; fill?: number | Dim };
  add: NoAttrs; sub: NoAttrs; mul: NoAttrs; div: NoAttrs; max: NoAttrs; min: NoAttrs;
  neg: NoAttrs; exp: NoAttrs; log: NoAttrs; sqrt: NoAttrs; reciprocal: NoAttrs; tanh: NoAttrs; erf: NoAttrs;
  less: NoAttrs; greater: NoAttrs; equal: NoAttrs;
  where: NoAttrs;
  /** Numpy matmul (batched, broadcasting). Transposed operands are explicit `transpose` nodes;
   *  ORT's optimizer folds them into FusedMatMul (transA/transB), so no copy is made. */
  matmul: NoAttrs;
  reduceSum: Reduce; reduceMean: Reduce; reduceMax: Reduce;
  reshape: { shape: Shape };
  expand: { shape: Shape };
  transpose: { perm: number[] };
  /** Unit-step slice of one axis, `[start, end)`. */
  slice: { axis: number; start: Dim; end: Dim };
  /** Zero padding of one axis (the adjoint of slice). */
  pad: { axis: number; before: Dim; after: Dim };
  concat: { axis: number };
  /** Rows of a table: `table[indices]` along axis 0 (embedding lookup). */
  gather: NoAttrs;
  gatherElements: { axis: number };
  /** `data` with `updates` added at `indices` (duplicates accumulate). Not gather's gradient: ORT's
   *  CPU kernel loses updates on repeated indices with more than one thread (see gradients.ts). */
  scatterNDAdd: NoAttrs;
  scatterElementsAdd: { axis: number };
  cast: { to: DType };
  /** Lower (or upper) triangle, the rest zero: causal masks. */
  trilu: { upper: boolean; k: number };
  /** Index of the largest element along `axis` (axis removed), int64: greedy decoding. */
  argMax: { axis: number };
  /** Identity forward, zero gradient (detach): RL ratios, targets. */
  stopGradient: NoAttrs;
  // NOTE: softmax and log-softmax are fused primitives rather than composites: the single ONNX
  // kernel subtracts the row max and normalises in one pass (stable for large logits) and is 3-5x
  // faster than the 5-node composite on [B, H, T, T] attention scores.
  softmax: { axis: number };
  logSoftmax: { axis: number };
  // NOTE: GELU is a fused primitive (ONNX Gelu-20) for speed: as a composite it was 9 elementwise
  // nodes forward and ~15 backward over the widest activation [B, T, 4d], about 15% of a decoder
  // training step; fused it is 1 node forward and its hand-written derivative ~10 backward.
  gelu: { approximate: "none" | "tanh" };
  // NOTE: layer norm over the last axis, `(x, gamma[, beta])`, is a fused primitive
  // (LayerNormalization-17) for speed: the composite was 7 activation-sized nodes forward and ~18
  // backward, ~15% of a decoder step; fused it is 1 forward and ~15 backward (analytic rule).
  layerNorm: { eps: number };
}

export type Primitive = keyof PrimitiveAttrs;

/** A node of the graph: one primitive applied to earlier tensors, producing one tensor. */
export interface Node<P extends Primitive = Primitive> {
  readonly op: P;
  readonly inputs: readonly Tensor[];
  readonly attrs: PrimitiveAttrs[P];
  readonly output: Tensor;
}

/** A typed handle to a value in a graph. `id` is the index of the node that produces it. */
export class Tensor {
  constructor(
    readonly graphId: number,
    readonly id: number,
    readonly shape: Shape,
    readonly dtype: DType,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return `t${this.id}${formatShape(this.shape)}:${this.dtype}`;
  }
}

export interface TypeInfo {
  shape: Shape;
  dtype: DType;
}

type ShapeRule<P extends Primitive> = (inputs: readonly Tensor[], attrs: PrimitiveAttrs[P]) => TypeInfo;

const same: ShapeRule<Primitive> = ([x]) => ({ shape: x.shape, dtype: x.dtype });
const broadcast: ShapeRule<Primitive> = ([a, b]) => {
  if (a.dtype !== b.dtype) throw new Error(`dtype mismatch: ${a} vs ${b}`);
  return { shape: broadcastShapes(a.shape, b.shape), dtype: a.dtype };
};
const compare: ShapeRule<Primitive> = (ins, attrs) => ({ ...broadcast(ins, attrs), dtype: "bool" });
const reduce: ShapeRule<"reduceSum" | "reduceMean" | "reduceMax"> = ([x], { axes, keepdims }) => {
  const ax = axes.map((a) => normAxis(a, x.rank));
  const shape = x.shape.flatMap((d, i) => (ax.includes(i) ? (keepdims ? [1] : []) : [d]));
  return { shape, dtype: x.dtype };
};

function matmulShape(a: Tensor, b: Tensor): TypeInfo {
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul needs rank >= 2: ${a} @ ${b}`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) throw new Error(`matmul inner dims differ: ${a} @ ${b}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { shape: [...batch, m, n], dtype: a.dtype };
}

function reshapeShape(x: Tensor, target: Shape): TypeInfo {
  const known = target.filter((d) => d !== -1);
  const shape = target.map((d) => (d === -1 ? divDims(numel(x.shape), numel(known)) : d));
  if (numel(shape) !== numel(x.shape) && target.every((d) => typeof d === "number")) {
    throw new Error(`cannot reshape ${x} to ${formatShape(target)}`);
  }
  return { shape, dtype: x.dtype };
}

/**
 * Length of a slice. Symbolic starts are supported when the end is written `addDims(start, len)`:
 * the length is then `len` as written, so it still compares equal to other dims named `len`.
 */
function sliceDim(inDim: Dim, start: Dim, end: Dim): Dim {
  if (typeof start === "number" && typeof end === "number") return end - start;
  if (start === 0) return end;
  const prefix = `(${start})+(`;
  if (typeof end === "string" && end.startsWith(prefix) && end.endsWith(")")) {
    const len = end.slice(prefix.length, -1);
    return /^\d+$/.test(len) ? Number(len) : len;
  }
  throw new Error(`slice [${start}, ${end}) of dim ${inDim}: with a symbolic start, write the end as addDims(start, length)`);
}

/** Output shape and dtype of every primitive; a missing primitive is a type error. */
export const shapeRules: { [P in Primitive]: ShapeRule<P> } = {
  input: () => {
    throw new Error("inputs carry their own type");
  },
  param: () => {
    throw new Error("params carry their own type");
  },
  constant: () => {
    throw new Error("constants carry their own type");
  },
  add: broadcast, sub: broadcast, mul: broadcast, div: broadcast, max: broadcast, min: broadcast,
  neg: same, exp: same, log: same, sqrt: same, reciprocal: same, tanh: same, erf: same,
  less: compare, greater: compare, equal: compare,
  where: ([c, a, b]) => ({ shape: broadcastShapes(c.shape, broadcastShapes(a.shape, b.shape)), dtype: a.dtype }),
  matmul: ([a, b]) => matmulShape(a, b),
  reduceSum: reduce, reduceMean: reduce, reduceMax: reduce,
  reshape: ([x], { shape }) => reshapeShape(x, shape),
  expand: ([x], { shape }) => ({ shape: broadcastShapes(x.shape, shape), dtype: x.dtype }),
  transpose: ([x], { perm }) => {
    if (perm.length !== x.rank) throw new Error(`transpose perm [${perm}] does not fit ${x}`);
    return { shape: perm.map((p) => x.shape[p]), dtype: x.dtype };
  },
  slice: ([x], { axis, start, end }) => ({
    shape: x.shape.map((d, i) => (i === normAxis(axis, x.rank) ? sliceDim(d, start, end) : d)),
    dtype: x.dtype,
  }),
  pad: ([x], { axis, before, after }) => ({
    shape: x.shape.map((d, i) => (i === normAxis(axis, x.rank) ? padDim(d, before, after) : d)),
    dtype: x.dtype,
  }),
  concat: (xs, { axis }) => concatShape(xs, axis),
  gather: ([table, idx]) => ({ shape: [...idx.shape, ...table.shape.slice(1)], dtype: table.dtype }),
  gatherElements: ([x, idx]) => ({ shape: idx.shape, dtype: x.dtype }),
  scatterNDAdd: same,
  scatterElementsAdd: same,
  cast: ([x], { to }) => ({ shape: x.shape, dtype: to }),
  trilu: same,
  stopGradient: same,
  argMax: ([x], { axis }) => ({ shape: x.shape.filter((_, i) => i !== axis), dtype: "int64" }),
  softmax: same,
  logSoftmax: same,
  gelu: same,
  layerNorm: ([x, gamma, beta]) => {
    const d = x.shape[x.rank - 1];
    if (gamma.rank !== 1 || gamma.shape[0] !== d || (beta && !shapesEqual(beta.shape, gamma.shape))) {
      throw new Error(`layerNorm: gamma/beta must be [${d}] for ${x}`);
    }
    return { shape: x.shape, dtype: x.dtype };
  },
};

function padDim(d: Dim, before: Dim, after: Dim): Dim {
  return addDims(addDims(before, d), after);
}

function concatShape(xs: readonly Tensor[], axis: number): TypeInfo {
  const ax = normAxis(axis, xs[0].rank);
  const rest = (t: Tensor) => t.shape.filter((_, i) => i !== ax);
  for (const x of xs) {
    if (!shapesEqual(rest(x), rest(xs[0]))) throw new Error(`concat: ${x} does not match ${xs[0]} off axis ${axis}`);
  }
  const total = xs.reduce<Dim>((acc, x) => addDims(acc, x.shape[ax]), 0);
  return { shape: xs[0].shape.map((d, i) => (i === ax ? total : d)), dtype: xs[0].dtype };
}
