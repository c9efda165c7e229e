// Batched generation with a KV cache: one prefill run over image + prompts, then one decode run
// per new token. The cache is a fixed-capacity `[B, H, C, dh]` array per layer that JS fills slot by
// slot (the decode graph returns only the new token's key/value), so every decode step of a
// generation reuses one ONNX session.

import { GraphBuilder, type Tensor } from "../ir/index";
import { CompiledGraph, type CompileOptions, type HostTensor, seededRandom } from "../runtime/index";
import { type SequenceItem, packPrompts } from "./batch";
import { type Policy } from "./checkpoint";
import { imageTokens } from "./config";
import { buildDecodeGraph, buildPrefillGraph } from "./model";
import { type SamplingOptions, TokenSampler } from "./sampling";

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  seed: number;
}

export type StopReason = "answer" | "eos" | "length";

export interface Generation {
  /** Response token ids (including the closing `</answer>` when it stopped there). */
  ids: number[];
  logprobs: Float32Array;
  entropies: Float32Array;
  stop: StopReason;
}

/** Compiles the prefill and decode graphs of a policy once; `generate` runs batches through them. */
export class PolicyGenerator {
  private readonly prefill: CompiledGraph;
  private readonly decode: CompiledGraph;
  private readonly layers: number;

  constructor(readonly policy: Policy, options: CompileOptions = {}) {
    const cfg = policy.config;
    const pg = new GraphBuilder();
    const pre = buildPrefillGraph(pg, cfg);
    this.prefill = new CompiledGraph(pg, cacheOutputs(pre.logits, pre.cache), options);
    const dg = new GraphBuilder();
    const dec = buildDecodeGraph(dg, cfg);
    this.decode = new CompiledGraph(dg, cacheOutputs(dec.logits, dec.next), options);
    this.layers = cfg.n_layers;
  }

  /** Samples a response for every item (same options for all rows; seeded, so reproducible). */
  async generate(items: readonly SequenceItem[], options: GenerateOptions): Promise<Generation[]> {
    const { config: cfg, tokenizer: tok, params } = this.policy;
    const B = items.length;
    const H = cfg.n_heads;
    const dh = cfg.d_model / H;
    const packed = packPrompts(cfg, items, tok.pad);
    const S0 = imageTokens(cfg) + packed.promptLen;
    const maxNew = Math.max(1, Math.min(options.maxNewTokens, cfg.max_text_len - Math.max(...packed.lengths)));
    const C = S0 + maxNew - 1; // the last sampled token is never fed back
    const pre = await this.prefill.run(packed.feeds, params);

    const caches = this.initCaches(pre, B, H, dh, S0, C);
    const bias = new Float32Array(B * (C + 1)).fill(-1e9);
    const promptBias = packed.feeds.prompt_key_bias.data as Float32Array;
    const P = imageTokens(cfg);
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S0; s++) bias[b * (C + 1) + s] = s < P ? 0 : promptBias[b * packed.promptLen + s - P];
      bias[b * (C + 1) + C] = 0; // the new token attends to itself
    }

    const rand = seededRandom(options.seed);
    const sampler = new TokenSampler(cfg.vocab_size);
    const out: Generation[] = items.map(() => ({ ids: [], logprobs: new Float32Array(maxNew), entropies: new Float32Array(maxNew), stop: "length" }));
    const done = new Uint8Array(B);
    const token = new BigInt64Array(B);
    const position = new BigInt64Array(B);
    let logits = pre.logits.data as Float32Array;
    for (let t = 0; t < maxNew; t++) {
      let active = 0;
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        const s = sampler.sample(logits, b * cfg.vocab_size, options, rand);
        const gen = out[b];
        gen.logprobs[gen.ids.length] = s.logprob;
        gen.entropies[gen.ids.length] = s.entropy;
        gen.ids.push(s.id);
        if (s.id === tok.answerClose || s.id === tok.eos) {
          done[b] = 1;
          gen.stop = s.id === tok.eos ? "eos" : "answer";
        } else active++;
        token[b] = BigInt(s.id);
        position[b] = BigInt(packed.lengths[b] + t);
      }
      if (active === 0 || t === maxNew - 1) break;
      const feeds: Record<string, HostTensor> = {
        token: { data: token, shape: [B, 1] },
        position: { data: position, shape: [B, 1] },
        cache_bias: { data: bias, shape: [B, C + 1] },
      };
      caches.forEach((c, i) => {
        feeds[`past_k${i}`] = { data: c.k, shape: [B, H, C, dh] };
        feeds[`past_v${i}`] = { data: c.v, shape: [B, H, C, dh] };
      });
      const step = await this.decode.run(feeds, params);
      const slot = S0 + t;
      for (let i = 0; i < this.layers; i++) {
        storeSlot(caches[i].k, step[`k${i}`].data as Float32Array, B * H, C, dh, slot);
        storeSlot(caches[i].v, step[`v${i}`].data as Float32Array, B * H, C, dh, slot);
      }
      for (let b = 0; b < B; b++) bias[b * (C + 1) + slot] = 0;
      logits = step.logits.data as Float32Array;
    }
    for (const gen of out) {
      gen.logprobs = gen.logprobs.slice(0, gen.ids.length);
      gen.entropies = gen.entropies.slice(0, gen.ids.length);
    }
    return out;
  }

  private initCaches(pre: Record<string, HostTensor>, B: number, H: number, dh: number, S0: number, C: number) {
    const caches: { k: Float32Array; v: Float32Array }[] = [];
    for (let i = 0; i < this.layers; i++) {
      const k = new Float32Array(B * H * C * dh);
      const v = new Float32Array(B * H * C * dh);
      const pk = pre[`k${i}`].data as Float32Array;
      const pv = pre[`v${i}`].data as Float32Array;
      for (let row = 0; row < B * H; row++) {
        k.set(pk.subarray(row * S0 * dh, (row + 1) * S0 * dh), row * C * dh);
        v.set(pv.subarray(row * S0 * dh, (row + 1) * S0 * dh), row * C * dh);
      }
      caches.push({ k, v });
    }
    return caches;
  }

  async dispose(): Promise<void> {
    await this.prefill.dispose();
    await this.decode.dispose();
  }
}

/** Graph outputs `logits`, `k0`, `v0`, `k1`, ... (what prefill and decode both return). */
function cacheOutputs(logits: Tensor, cache: readonly { k: Tensor; v: Tensor }[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = { logits };
  cache.forEach((c, i) => {
    out[`k${i}`] = c.k;
    out[`v${i}`] = c.v;
  });
  return out;
}

/** Writes `[rows, 1, dh]` new entries into slot `slot` of a `[rows, C, dh]` cache. */
function storeSlot(cache: Float32Array, fresh: Float32Array, rows: number, C: number, dh: number, slot: number): void {
  for (let r = 0; r < rows; r++) cache.set(fresh.subarray(r * dh, (r + 1) * dh), (r * C + slot) * dh);
}
