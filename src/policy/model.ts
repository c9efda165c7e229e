// The policy network as IR graphs: image patches + text -> pre-norm decoder -> LM head (+ value head).
//
// Sequence layout (verl's): [image patches P][prompt, left-padded to Tp][response, right-padded to Tr].
// Left-padded prompts put every response at the same offset, so one slice gives the response's
// log-probs for a whole batch, and generation appends to all rows at the same column. Pads are
// masked as attention keys (`promptKeyBias`) and get position 0; real tokens count positions from
// their first real prompt token. Image patches have their own learned positions.
//
// Three graphs share parameter names, so one ParamStore feeds all of them:
//   scoring  — full sequence -> response log-probs / entropy / values (training and old/ref log-probs)
//   prefill  — image + prompt -> last logits and every layer's keys/values (starts generation)
//   decode   — one new token per row against a fixed-capacity KV cache (the generation loop)

import { type Dim, type GraphBuilder, type Tensor, addDims, causalMaskBias, layerNorm, linear, linearParams, subDims } from "../ir/index";
import { type PolicyConfig, imageTokens, patchDim } from "./config";

/** Graph inputs describing a batch of sequences (all int64 except the image and the bias). */
export interface SequenceInputs {
  /** float32 `[B, S, S, 3]` pixels scaled to [-1, 1]; null for text-only policies. */
  image: Tensor | null;
  promptTokens: Tensor; // int64 [B, Tp]
  promptPositions: Tensor; // int64 [B, Tp]
  promptKeyBias: Tensor; // float32 [B, Tp]: 0 for tokens, -1e9 for left padding
  responseTokens: Tensor | null; // int64 [B, Tr]
  responsePositions: Tensor | null; // int64 [B, Tr]
}

/** Declares the sequence inputs with symbolic dims B, Tp and Tr. */
export function sequenceInputs(g: GraphBuilder, cfg: PolicyConfig, withResponse = true): SequenceInputs {
  const size = cfg.image?.size ?? 0;
  return {
    image: cfg.image ? g.input("image", "float32", ["B", size, size, 3]) : null,
    promptTokens: g.input("prompt_tokens", "int64", ["B", "Tp"]),
    promptPositions: g.input("prompt_positions", "int64", ["B", "Tp"]),
    promptKeyBias: g.input("prompt_key_bias", "float32", ["B", "Tp"]),
    responseTokens: withResponse ? g.input("response_tokens", "int64", ["B", "Tr"]) : null,
    responsePositions: withResponse ? g.input("response_positions", "int64", ["B", "Tr"]) : null,
  };
}

interface BlockParams {
  ln1: [Tensor, Tensor];
  qkv: { w: Tensor; b: Tensor };
  out: { w: Tensor; b: Tensor };
  ln2: [Tensor, Tensor];
  up: { w: Tensor; b: Tensor };
  down: { w: Tensor; b: Tensor };
}

interface PolicyParams {
  wte: Tensor;
  wpe: Tensor;
  patch: { w: Tensor; b: Tensor; pos: Tensor } | null;
  blocks: BlockParams[];
  lnf: [Tensor, Tensor];
  head: Tensor;
  value: { w: Tensor; b: Tensor } | null;
}

function norm(g: GraphBuilder, name: string, d: number): [Tensor, Tensor] {
  return [g.param(`${name}.g`, [d], { kind: "ones" }), g.param(`${name}.b`, [d], { kind: "zeros" })];
}

function withBias(p: { w: Tensor; b?: Tensor }): { w: Tensor; b: Tensor } {
  return { w: p.w, b: p.b! };
}

/** Declares every parameter (same names in every graph). */
function policyParams(g: GraphBuilder, cfg: PolicyConfig): PolicyParams {
  const d = cfg.d_model;
  const P = imageTokens(cfg);
  const blocks: BlockParams[] = [];
  for (let i = 0; i < cfg.n_layers; i++) {
    const name = `h${i}`;
    blocks.push({
      ln1: norm(g, `${name}.ln1`, d),
      qkv: withBias(linearParams(g, `${name}.attn.qkv`, d, 3 * d)),
      out: withBias(linearParams(g, `${name}.attn.out`, d, d)),
      ln2: norm(g, `${name}.ln2`, d),
      up: withBias(linearParams(g, `${name}.mlp.up`, d, cfg.d_hidden)),
      down: withBias(linearParams(g, `${name}.mlp.down`, cfg.d_hidden, d)),
    });
  }
  return {
    wte: g.param("wte", [cfg.vocab_size, d], { kind: "normal", std: 0.02 }),
    wpe: g.param("wpe", [cfg.max_text_len, d], { kind: "normal", std: 0.01 }),
    patch: cfg.image
      ? { ...withBias(linearParams(g, "patch", patchDim(cfg), d)), pos: g.param("patch.pos", [P, d], { kind: "normal", std: 0.01 }) }
      : null,
    blocks,
    lnf: norm(g, "lnf", d),
    head: g.param("head.w", [d, cfg.vocab_size], { kind: "normal", std: 0.02 }),
    value: cfg.value_head ? withBias(linearParams(g, "value", d, 1)) : null,
  };
}

/** `[B, S, S, 3]` -> `[B, P, patch*patch*3]` by reshape/transpose (row-major patches). */
function patchify(g: GraphBuilder, cfg: PolicyConfig, image: Tensor): Tensor {
  const { size, patch } = cfg.image!;
  const n = size / patch;
  const b = image.shape[0];
  const grid = g.reshape(image, [b, n, patch, n, patch, 3]);
  return g.reshape(g.transpose(grid, [0, 1, 3, 2, 4, 5]), [b, n * n, patch * patch * 3]);
}

/** Embeds image patches and text into `[B, P + Tp + Tr, d]`. */
function embed(g: GraphBuilder, cfg: PolicyConfig, p: PolicyParams, x: SequenceInputs): Tensor {
  const parts: Tensor[] = [];
  if (p.patch && x.image) parts.push(g.add(linear(g, patchify(g, cfg, x.image), p.patch.w, p.patch.b), p.patch.pos));
  const text = (tokens: Tensor, positions: Tensor) => g.add(g.gather(p.wte, tokens), g.gather(p.wpe, positions));
  parts.push(text(x.promptTokens, x.promptPositions));
  if (x.responseTokens && x.responsePositions) parts.push(text(x.responseTokens, x.responsePositions));
  return parts.length === 1 ? parts[0] : g.concat(parts, 1);
}

/** `[B, T, d]` -> `[B, H, T, d/H]`. */
function splitHeads(g: GraphBuilder, x: Tensor, heads: number): Tensor {
  const [b, t, d] = x.shape as [Dim, Dim, number];
  return g.transpose(g.reshape(x, [b, t, heads, d / heads]), [0, 2, 1, 3]);
}

/** `[B, H, T, dh]` -> `[B, T, H*dh]`. */
function mergeHeads(g: GraphBuilder, x: Tensor): Tensor {
  const [b, h, t, dh] = x.shape as [Dim, number, Dim, number];
  return g.reshape(g.transpose(x, [0, 2, 1, 3]), [b, t, h * dh]);
}

/** q, k, v projections of `x [B, T, d]`, each `[B, H, T, dh]` (column slices of the fused weight). */
function projectQkv(g: GraphBuilder, blk: BlockParams, x: Tensor, heads: number): [Tensor, Tensor, Tensor] {
  const d = x.shape[2] as number;
  const one = (i: number) =>
    splitHeads(g, linear(g, x, g.slice(blk.qkv.w, 1, i * d, (i + 1) * d), g.slice(blk.qkv.b, 0, i * d, (i + 1) * d)), heads);
  return [one(0), one(1), one(2)];
}

function mlp(g: GraphBuilder, blk: BlockParams, h: Tensor): Tensor {
  const normed = layerNorm(g, h, blk.ln2[0], blk.ln2[1]);
  return g.add(h, linear(g, g.gelu(linear(g, normed, blk.up.w, blk.up.b)), blk.down.w, blk.down.b));
}

/** One pre-norm block over a full sequence; `bias [B, 1, S, S]` is causal + key padding. */
function blockForward(g: GraphBuilder, blk: BlockParams, x: Tensor, bias: Tensor, heads: number) {
  const [q, k, v] = projectQkv(g, blk, layerNorm(g, x, blk.ln1[0], blk.ln1[1]), heads);
  const dh = q.shape[3] as number;
  const scores = g.add(g.mul(g.matmul(q, g.transpose(k)), 1 / Math.sqrt(dh)), bias);
  const attn = linear(g, mergeHeads(g, g.matmul(g.softmax(scores, -1), v)), blk.out.w, blk.out.b);
  return { out: mlp(g, blk, g.add(x, attn)), k, v };
}

/**
 * One block for one new token per row against cached keys/values `[B, H, C, dh]`. The new token's
 * own key is scored separately and its score appended, so the (large) cache is never copied by a
 * concat. `bias [B, 1, 1, C + 1]` masks empty cache slots and left padding.
 */
function blockDecode(g: GraphBuilder, blk: BlockParams, x: Tensor, pastK: Tensor, pastV: Tensor, bias: Tensor, heads: number) {
  const [q, k, v] = projectQkv(g, blk, layerNorm(g, x, blk.ln1[0], blk.ln1[1]), heads);
  const dh = q.shape[3] as number;
  const cap = pastK.shape[2];
  const pastScores = g.matmul(q, g.transpose(pastK)); // [B, H, 1, C]
  const selfScore = g.sum(g.mul(q, k), [-1], true); // [B, H, 1, 1]
  const scores = g.add(g.mul(g.concat([pastScores, selfScore], 3), 1 / Math.sqrt(dh)), bias);
  const probs = g.softmax(scores, -1);
  const mixed = g.add(g.matmul(g.slice(probs, 3, 0, cap), pastV), g.mul(g.slice(probs, 3, cap, addDims(cap, 1)), v));
  const attn = linear(g, mergeHeads(g, mixed), blk.out.w, blk.out.b);
  return { out: mlp(g, blk, g.add(x, attn)), k, v };
}

/** Attention bias `[B, 1, S, S]`: causal, plus -1e9 on left-padding keys. */
function sequenceBias(g: GraphBuilder, cfg: PolicyConfig, x: SequenceInputs, seqLen: Dim): Tensor {
  const b = x.promptTokens.shape[0];
  const parts: Tensor[] = [];
  const P = imageTokens(cfg);
  if (P > 0) parts.push(g.full([b, P], 0));
  parts.push(x.promptKeyBias);
  if (x.responseTokens) parts.push(g.full([b, x.responseTokens.shape[1]], 0));
  const keyBias = parts.length === 1 ? parts[0] : g.concat(parts, 1);
  return g.add(causalMaskBias(g, seqLen), g.reshape(keyBias, [b, 1, 1, seqLen]));
}

/** Runs the trunk; returns final hidden states `[B, S, d]` and each layer's keys/values. */
function trunk(g: GraphBuilder, cfg: PolicyConfig, p: PolicyParams, x: SequenceInputs) {
  let h = embed(g, cfg, p, x);
  const seqLen = h.shape[1];
  const bias = sequenceBias(g, cfg, x, seqLen);
  const cache: { k: Tensor; v: Tensor }[] = [];
  for (const blk of p.blocks) {
    const r = blockForward(g, blk, h, bias, cfg.n_heads);
    h = r.out;
    cache.push({ k: r.k, v: r.v });
  }
  return { hidden: h, cache };
}

export interface ScoringGraph {
  inputs: SequenceInputs;
  /** `[B, Tr, V]` logits predicting each response token (divided by the sampling temperature). */
  logits: Tensor;
  /** `[B, Tr]` log p(response token) under `logits`. */
  logProbs: Tensor;
  /** `[B, Tr]` critic values of the states before each response token; null without a value head. */
  values: Tensor | null;
  /** Names of the value head's parameters (the critic's own; everything else is the actor's). */
  criticParams: ReadonlySet<string>;
}

/**
 * The scoring graph: full sequences -> per-response-token log-probs (and values). Training losses
 * (SFT cross-entropy, RL policy/value losses) are added on top of these tensors by the caller.
 * `temperature` divides the logits, as verl does when recomputing log-probs of sampled tokens.
 */
export function buildScoringGraph(g: GraphBuilder, cfg: PolicyConfig, temperature = 1): ScoringGraph {
  const p = policyParams(g, cfg);
  const inputs = sequenceInputs(g, cfg, true);
  const { hidden } = trunk(g, cfg, p, inputs);
  // Hidden states that predict response tokens: from the last prompt position to one before the end.
  const start = subDims(addDims(imageTokens(cfg), "Tp"), 1);
  const states = g.slice(hidden, 1, start, addDims(start, "Tr"));
  const normed = layerNorm(g, states, p.lnf[0], p.lnf[1]);
  let logits = g.matmul(normed, p.head);
  if (temperature !== 1) logits = g.mul(logits, 1 / temperature);
  const logp = g.logSoftmax(logits, -1);
  const picked = g.gatherElements(logp, g.reshape(inputs.responseTokens!, ["B", "Tr", 1]), 2);
  const values = p.value ? g.reshape(linear(g, normed, p.value.w, p.value.b), ["B", "Tr"]) : null;
  const head = p.value ? [p.value.w, p.value.b] : [];
  const criticParams = new Set([...g.params.values()].filter((spec) => head.includes(spec.tensor)).map((spec) => spec.name));
  return { inputs, logits, logProbs: g.reshape(picked, ["B", "Tr"]), values, criticParams };
}

/** Per-token entropy `[B, Tr]` of `logits [B, Tr, V]`. */
export function tokenEntropy(g: GraphBuilder, logits: Tensor): Tensor {
  const logp = g.logSoftmax(logits, -1);
  return g.neg(g.sum(g.mul(g.exp(logp), logp), [-1]));
}

export interface PrefillGraph {
  /** `[B, V]` logits for the first response token. */
  logits: Tensor;
  /** Per layer `[B, H, P + Tp, dh]`. */
  cache: { k: Tensor; v: Tensor }[];
}

/** The prefill graph: image + left-padded prompts -> next-token logits and the KV cache. */
export function buildPrefillGraph(g: GraphBuilder, cfg: PolicyConfig): PrefillGraph {
  const p = policyParams(g, cfg);
  const inputs = sequenceInputs(g, cfg, false);
  const { hidden, cache } = trunk(g, cfg, p, inputs);
  const seqLen = hidden.shape[1];
  const lastStart = subDims(seqLen, 1);
  const last = g.slice(hidden, 1, lastStart, addDims(lastStart, 1));
  const logits = g.matmul(layerNorm(g, last, p.lnf[0], p.lnf[1]), p.head);
  return { logits: g.reshape(logits, ["B", cfg.vocab_size]), cache };
}

export interface DecodeGraph {
  logits: Tensor; // [B, V]
  /** Per layer `[B, H, 1, dh]`: the new token's key and value, to store in the cache. */
  next: { k: Tensor; v: Tensor }[];
}

/**
 * The decode graph: inputs `token [B, 1]`, `position [B, 1]`, `cache_bias [B, C + 1]` and per layer
 * `past_k{i}` / `past_v{i}` `[B, H, C, dh]` (C = cache capacity, fixed for a whole generation).
 */
export function buildDecodeGraph(g: GraphBuilder, cfg: PolicyConfig): DecodeGraph {
  const p = policyParams(g, cfg);
  const dh = cfg.d_model / cfg.n_heads;
  const token = g.input("token", "int64", ["B", 1]);
  const position = g.input("position", "int64", ["B", 1]);
  // The caches come before the bias so that C is bound from their shapes first.
  const past = p.blocks.map((_, i) => ({
    k: g.input(`past_k${i}`, "float32", ["B", cfg.n_heads, "C", dh]),
    v: g.input(`past_v${i}`, "float32", ["B", cfg.n_heads, "C", dh]),
  }));
  const bias = g.input("cache_bias", "float32", ["B", "(C)+(1)"]);
  const biasHeads = g.reshape(bias, ["B", 1, 1, "(C)+(1)"]);
  let h = g.add(g.gather(p.wte, token), g.gather(p.wpe, position));
  const next: { k: Tensor; v: Tensor }[] = [];
  p.blocks.forEach((blk, i) => {
    const r = blockDecode(g, blk, h, past[i].k, past[i].v, biasHeads, cfg.n_heads);
    h = r.out;
    next.push({ k: r.k, v: r.v });
  });
  const logits = g.matmul(layerNorm(g, h, p.lnf[0], p.lnf[1]), p.head);
  return { logits: g.reshape(logits, ["B", cfg.vocab_size]), next };
}
