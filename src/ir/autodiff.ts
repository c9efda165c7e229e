// Reverse-mode differentiation over the node list. Nodes are stored in creation order, which is
// a topological order, so one backward sweep visits every consumer before its producers.

import { type GraphBuilder } from "./builder";
import { type GradContext, type GradRule, gradients } from "./gradients";
import { type Primitive, type Tensor } from "./primitives";
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
  const grads = new Map<number, Tensor>([[loss.id, g.full(loss.shape, 1)]]);
  for (let id = loss.id; id >= 0; id--) {
    const dy = grads.get(id);
    const node = g.nodes[id];
    if (!dy || !needed[id] || node.inputs.length === 0) continue;
    const rule = gradients[node.op] as GradRule<Primitive>;
    const ctx: GradContext<Primitive> = { g, inputs: node.inputs, attrs: node.attrs, out: node.output, dy };
    const dxs = rule(ctx);
    node.inputs.forEach((x, i) => {
      const dx = dxs[i];
      if (!dx || !needed[x.id]) return;
      if (!shapesEqual(dx.shape, x.shape)) {
        throw new Error(`grad rule for ${node.op} gave ${formatShape(dx.shape)} for input ${x}`);
      }
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? g.add(prev, dx) : dx);
    });
  }
  return wrt.map((w) => grads.get(w.id) ?? g.full(w.shape, 0));
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
