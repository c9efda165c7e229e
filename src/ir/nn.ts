// Reference layers built on the composites: a GPT-style pre-norm decoder. Used by the engine's
// tests and benchmark, and a starting point for src/policy (which adds image patches, KV cache,
// value head on top).

import { type GraphBuilder } from "./builder";
import { causalMaskBias, crossEntropy, gelu, layerNorm } from "./composites";
import { type Tensor } from "./primitives";
import { type Dim } from "./shape";

export interface DecoderConfig {
  vocab: number;
  dModel: number;
  layers: number;
  heads: number;
  /** Maximum sequence length (size of the learned position table). */
  maxSeq: number;
  /** MLP hidden size; default 4 * dModel. */
  dHidden?: number;
}

/** `x @ w (+ b)` for `x [..., in]`, `w [in, out]`. */
export function linear(g: GraphBuilder, x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const y = g.matmul(x, w);
  return b ? g.add(y, b) : y;
}

/** Creates the parameters of one linear layer `name.w [in, out]`, `name.b [out]`. */
export function linearParams(g: GraphBuilder, name: string, inDim: number, outDim: number, bias = true) {
  const w = g.param(`${name}.w`, [inDim, outDim], { kind: "normal", std: 1 / Math.sqrt(inDim) });
  return { w, b: bias ? g.param(`${name}.b`, [outDim], { kind: "zeros" }) : undefined };
}

/**
 * Causal multi-head self-attention on `x [B, T, D]`. The QKV projection is stored fused
 * (`qkv.w [D, 3D]`, GPT-2 layout) and applied as three GEMMs on column slices of the weight, so
 * no `[B, T, 3D]` activation is split and transposed as a 5-D tensor. (Against one GEMM plus
 * activation slices, whose gradient autodiff concatenates, step times were equal within noise.)
 */
export function causalSelfAttention(g: GraphBuilder, x: Tensor, name: string, heads: number): Tensor {
  const [b, t, d] = x.shape as [Dim, Dim, number];
  const dHead = d / heads;
  const qkvP = linearParams(g, `${name}.qkv`, d, 3 * d);
  const outP = linearParams(g, `${name}.out`, d, d);
  const project = (i: number) => {
    const y = linear(g, x, g.slice(qkvP.w, 1, i * d, (i + 1) * d), g.slice(qkvP.b!, 0, i * d, (i + 1) * d));
    return g.transpose(g.reshape(y, [b, t, heads, dHead]), [0, 2, 1, 3]); // [B, H, T, dHead]
  };
  const [q, k, v] = [project(0), project(1), project(2)];
  const scores = g.add(g.mul(g.matmul(q, g.transpose(k)), 1 / Math.sqrt(dHead)), causalMaskBias(g, t));
  const mixed = g.matmul(g.softmax(scores, -1), v); // [B, H, T, dHead]
  const merged = g.reshape(g.transpose(mixed, [0, 2, 1, 3]), [b, t, d]);
  return linear(g, merged, outP.w, outP.b);
}

/** One pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x)). */
export function decoderBlock(g: GraphBuilder, x: Tensor, name: string, cfg: DecoderConfig): Tensor {
  const d = cfg.dModel;
  const hidden = cfg.dHidden ?? 4 * d;
  const norm = (n: string, v: Tensor) =>
    layerNorm(g, v, g.param(`${name}.${n}.g`, [d], { kind: "ones" }), g.param(`${name}.${n}.b`, [d], { kind: "zeros" }));
  const h = g.add(x, causalSelfAttention(g, norm("ln1", x), `${name}.attn`, cfg.heads));
  const up = linearParams(g, `${name}.mlp.up`, d, hidden);
  const down = linearParams(g, `${name}.mlp.down`, hidden, d);
  return g.add(h, linear(g, gelu(g, linear(g, norm("ln2", h), up.w, up.b)), down.w, down.b));
}

/**
 * Decoder-only language model on int64 `tokens [B, T]`: returns logits `[B, T, vocab]` and the
 * mean next-token cross-entropy against int64 `targets [B, T]`.
 */
export function decoderLM(g: GraphBuilder, cfg: DecoderConfig, tokens: Tensor, targets: Tensor): { logits: Tensor; loss: Tensor } {
  const [, t] = tokens.shape;
  const wte = g.param("wte", [cfg.vocab, cfg.dModel], { kind: "normal", std: 0.02 });
  const wpe = g.param("wpe", [cfg.maxSeq, cfg.dModel], { kind: "normal", std: 0.01 });
  let x = g.add(g.gather(wte, tokens), g.slice(wpe, 0, 0, t));
  for (let i = 0; i < cfg.layers; i++) x = decoderBlock(g, x, `h${i}`, cfg);
  const normed = layerNorm(g, x, g.param("lnf.g", [cfg.dModel], { kind: "ones" }), g.param("lnf.b", [cfg.dModel], { kind: "zeros" }));
  const logits = g.matmul(normed, g.param("head.w", [cfg.dModel, cfg.vocab], { kind: "normal", std: 0.02 }));
  return { logits, loss: crossEntropy(g, logits, targets) };
}
