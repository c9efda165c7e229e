// IR -> ONNX ModelProto bytes. Every primitive becomes one ONNX node (opset 20); symbolic dims are
// resolved with the bucket's bindings, so each emitted model has fully static shapes.

import { type GraphBuilder } from "./builder";
import { ModelProto, OnnxAttrType, OnnxDataType } from "./onnx-proto";
import { type DType, type Node, type Primitive, type PrimitiveAttrs, type Tensor } from "./primitives";
import { type DimBindings, resolveDim, resolveShape } from "./shape";

// 20: the first opset with Gelu; everything else used is unchanged since 18.
export const OPSET = 20;

export interface EmitOptions {
  /** Graph outputs by name. */
  outputs: Readonly<Record<string, Tensor>>;
  /** Values of the symbolic dims for this shape bucket. */
  bindings?: DimBindings;
}

/** What the emitter produced besides the bytes: the feeds the model expects, in order. */
export interface EmittedModel {
  bytes: Uint8Array;
  inputNames: string[];
  outputNames: string[];
}

type Attr = { name: string; type: number; i?: number; f?: number; s?: Uint8Array; ints?: number[]; t?: object };
type OnnxNode = { input: string[]; output: string[]; opType: string; attribute: Attr[]; domain?: string };

const intAttr = (name: string, i: number): Attr => ({ name, type: OnnxAttrType.INT, i });
const intsAttr = (name: string, ints: number[]): Attr => ({ name, type: OnnxAttrType.INTS, ints });
const strAttr = (name: string, s: string): Attr => ({ name, type: OnnxAttrType.STRING, s: new TextEncoder().encode(s) });

/** Collects nodes and initializers while one graph is emitted. */
class Emission {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: object[] = [];
  private readonly constCache = new Map<string, string>();
  constructor(readonly bindings: DimBindings) {}

  name(t: Tensor): string {
    return `t${t.id}`;
  }
  /** An int64 1-D initializer (shapes, axes, pads), shared by content. */
  ints(values: number[], scalar = false): string {
    const key = `i64${scalar ? "s" : ""}:${values.join(",")}`;
    let name = this.constCache.get(key);
    if (!name) {
      name = `c${this.constCache.size}`;
      this.constCache.set(key, name);
      this.initializers.push(tensorProto(name, "int64", scalar ? [] : [values.length], BigInt64Array.from(values, BigInt)));
    }
    return name;
  }
  node(opType: string, input: string[], out: Tensor, attribute: Attr[] = []): void {
    this.nodes.push({ input, output: [this.name(out)], opType, attribute });
  }
}

function rawBytes(data: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tensorProto(name: string, dtype: DType, dims: number[], data: Float32Array | BigInt64Array | Uint8Array): object {
  return { name, dataType: OnnxDataType[dtype], dims, rawData: rawBytes(data) };
}

function filled(dtype: DType, value: number): Float32Array | BigInt64Array | Uint8Array {
  if (dtype === "float32") return Float32Array.of(value);
  if (dtype === "int64") return BigInt64Array.of(BigInt(value));
  return Uint8Array.of(value ? 1 : 0);
}

type Emitter<P extends Primitive> = (e: Emission, ins: string[], node: Node<P>) => void;
const simple = (opType: string): Emitter<Primitive> => (e, ins, n) => e.node(opType, ins, n.output);
const reduceOp = (opType: string): Emitter<"reduceSum" | "reduceMean" | "reduceMax"> => (e, ins, n) =>
  e.node(opType, [ins[0], e.ints(n.attrs.axes)], n.output, [intAttr("keepdims", n.attrs.keepdims ? 1 : 0)]);

/** One ONNX node (plus int64 initializers) per primitive; leaves are handled by `emitLeaf`. */
const emitters: { [P in Exclude<Primitive, "input" | "param" | "constant">]: Emitter<P> } = {
  add: simple("Add"), sub: simple("Sub"), mul: simple("Mul"), div: simple("Div"),
  max: simple("Max"), min: simple("Min"), neg: simple("Neg"), exp: simple("Exp"), log: simple("Log"),
  sqrt: simple("Sqrt"), reciprocal: simple("Reciprocal"), tanh: simple("Tanh"), erf: simple("Erf"),
  less: simple("Less"), greater: simple("Greater"), equal: simple("Equal"), where: simple("Where"),
  matmul: simple("MatMul"),
  reduceSum: reduceOp("ReduceSum"), reduceMean: reduceOp("ReduceMean"), reduceMax: reduceOp("ReduceMax"),
  reshape: (e, [x], n) => e.node("Reshape", [x, e.ints(resolveShape(n.output.shape, e.bindings))], n.output),
  expand: (e, [x], n) => e.node("Expand", [x, e.ints(resolveShape(n.output.shape, e.bindings))], n.output),
  transpose: (e, ins, n) => e.node("Transpose", ins, n.output, [intsAttr("perm", n.attrs.perm)]),
  slice: (e, [x], { attrs: a, output }) => {
    const [start, end] = [resolveDim(a.start, e.bindings), resolveDim(a.end, e.bindings)];
    e.node("Slice", [x, e.ints([start]), e.ints([end]), e.ints([a.axis])], output);
  },
  pad: (e, [x], { attrs: a, output }) => {
    const pads = new Array<number>(2 * output.rank).fill(0);
    pads[a.axis] = resolveDim(a.before, e.bindings);
    pads[output.rank + a.axis] = resolveDim(a.after, e.bindings);
    e.node("Pad", [x, e.ints(pads)], output);
  },
  concat: (e, ins, n) => e.node("Concat", ins, n.output, [intAttr("axis", n.attrs.axis)]),
  gather: (e, ins, n) => e.node("Gather", ins, n.output, [intAttr("axis", 0)]),
  gatherElements: (e, ins, n) => e.node("GatherElements", ins, n.output, [intAttr("axis", n.attrs.axis)]),
  scatterNDAdd: (e, ins, n) => e.node("ScatterND", ins, n.output, [strAttr("reduction", "add")]),
  scatterElementsAdd: (e, ins, n) =>
    e.node("ScatterElements", ins, n.output, [intAttr("axis", n.attrs.axis), strAttr("reduction", "add")]),
  cast: (e, ins, n) => e.node("Cast", ins, n.output, [intAttr("to", OnnxDataType[n.attrs.to])]),
  trilu: (e, [x], n) => e.node("Trilu", [x, e.ints([n.attrs.k], true)], n.output, [intAttr("upper", n.attrs.upper ? 1 : 0)]),
  stopGradient: simple("Identity"),
  argMax: (e, ins, n) => e.node("ArgMax", ins, n.output, [intAttr("axis", n.attrs.axis), intAttr("keepdims", 0)]),
  softmax: (e, ins, n) => e.node("Softmax", ins, n.output, [intAttr("axis", n.attrs.axis)]),
  logSoftmax: (e, ins, n) => e.node("LogSoftmax", ins, n.output, [intAttr("axis", n.attrs.axis)]),
  gelu: (e, ins, n) => e.node("Gelu", ins, n.output, [strAttr("approximate", n.attrs.approximate)]),
  layerNorm: (e, ins, n) =>
    e.node("LayerNormalization", ins, n.output, [intAttr("axis", -1), { name: "epsilon", type: OnnxAttrType.FLOAT, f: n.attrs.eps }]),
};

/** Constants become initializers (data, scalars) or ConstantOfShape (filled tensors, any size). */
function emitConstant(e: Emission, out: Tensor, attrs: PrimitiveAttrs["constant"]): void {
  const dims = resolveShape(out.shape, e.bindings);
  if (attrs.data) {
    e.initializers.push(tensorProto(e.name(out), out.dtype, dims, attrs.data));
    return;
  }
  const value = typeof attrs.fill === "string" ? resolveDim(attrs.fill, e.bindings) : (attrs.fill ?? 0);
  if (dims.length === 0) {
    e.initializers.push(tensorProto(e.name(out), out.dtype, [], filled(out.dtype, value)));
    return;
  }
  const t = tensorProto("value", out.dtype, [1], filled(out.dtype, value));
  e.node("ConstantOfShape", [e.ints(dims)], out, [{ name: "value", type: OnnxAttrType.TENSOR, t }]);
}

function valueInfo(name: string, dtype: DType, dims: number[]): object {
  return { name, type: { tensorType: { elemType: OnnxDataType[dtype], shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

/** Marks the nodes the outputs depend on, so unused forward/backward pieces are not emitted. */
function liveNodes(g: GraphBuilder, outputs: readonly Tensor[]): Uint8Array {
  const live = new Uint8Array(g.nodes.length);
  for (const t of outputs) live[t.id] = 1;
  for (let id = g.nodes.length - 1; id >= 0; id--) {
    if (live[id]) for (const x of g.nodes[id].inputs) live[x.id] = 1;
  }
  return live;
}

/** Serialises the part of `g` that computes `outputs` to ONNX ModelProto bytes. */
export function emitOnnx(g: GraphBuilder, options: EmitOptions): EmittedModel {
  const e = new Emission(options.bindings ?? {});
  const outputs = Object.entries(options.outputs);
  for (const [name] of outputs) {
    if (g.inputs.has(name) || g.params.has(name)) throw new Error(`output name "${name}" is also an input or parameter name`);
  }
  const live = liveNodes(g, outputs.map(([, t]) => t));
  const inputs: object[] = [];
  const inputNames: string[] = [];
  g.nodes.forEach((node, id) => {
    if (!live[id]) return;
    if (node.op === "input" || node.op === "param") {
      const name = (node.attrs as PrimitiveAttrs["input"]).name;
      e.node("Identity", [name], node.output);
      inputs.push(valueInfo(name, node.output.dtype, resolveShape(node.output.shape, e.bindings)));
      inputNames.push(name);
    } else if (node.op === "constant") {
      emitConstant(e, node.output, node.attrs as PrimitiveAttrs["constant"]);
    } else {
      const emit = emitters[node.op as keyof typeof emitters] as Emitter<Primitive>;
      emit(e, node.inputs.map((x) => e.name(x)), node);
    }
  });
  const outputInfos = outputs.map(([name, t]) => {
    e.nodes.push({ input: [e.name(t)], output: [name], opType: "Identity", attribute: [] });
    return valueInfo(name, t.dtype, resolveShape(t.shape, e.bindings));
  });
  const model = {
    irVersion: 8,
    producerName: "rewardlab-ir",
    opsetImport: [{ domain: "", version: OPSET }],
    graph: { name: "rewardlab", node: e.nodes, initializer: e.initializers, input: inputs, output: outputInfos },
  };
  const bytes = ModelProto.encode(ModelProto.fromObject(model)).finish();
  return { bytes, inputNames, outputNames: outputs.map(([name]) => name) };
}
