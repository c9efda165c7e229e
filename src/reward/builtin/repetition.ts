/** N-gram repetition penalty. */
import type { OutcomeReward } from "../api/types";

export interface RepetitionPenaltyOptions {
  name?: string;
  weight?: number;
  /** Words per n-gram (default 3). */
  ngram?: number;
  /** Penalty when every n-gram is a repeat (default -1); must be <= 0. */
  maxPenalty?: number;
}

const WORD_SEPARATOR = /\s+/;

/**
 * Fraction of repeated word n-grams, scaled:
 *
 *   penalty = (1 - #unique n-grams / #n-grams) * maxPenalty
 *
 * over the lower-cased, whitespace-split words of the whole completion; 0 when it has fewer than
 * `ngram` words. From "Demystifying Long Chain-of-Thought Reasoning in LLMs" (arXiv 2502.03373,
 * App. C.2) as implemented in open-r1 `get_repetition_penalty_reward` (src/open_r1/rewards.py).
 */
export function repetitionPenalty(options: RepetitionPenaltyOptions = {}): OutcomeReward {
  const { name = "repetition", weight = 1, ngram = 3, maxPenalty = -1 } = options;
  if (!(maxPenalty <= 0)) throw new Error(`repetitionPenalty: maxPenalty must be <= 0, got ${maxPenalty}`);
  if (!Number.isInteger(ngram) || ngram < 1) throw new Error(`repetitionPenalty: ngram must be a positive integer, got ${ngram}`);
  return {
    name,
    weight,
    kind: "outcome",
    description: `Repeated ${ngram}-grams of words, scaled to ${maxPenalty}`,
    score(sample) {
      const scaling = repeatedFraction(sample.completion, ngram);
      return scaling === 0 ? 0 : scaling * maxPenalty;
    },
  };
}

/** 1 - unique / total over word n-grams; 0 when there are fewer than n words. */
export function repeatedFraction(text: string, n: number): number {
  const words = text.toLowerCase().split(WORD_SEPARATOR);
  // split() leaves an empty first/last word for leading/trailing whitespace.
  const start = words[0] === "" ? 1 : 0;
  const end = words.length > start && words[words.length - 1] === "" ? words.length - 1 : words.length;
  const total = end - start - n + 1;
  if (total <= 0) return 0;
  const seen = new Set<string>();
  for (let i = start; i < start + total; i++) {
    // Words hold no whitespace, so a space-joined key is unambiguous.
    let key = words[i];
    for (let k = 1; k < n; k++) key += " " + words[i + k];
    seen.add(key);
  }
  return 1 - seen.size / total;
}
