/** Completion length, shared by the length-based rewards. */
import type { RewardContext, RewardSample } from "../api/types";

/** `tokens`: the trainer's tokens when the sample has them; `chars`: UTF-16 code units of the completion. */
export type LengthUnit = "tokens" | "chars";

/** Characters per token assumed when a sample has no tokens (a common rule of thumb for English BPE vocabularies). */
export const CHARS_PER_TOKEN = 4;

/**
 * Length of the completion in `unit`. In tokens it is `sample.tokens.length` when the sample has
 * tokens, otherwise estimated as ceil(chars / {@link CHARS_PER_TOKEN}) and the metric
 * `length_estimated` is logged as 1 (when a context is given).
 */
export function completionLength(sample: RewardSample, unit: LengthUnit, ctx?: RewardContext): number {
  if (unit === "chars") return sample.completion.length;
  if (sample.tokens !== undefined && sample.tokens.length > 0) return sample.tokens.length;
  ctx?.log.metric("length_estimated", 1);
  return Math.ceil(sample.completion.length / CHARS_PER_TOKEN);
}
