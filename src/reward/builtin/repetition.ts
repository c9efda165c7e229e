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
  // Words become small integer ids, and an n-gram the number sum(id_k * V^k), which is exact while
  // V^n < 2^53; hashing numbers is several times faster than building and hashing joined strings.
  const vocabulary = new Map<string, number>();
  const ids = new Float64Array(end - start);
  for (let i = start; i < end; i++) {
    const word = words[i];
    let id = vocabulary.get(word);
    if (id === undefined) vocabulary.set(word, (id = vocabulary.size));
    ids[i - start] = id;
  }
  const base = vocabulary.size;
  const unique = base ** n < Number.MAX_SAFE_INTEGER ? uniqueNumericNgrams(ids, n, base, total) : uniqueStringNgrams(words, start, n, total);
  return 1 - unique / total;
}

function uniqueNumericNgrams(ids: Float64Array, n: number, base: number, total: number): number {
  const seen = new Set<number>();
  for (let i = 0; i < total; i++) {
    let key = 0;
    for (let k = 0; k < n; k++) key = key * base + ids[i + k];
    seen.add(key);
  }
  return seen.size;
}

function uniqueStringNgrams(words: readonly string[], start: number, n: number, total: number): number {
  const seen = new Set<string>();
  for (let i = start; i < start + total; i++) {
    // Words hold no whitespace, so a space-joined key is unambiguous.
    let key = words[i];
    for (let k = 1; k < n; k++) key += " " + words[i + k];
    seen.add(key);
  }
  return seen.size;
}
