// Packs tokenised prompts (and responses) into the feeds of the policy graphs: left-padded prompts,
// right-padded responses, positions, key-padding bias and images. Lengths are rounded up to
// buckets so that a run compiles a handful of ONNX sessions, not one per batch.

import { type HostTensor } from "../runtime/index";
import { type PolicyConfig } from "./config";

/** One sequence: prompt ids, optional response ids and image pixels (`[S, S, 3]`, in [-1, 1]). */
export interface SequenceItem {
  promptIds: readonly number[];
  responseIds?: readonly number[];
  image?: Float32Array | null;
}

export const PROMPT_BUCKET = 8;
export const RESPONSE_BUCKET = 16;

/** `n` rounded up to a multiple of `step` (at least `step`). */
export function bucket(n: number, step: number): number {
  return Math.max(step, Math.ceil(n / step) * step);
}

export interface PackedPrompts {
  feeds: Record<string, HostTensor>;
  /** Padded prompt length (the graphs' `Tp`). */
  promptLen: number;
  /** Real prompt length of each row. */
  lengths: Int32Array;
}

/** Feeds `image`, `prompt_tokens`, `prompt_positions`, `prompt_key_bias` for `items`. */
export function packPrompts(cfg: PolicyConfig, items: readonly SequenceItem[], pad: number, promptLen?: number): PackedPrompts {
  const B = items.length;
  const longest = Math.max(...items.map((it) => it.promptIds.length));
  if (longest === 0) throw new Error("every prompt needs at least one token");
  const Tp = promptLen ?? bucket(longest, PROMPT_BUCKET);
  if (longest > Tp) throw new Error(`a prompt has ${longest} tokens; the batch allows ${Tp}`);
  const tokens = new BigInt64Array(B * Tp).fill(BigInt(pad));
  const positions = new BigInt64Array(B * Tp);
  const keyBias = new Float32Array(B * Tp);
  const lengths = new Int32Array(B);
  items.forEach((it, b) => {
    const n = it.promptIds.length;
    const offset = Tp - n;
    lengths[b] = n;
    for (let j = 0; j < Tp; j++) {
      if (j < offset) keyBias[b * Tp + j] = -1e9;
      else {
        tokens[b * Tp + j] = BigInt(it.promptIds[j - offset]);
        positions[b * Tp + j] = BigInt(j - offset);
      }
    }
  });
  const feeds: Record<string, HostTensor> = {
    prompt_tokens: { data: tokens, shape: [B, Tp] },
    prompt_positions: { data: positions, shape: [B, Tp] },
    prompt_key_bias: { data: keyBias, shape: [B, Tp] },
  };
  if (cfg.image) feeds.image = packImages(cfg, items);
  return { feeds, promptLen: Tp, lengths };
}

function packImages(cfg: PolicyConfig, items: readonly SequenceItem[]): HostTensor {
  const size = cfg.image!.size;
  const per = size * size * 3;
  const data = new Float32Array(items.length * per);
  items.forEach((it, b) => {
    if (!it.image) throw new Error(`sequence ${b} has no image, but the policy expects ${size}x${size} images`);
    if (it.image.length !== per) throw new Error(`sequence ${b}: image has ${it.image.length} values, expected ${per} (${size}x${size}x3)`);
    data.set(it.image, b * per);
  });
  return { data, shape: [items.length, size, size, 3] };
}

export interface PackedSequences extends PackedPrompts {
  /** Padded response length (the graphs' `Tr`). */
  responseLen: number;
  /** `[B, Tr]` 1 for real response tokens. */
  mask: Float32Array;
}

/** Prompt feeds plus `response_tokens` / `response_positions` and the response mask. */
export function packSequences(
  cfg: PolicyConfig,
  items: readonly SequenceItem[],
  pad: number,
  lengths: { promptLen?: number; responseLen?: number } = {},
): PackedSequences {
  const packed = packPrompts(cfg, items, pad, lengths.promptLen);
  const B = items.length;
  const longest = Math.max(1, ...items.map((it) => it.responseIds?.length ?? 0));
  const Tr = lengths.responseLen ?? bucket(longest, RESPONSE_BUCKET);
  if (longest > Tr) throw new Error(`a response has ${longest} tokens; the batch allows ${Tr}`);
  const tokens = new BigInt64Array(B * Tr).fill(BigInt(pad));
  const positions = new BigInt64Array(B * Tr);
  const mask = new Float32Array(B * Tr);
  items.forEach((it, b) => {
    const start = packed.lengths[b];
    const ids = it.responseIds ?? [];
    if (start + ids.length > cfg.max_text_len) {
      throw new Error(`sequence ${b}: prompt ${start} + response ${ids.length} tokens exceed the policy's ${cfg.max_text_len} positions`);
    }
    for (let t = 0; t < Tr; t++) {
      positions[b * Tr + t] = BigInt(Math.min(start + t, cfg.max_text_len - 1));
      if (t < ids.length) {
        tokens[b * Tr + t] = BigInt(ids[t]);
        mask[b * Tr + t] = 1;
      }
    }
  });
  packed.feeds.response_tokens = { data: tokens, shape: [B, Tr] };
  packed.feeds.response_positions = { data: positions, shape: [B, Tr] };
  return { ...packed, responseLen: Tr, mask };
}
