// GraphBuilder: records primitive applications as a flat list of nodes (already in topological
// order, since a node can only use tensors created before it) and hands out typed tensor handles.

import { type DType, type Node, type Primitive, type PrimitiveAttrs, type TensorData, Tensor, shapeRules } from "./primitives";
import { type Dim, type Shape, formatShape, normAxis } from "./shape";

/** How a parameter is initialised when a runtime creates it (seeded, see runtime/params.ts). */
export type ParamInit =
  | { kind: "normal"; std: number }
  | { kind: "uniform"; bound: number }
  | { kind: "zeros" }
  | { kind: "ones" };

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
  readonly tensor: Tensor;
}

export interface InputSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly tensor: Tensor;
}

type Operand = Tensor | number;
let nextGraphId = 1;

/** Builds a tensor graph from primitives. Composites live in composites.ts; gradients in autodiff.ts (`grad`). */
export class GraphBuilder {
  readonly id = nextGraphId++;
  readonly nodes: Node[] = [];
  readonly params = new Map<string, ParamSpec>();
  readonly inputs = new Map<string, InputSpec>();
  private readonly scalars = new Map<string, Tensor>();

  /** Appends one primitive node; shape and dtype come from `shapeRules` unless given. */
  apply<P extends Primitive>(op: P, inputs: readonly Tensor[], attrs: PrimitiveAttrs[P], type?: { shape: Shape; dtype: DType }): Tensor {
    for (const t of inputs) {
      if (t.graphId !== this.id) throw new Error(`${op}: ${t} belongs to another graph`);
    }
    const info = type ?? shapeRules[op](inputs, attrs);
    const output = new Tensor(this.id, this.nodes.length, info.shape, info.dtype);
    this.nodes.push({ op, inputs, attrs, output } as Node);
    return output;
  }

  /** The node that produced `t`. */
  nodeOf(t: Tensor): Node {
    return this.nodes[t.id];
  }

  /** A graph input fed at run time; shape dims may be symbols ("B", "T") bound per shape bucket. */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    if (this.inputs.has(name) || this.params.has(name)) throw new Error(`duplicate input name "${name}"`);
    const tensor = this.apply("input", [], { name }, { shape, dtype });
    this.inputs.set(name, { name, dtype, shape, tensor });
    return tensor;
  }

  /** A trainable float32 parameter with a concrete shape. */
  param(name: string, shape: readonly number[], init: ParamInit = { kind: "normal", std: 0.02 }): Tensor {
    if (this.inputs.has(name) || this.params.has(name)) throw new Error(`duplicate parameter name "${name}"`);
    const tensor = this.apply("param", [], { name }, { shape, dtype: "float32" });
    this.params.set(name, { name, shape, init, tensor });
    return tensor;
  }

  /** A constant with concrete data. */
  constant(data: TensorData, shape: readonly number[]): Tensor {
    const dtype: DType = data instanceof Float32Array ? "float32" : data instanceof BigInt64Array ? "int64" : "bool";
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`constant of ${data.length} values cannot have shape ${formatShape(shape)}`);
    return this.apply("constant", [], { data }, { shape, dtype });
  }

  /** A tensor of `shape` filled with `value`; a Dim value (e.g. "T") is resolved per shape bucket. */
  full(shape: Shape, value: number | Dim, dtype: DType = "float32"): Tensor {
    const key = `${dtype}:${value}:${shape.join(",")}`;
    let t = this.scalars.get(key);
    if (!t) {
      t = this.apply("constant", [], { fill: value }, { shape, dtype });
      this.scalars.set(key, t);
    }
    return t;
  }

  /** A scalar constant (shared: the same value yields the same node). */
  scalar(value: number | Dim, dtype: DType = "float32"): Tensor {
    return this.full([], value, dtype);
  }

  private operand(x: Operand, like: Tensor): Tensor {
    return typeof x === "number" ? this.scalar(x, like.dtype) : x;
  }
  private binary(op: "add" | "sub" | "mul" | "div" | "max" | "min" | "less" | "greater" | "equal", a: Operand, b: Operand): Tensor {
    const like = typeof a === "number" ? (b as Tensor) : a;
    return this.apply(op, [this.operand(a, like), this.operand(b, like)], {});
  }

  add(a: Operand, b: Operand): Tensor { return this.binary("add", a, b); }
  sub(a: Operand, b: Operand): Tensor { return this.binary("sub", a, b); }
  mul(a: Operand, b: Operand): Tensor { return this.binary("mul", a, b); }
  div(a: Operand, b: Operand): Tensor { return this.binary("div", a, b); }
  max(a: Operand, b: Operand): Tensor { return this.binary("max", a, b); }
  min(a: Operand, b: Operand): Tensor { return this.binary("min", a, b); }
  less(a: Operand, b: Operand): Tensor { return this.binary("less", a, b); }
  greater(a: Operand, b: Operand): Tensor { return this.binary("greater", a, b); }
  equal(a: Operand, b: Operand): Tensor { return this.binary("equal", a, b); }
  neg(x: Tensor): Tensor { return this.apply("neg", [x], {}); }
  exp(x: Tensor): Tensor { return this.apply("exp", [x], {}); }
  log(x: Tensor): Tensor { return this.apply("log", [x], {}); }
  sqrt(x: Tensor): Tensor { return this.apply("sqrt", [x], {}); }
  reciprocal(x: Tensor): Tensor { return this.apply("reciprocal", [x], {}); }
  tanh(x: Tensor): Tensor { return this.apply("tanh", [x], {}); }
  erf(x: Tensor): Tensor { return this.apply("erf", [x], {}); }
  stopGradient(x: Tensor): Tensor { return this.apply("stopGradient", [x], {}); }
  /** int64 index of the maximum along `axis` (the axis is removed). */
  argMax(x: Tensor, axis = -1): Tensor { return this.apply("argMax", [x], { axis: normAxis(axis, x.rank) }); }

  /** `cond ? a : b`, broadcasting. */
  where(cond: Tensor, a: Operand, b: Operand): Tensor {
    const like = typeof a === "number" ? (b as Tensor) : a;
    return this.apply("where", [cond, this.operand(a, like), this.operand(b, like)], {});
  }

  /** Numpy matmul: `[..., M, K] @ [..., K, N]`. */
  matmul(a: Tensor, b: Tensor): Tensor { return this.apply("matmul", [a, b], {}); }

  sum(x: Tensor, axes?: number[], keepdims = false): Tensor { return this.reduce("reduceSum", x, axes, keepdims); }
  mean(x: Tensor, axes?: number[], keepdims = false): Tensor { return this.reduce("reduceMean", x, axes, keepdims); }
  reduceMax(x: Tensor, axes?: number[], keepdims = false): Tensor { return this.reduce("reduceMax", x, axes, keepdims); }
  private reduce(op: "reduceSum" | "reduceMean" | "reduceMax", x: Tensor, axes: number[] | undefined, keepdims: boolean): Tensor {
    const all = x.shape.map((_, i) => i);
    return this.apply(op, [x], { axes: (axes ?? all).map((a) => normAxis(a, x.rank)).sort((p, q) => p - q), keepdims });
  }

  /** Reshape; one target dim may be -1 (inferred). */
  reshape(x: Tensor, shape: Shape): Tensor { return this.apply("reshape", [x], { shape }); }
  /** Broadcast `x` to `shape` (numpy rules). */
  expand(x: Tensor, shape: Shape): Tensor { return this.apply("expand", [x], { shape }); }
  /** Permute axes; without `perm`, swaps the last two. */
  transpose(x: Tensor, perm?: number[]): Tensor {
    const p = perm ?? [...x.shape.keys()].map((i) => (i < x.rank - 2 ? i : 2 * x.rank - 3 - i));
    return this.apply("transpose", [x], { perm: p });
  }
  slice(x: Tensor, axis: number, start: Dim, end: Dim): Tensor {
    return this.apply("slice", [x], { axis: normAxis(axis, x.rank), start, end });
  }
  pad(x: Tensor, axis: number, before: Dim, after: Dim): Tensor {
    return this.apply("pad", [x], { axis: normAxis(axis, x.rank), before, after });
  }
  concat(xs: Tensor[], axis: number): Tensor {
    return this.apply("concat", xs, { axis: normAxis(axis, xs[0].rank) });
  }
  /** `table[indices]` along axis 0 (embedding lookup); indices are int64. */
  gather(table: Tensor, indices: Tensor): Tensor { return this.apply("gather", [table, indices], {}); }
  /** `x[..., indices[i], ...]` elementwise along `axis` (token log-probs). */
  gatherElements(x: Tensor, indices: Tensor, axis: number): Tensor {
    return this.apply("gatherElements", [x, indices], { axis: normAxis(axis, x.rank) });
  }
  scatterNDAdd(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
    return this.apply("scatterNDAdd", [data, indices, updates], {});
  }
  scatterElementsAdd(data: Tensor, indices: Tensor, updates: Tensor, axis: number): Tensor {
    return this.apply("scatterElementsAdd", [data, indices, updates], { axis: normAxis(axis, data.rank) });
  }
  cast(x: Tensor, to: DType): Tensor { return x.dtype === to ? x : this.apply("cast", [x], { to }); }
  /** Keeps the lower triangle (`upper` false) of the last two axes from diagonal `k`; zeroes the rest. */
  trilu(x: Tensor, upper = false, k = 0): Tensor { return this.apply("trilu", [x], { upper, k }); }
  softmax(x: Tensor, axis = -1): Tensor { return this.apply("softmax", [x], { axis: normAxis(axis, x.rank) }); }
  logSoftmax(x: Tensor, axis = -1): Tensor { return this.apply("logSoftmax", [x], { axis: normAxis(axis, x.rank) }); }
  /** Layer norm over the last axis: (x - mean) / sqrt(var + eps) * gamma (+ beta). */
  layerNorm(x: Tensor, gamma: Tensor, beta?: Tensor | null, eps = 1e-5): Tensor {
    return this.apply("layerNorm", beta ? [x, gamma, beta] : [x, gamma], { eps });
  }
  /** GELU, exact (erf) or the tanh approximation. */
  gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor { return this.apply("gelu", [x], { approximate }); }
}
