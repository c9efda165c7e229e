// A plain-TypeScript float64 interpreter of the IR: the reference every ONNX kernel and every
// gradient rule is tested against. Written for obviousness (index loops), not speed.

import { type GraphBuilder } from "./builder";
import { type Primitive, type PrimitiveAttrs, type Tensor } from "./primitives";
import { type DimBindings, resolveDim, resolveShape } from "./shape";

/** A dense float64 array (ints and bools are stored as their numeric values). */
export interface RefArray {
  data: Float64Array;
  shape: number[];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const stridesOf = (shape: readonly number[]) => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
};

/** Builds an array of `shape` from a function of the multi-index. */
function tabulate(shape: number[], at: (idx: number[]) => number): RefArray {
  const data = new Float64Array(size(shape));
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < data.length; flat++) {
    data[flat] = at(idx);
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return { data, shape };
}

/** Reads `a` at an index of a (possibly larger, broadcast) output shape. */
function readBroadcast(a: RefArray, idx: number[]): number {
  const lead = idx.length - a.shape.length;
  const strides = stridesOf(a.shape);
  let off = 0;
  for (let d = 0; d < a.shape.length; d++) off += (a.shape[d] === 1 ? 0 : idx[lead + d]) * strides[d];
  return a.data[off];
}
function readAt(a: RefArray, idx: number[]): number {
  const strides = stridesOf(a.shape);
  return a.data[idx.reduce((off, i, d) => off + i * strides[d], 0)];
}

function elementwise(ins: RefArray[], shape: number[], fn: (...v: number[]) => number): RefArray {
  return tabulate(shape, (idx) => fn(...ins.map((a) => readBroadcast(a, idx))));
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is only 1e-7 accurate, too coarse for float64 finite differences:
  // Taylor series near 0, continued fraction for erfc in the tails.
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = t, term = t;
    for (let n = 1; n < 60; n++) {
      term *= (-t * t) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let cf = 0;
  for (let n = 60; n >= 1; n--) cf = n / 2 / (t + cf);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + cf));
}

function reduce(x: RefArray, { axes, keepdims }: PrimitiveAttrs["reduceSum"], outShape: number[], kind: "sum" | "mean" | "max"): RefArray {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const acc = new Float64Array(size(keptShape)).fill(kind === "max" ? -Infinity : 0);
  const keptStrides = stridesOf(keptShape);
  tabulate(x.shape, (idx) => {
    const v = readAt(x, idx);
    const o = idx.reduce((off, i, d) => off + (axes.includes(d) ? 0 : i * keptStrides[d]), 0);
    acc[o] = kind === "max" ? Math.max(acc[o], v) : acc[o] + v;
    return 0;
  });
  const count = size(x.shape) / acc.length;
  if (kind === "mean") acc.forEach((v, i) => (acc[i] = v / count));
  return { data: acc, shape: keepdims ? keptShape : outShape };
}

function softmaxAlong(x: RefArray, axis: number, log: boolean): RefArray {
  const out = new Float64Array(x.data.length);
  const stride = stridesOf(x.shape)[axis];
  const n = x.shape[axis];
  for (let base = 0; base < x.data.length; base++) {
    if (Math.floor(base / stride) % n !== 0) continue;
    const at = (j: number) => base + j * stride;
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, x.data[at(j)]);
    let z = 0;
    for (let j = 0; j < n; j++) z += Math.exp(x.data[at(j)] - m);
    for (let j = 0; j < n; j++) out[at(j)] = log ? x.data[at(j)] - m - Math.log(z) : Math.exp(x.data[at(j)] - m) / z;
  }
  return { data: out, shape: x.shape };
}

function matmul(a: RefArray, b: RefArray, shape: number[]): RefArray {
  const k = a.shape[a.shape.length - 1];
  return tabulate(shape, (idx) => {
    const r = idx.length;
    let s = 0;
    for (let p = 0; p < k; p++) {
      const ia = [...idx.slice(0, r - 2), idx[r - 2], p];
      const ib = [...idx.slice(0, r - 2), p, idx[r - 1]];
      s += readBroadcast(a, ia) * readBroadcast(b, ib);
    }
    return s;
  });
}

function scatter(data: RefArray, target: (flatUpdate: number) => number, updates: RefArray): RefArray {
  const out = Float64Array.from(data.data);
  for (let u = 0; u < updates.data.length; u++) out[target(u)] += updates.data[u];
  return { data: out, shape: data.shape };
}

type Ref<P extends Primitive> = (ins: RefArray[], attrs: PrimitiveAttrs[P], shape: number[], b: DimBindings) => RefArray;
const ew = (fn: (...v: number[]) => number): Ref<Primitive> => (ins, _a, shape) => elementwise(ins, shape, fn);

/** Reference semantics of every primitive (leaves are fed by `evaluate`). */
export const reference: { [P in Primitive]: Ref<P> } = {
  input: () => { throw new Error("inputs are fed"); },
  param: () => { throw new Error("params are fed"); },
  constant: (_i, a, shape, b) =>
    a.data ? { data: Float64Array.from(a.data as ArrayLike<number>, Number), shape }
      : { data: new Float64Array(size(shape)).fill(typeof a.fill === "string" ? resolveDim(a.fill, b) : (a.fill ?? 0)), shape },
  add: ew((x, y) => x + y), sub: ew((x, y) => x - y), mul: ew((x, y) => x * y), div: ew((x, y) => x / y),
  max: ew(Math.max), min: ew(Math.min), neg: ew((x) => -x), exp: ew(Math.exp), log: ew(Math.log),
  sqrt: ew(Math.sqrt), reciprocal: ew((x) => 1 / x), tanh: ew(Math.tanh), erf: ew(erf),
  less: ew((x, y) => +(x < y)), greater: ew((x, y) => +(x > y)), equal: ew((x, y) => +(x === y)),
  where: ew((c, x, y) => (c ? x : y)),
  matmul: ([a, b], _a, shape) => matmul(a, b, shape),
  reduceSum: ([x], a, shape) => reduce(x, a, shape, "sum"),
  reduceMean: ([x], a, shape) => reduce(x, a, shape, "mean"),
  reduceMax: ([x], a, shape) => reduce(x, a, shape, "max"),
  reshape: ([x], _a, shape) => ({ data: x.data, shape }),
  expand: ([x], _a, shape) => elementwise([x], shape, (v) => v),
  transpose: ([x], { perm }, shape) => tabulate(shape, (idx) => readAt(x, perm.map((_, d) => idx[perm.indexOf(d)]))),
  slice: ([x], { axis, start }, shape, b) =>
    tabulate(shape, (idx) => readAt(x, idx.map((i, d) => (d === axis ? i + resolveDim(start, b) : i)))),
  pad: ([x], { axis, before }, shape, b) =>
    tabulate(shape, (idx) => {
      const i = idx[axis] - resolveDim(before, b);
      return i < 0 || i >= x.shape[axis] ? 0 : readAt(x, idx.map((v, d) => (d === axis ? i : v)));
    }),
  concat: (xs, { axis }, shape) =>
    tabulate(shape, (idx) => {
      let i = idx[axis], k = 0;
      while (i >= xs[k].shape[axis]) i -= xs[k++].shape[axis];
      return readAt(xs[k], idx.map((v, d) => (d === axis ? i : v)));
    }),
  gather: ([t, ix], _a, shape) =>
    tabulate(shape, (idx) => readAt(t, [readAt(ix, idx.slice(0, ix.shape.length)), ...idx.slice(ix.shape.length)])),
  gatherElements: ([x, ix], { axis }, shape) =>
    tabulate(shape, (idx) => readAt(x, idx.map((v, d) => (d === axis ? readAt(ix, idx) : v)))),
  scatterNDAdd: ([data, ix, up]) => {
    const row = size(data.shape.slice(1));
    return scatter(data, (u) => ix.data[Math.floor(u / row)] * row + (u % row), up);
  },
  scatterElementsAdd: ([data, ix, up], { axis }) => {
    const st = stridesOf(data.shape);
    const ust = stridesOf(up.shape);
    return scatter(data, (u) => up.shape.reduce((off, _d, d) => off + (d === axis ? ix.data[u] : Math.floor(u / ust[d]) % up.shape[d]) * st[d], 0), up);
  },
  cast: ([x], { to }) => ({ data: x.data.map((v) => (to === "bool" ? +(v !== 0) : to === "int64" ? Math.trunc(v) : v)), shape: x.shape }),
  trilu: ([x], { upper, k }, shape) =>
    tabulate(shape, (idx) => {
      const [i, j] = idx.slice(-2);
      return (upper ? j - i >= k : j - i <= k) ? readAt(x, idx) : 0;
    }),
  stopGradient: ([x]) => x,
  argMax: ([x], { axis }, shape) =>
    tabulate(shape, (idx) => {
      let best = 0;
      const at = (j: number) => readAt(x, [...idx.slice(0, axis), j, ...idx.slice(axis)]);
      for (let j = 1; j < x.shape[axis]; j++) if (at(j) > at(best)) best = j;
      return best;
    }),
  softmax: ([x], { axis }) => softmaxAlong(x, axis, false),
  logSoftmax: ([x], { axis }) => softmaxAlong(x, axis, true),
  layerNorm: ([x, gamma, beta], { eps }) => {
    const d = x.shape[x.shape.length - 1];
    const out = new Float64Array(x.data.length);
    for (let row = 0; row < x.data.length; row += d) {
      const xs = x.data.subarray(row, row + d);
      const mean = xs.reduce((a, v) => a + v, 0) / d;
      const variance = xs.reduce((a, v) => a + (v - mean) ** 2, 0) / d;
      xs.forEach((v, j) => (out[row + j] = ((v - mean) / Math.sqrt(variance + eps)) * gamma.data[j] + (beta ? beta.data[j] : 0)));
    }
    return { data: out, shape: x.shape };
  },
  gelu: ([x], { approximate }) => ({
    data: x.data.map((v) =>
      approximate === "tanh" ? 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))) : 0.5 * v * (1 + erf(v / Math.SQRT2))),
    shape: x.shape,
  }),
};

/**
 * Evaluates `outputs` of `g` in float64 with the given inputs and parameters (by name).
 * Symbol bindings are taken from `bindings` (inputs' shapes are checked against them).
 */
export function evaluate(
  g: GraphBuilder,
  outputs: readonly Tensor[],
  feeds: Readonly<Record<string, RefArray>>,
  bindings: DimBindings = {},
): RefArray[] {
  const last = Math.max(...outputs.map((t) => t.id));
  const values: RefArray[] = [];
  for (let id = 0; id <= last; id++) {
    const node = g.nodes[id];
    const shape = resolveShape(node.output.shape, bindings);
    if (node.op === "input" || node.op === "param") {
      const name = (node.attrs as PrimitiveAttrs["input"]).name;
      if (!feeds[name]) throw new Error(`evaluate: no value for "${name}"`);
      values.push(feeds[name]);
    } else {
      const impl = reference[node.op] as Ref<Primitive>;
      values.push(impl(node.inputs.map((x) => values[x.id]), node.attrs, shape, bindings));
    }
  }
  return outputs.map((t) => values[t.id]);
}
