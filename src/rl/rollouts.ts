// Generated responses as trace records (DESIGN.md trace JSONL): what eval and training write, and
// what the trace viewer and `rewardlab score` read.

import { dirname, isAbsolute, relative, resolve } from "node:path";
import { type Generation } from "../policy/generate";
import { type PolicyTokenizer } from "../policy/tokenizer";
import { type DatasetRecord } from "../policy/tasks/dataset";
import { type TokenInfo, type TraceRecord } from "../trace/types";

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Per-token data for the trace viewer: text, log-prob, entropy and (training) advantage. */
export function tokenInfo(tok: PolicyTokenizer, gen: Generation, advantages?: Float32Array | null): TokenInfo[] {
  return gen.ids.map((id, t) => {
    const info: TokenInfo = { text: tok.piece(id), logprob: round(gen.logprobs[t]), entropy: round(gen.entropies[t]) };
    if (advantages) info.advantage = round(advantages[t]);
    return info;
  });
}

export interface RolloutContext {
  /** Folder of the dataset file the prompt came from (its image paths are relative to it). */
  datasetDir: string;
  /** The trace file this record will be written to (image paths are rewritten relative to it). */
  outFile: string;
}

/** One trace record for a generated response to a dataset prompt. */
export function rolloutRecord(
  source: DatasetRecord,
  completion: string,
  tokens: TokenInfo[],
  ctx: RolloutContext,
  extra: Partial<TraceRecord> = {},
): TraceRecord {
  const outDir = dirname(resolve(ctx.outFile));
  const images = source.images?.map((p) => relative(outDir, isAbsolute(p) ? p : resolve(ctx.datasetDir, p)));
  const record: TraceRecord = {
    id: source.id,
    ...extra,
    prompt: source.prompt,
    completion,
    answer: source.answer,
    tokens,
    meta: { ...source.meta, ...(extra.meta ?? {}) },
  };
  if (images?.length) record.images = images;
  if (source.regions?.length) record.regions = source.regions;
  return record;
}
