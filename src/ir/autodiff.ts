// Reverse-mode differentiation over the node list. Nodes are stored in creation order, which is
// a topological order, so one backward sweep visits every consumer before its producers.

import { type GraphBuilder } from "./builder";
import { type GradContext, type GradRule, gradients } from "./gradients";
import { type Primitive, type PrimitiveAttrs, type Tensor } from "./primitives";
import { formatShape, numel, shapesEqual } from "./shape";

/**
 * Appends the backward graph of `loss` to `g` and returns d(loss)/d(w) for every `w` in `wrt`
 * (a zero tensor for one the loss does not depend on). `loss` must hold a single element.
 * Gradients of a tensor used several times (fan-out) are summed.
 */
export function grad(g: GraphBuilder, loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  if (numel(loss.shape) !== 1) throw new Error(`grad: loss must have one element, got ${loss}`);
  if (loss.dtype !== "float32") throw new Error(`grad: loss must be float32, got ${loss}`);
  const needed = dependsOn(g, loss, wrt);
  const contributions = new Map<number, Tensor[]>([[loss.id, [g.full(loss.shape, 1)]]]);
  for (let id = loss.id; id >= 0; id--) {
    const node = g.nodes[id];
    const parts = contributions.get(id);
    if (!parts || !needed[id] || node.inputs.length === 0) continue;
    const dy = accumulate(g, parts);
    const rule = gradients[node.op] as GradRule<Primitive>;
    const ctx: GradContext<Primitive> = { g, inputs: node.inputs, attrs: node.attrs, out: node.output, dy };
    const dxs = rule(ctx);
    node.inputs.forEach((x, i) => {
      const dx = dxs[i];
      if (!dx || !needed[x.id]) return;
      if (!shapesEqual(dx.shape, x.shape)) {
        throw new Error(`grad rule for ${node.op} gave ${formatShape(dx.shape)} for input ${x}`);
      }
      const list = contributions.get(x.id);
      if (list) list.push(dx);
      else contributions.set(x.id, [dx]);
    });
  }
  return wrt.map((w) => {
    const parts = contributions.get(w.id);
    return parts ? accumulate(g, parts) : g.full(w.shape, 0);
  });
}

/**
 * Sums the gradient contributions of one tensor. When they are the zero-padded gradients of
 * slices that tile one axis exactly (a tensor split into pieces, e.g. fused QKV), they are
 * concatenated instead: one copy instead of one Pad per piece plus the Adds between them.
 */
function accumulate(g: GraphBuilder, parts: Tensor[]): Tensor {
  if (parts.length === 1) return parts[0];
  const tiles = sliceTiles(g, parts);
  if (tiles) return g.concat(tiles, (g.nodeOf(parts[0]).attrs as PrimitiveAttrs["pad"]).axis);
  return parts.reduce((a, b) => g.add(a, b));
}

/** The unpadded pieces in axis order if `parts` are pads that tile one axis; otherwise null. */
function sliceTiles(g: GraphBuilder, parts: Tensor[]): Tensor[] | null {
  const nodes = parts.map((t) => g.nodeOf(t));
  if (!nodes.every((n) => n.op === "pad")) return null;
  const pads = nodes.map((n) => ({ node: n, attrs: n.attrs as PrimitiveAttrs["pad"] }));
  const axis = pads[0].attrs.axis;
  if (pads.some((p) => p.attrs.axis !== axis || typeof p.attrs.before !== "number")) return null;
  pads.sort((a, b) => (a.attrs.before as number) - (b.attrs.before as number));
  let offset = 0;
  for (const p of pads) {
    const piece = p.node.inputs[0].shape[axis];
    if (p.attrs.before !== offset || typeof piece !== "number") return null;
    offset += piece;
  }
  return offset === parts[0].shape[axis] ? pads.map((p) => p.node.inputs[0]) : null;
}

/** Marks nodes on a path from any of `wrt` to `loss` through float tensors. */
function dependsOn(g: GraphBuilder, loss: Tensor, wrt: readonly Tensor[]): Uint8Array {
  const fromWrt = new Uint8Array(loss.id + 1);
  for (const w of wrt) if (w.id <= loss.id) fromWrt[w.id] = 1;
  for (let id = 0; id <= loss.id; id++) {
    const node = g.nodes[id];
    if (node.output.dtype === "float32" && node.op !== "stopGradient" && node.inputs.some((x) => fromWrt[x.id])) fromWrt[id] = 1;
  }
  const toLoss = new Uint8Array(loss.id + 1);
  toLoss[loss.id] = 1;
  for (let id = loss.id; id >= 0; id--) {
    if (!toLoss[id]) continue;
    for (const x of g.nodes[id].inputs) toLoss[x.id] = 1;
  }
  return fromWrt.map((f, i) => f & toLoss[i]);
}
