// What goes into a training batch, and how rewards land on tokens: DAPO dynamic sampling,
// truncation masking, overlong shaping, a difficulty curriculum, prioritised prompt sampling, and
// process (step) rewards placed on the tokens that end each step. Plain TypeScript; everything
// random takes the caller's seeded generator, and the stateful helpers serialise with toJSON() so
// a resumed run continues bit-for-bit.

import { overlongPenalty } from "../reward/builtin/overlong";
import type { OutcomeReward } from "../reward/api/types";
import type { RlSettings } from "./settings";
import { meanStd } from "../reward/stats";

// ---------------------------------------------------------------------------------------------
// Dynamic sampling (DAPO, arXiv 2503.14476 section 3.2; verl recipe/dapo `filter_groups`)

export interface GroupFilterResult {
  /** Sample indices of the groups kept, in batch order. */
  keep: number[];
  keptGroups: number[];
  droppedGroups: number[];
}

/**
 * Drops the groups whose `metric` (the total score, or one reward) is the same for every sample:
 * all right or all wrong gives every sample a zero GRPO advantage, so no gradient. A group of one
 * sample is kept (as verl). verl tests `np.std(values) > 0`; equality is tested here, which is
 * the same except that verl keeps groups of equal non-representable floats (std ~1e-17).
 */
export function filterGroups(groups: Int32Array, metric: ArrayLike<number>): GroupFilterResult {
  const range = groupRanges(groups, metric);
  const kept = new Set<number>();
  for (const [g, r] of range) if (r.max > r.min || r.count === 1) kept.add(g);
  const keep: number[] = [];
  groups.forEach((g, i) => kept.has(g) && keep.push(i));
  return { keep, keptGroups: [...kept], droppedGroups: [...range.keys()].filter((g) => !kept.has(g)) };
}

/**
 * Smallest and largest value and member count of each group. A group is *equal* when its max equals
 * its min (exactly, as verl's `std > 0` test): every member gets the same group-relative advantage, 0.
 * Dynamic sampling and the `sampling/equal_score_groups` metric both read this.
 */
export function groupRanges(groups: Int32Array, values: ArrayLike<number>): Map<number, { min: number; max: number; count: number }> {
  const range = new Map<number, { min: number; max: number; count: number }>();
  groups.forEach((g, i) => {
    const r = range.get(g);
    if (r) {
      r.min = Math.min(r.min, values[i]);
      r.max = Math.max(r.max, values[i]);
      r.count++;
    } else range.set(g, { min: values[i], max: values[i], count: 1 });
  });
  return range;
}

/**
 * Whether to generate another rollout batch to refill filtered groups: fewer than
 * train_batch_size prompts kept so far, and `max_num_gen_batches` (0 = no limit, as verl) not
 * reached. verl raises at the limit; a trainer here trains on what it kept instead.
 */
export function shouldRefill(keptPrompts: number, generatedBatches: number, s: Pick<RlSettings, "train_batch_size" | "max_num_gen_batches">): boolean {
  if (keptPrompts >= s.train_batch_size) return false;
  return s.max_num_gen_batches <= 0 || generatedBatches < s.max_num_gen_batches;
}

// ---------------------------------------------------------------------------------------------
// Truncation and overlong shaping

/**
 * `mask` with the rows of truncated responses (cut at max_response_length, no end of sequence)
 * zeroed, so they leave the loss (DAPO's overlong filtering; TRL `mask_truncated_completions`).
 */
export function maskTruncated(mask: Float32Array, truncated: ArrayLike<boolean | number>, B: number, T: number): Float32Array {
  if (truncated.length !== B || mask.length !== B * T) throw new Error(`maskTruncated: ${truncated.length} flags and ${mask.length} mask values for B=${B}, T=${T}`);
  const out = Float32Array.from(mask);
  for (let b = 0; b < B; b++) if (truncated[b]) out.fill(0, b * T, (b + 1) * T);
  return out;
}

/**
 * DAPO's soft overlong punishment as an outcome reward to add to the workspace's rewards, or null
 * when `overlong_buffer_enable` is off: 0 up to max_response_length - overlong_buffer_len tokens,
 * then falling linearly to -overlong_penalty_factor at max_response_length (the built-in reward,
 * src/reward/builtin/overlong.ts; verl `DAPORewardManager`).
 */
export function overlongShaping(s: Pick<RlSettings, "overlong_buffer_enable" | "overlong_buffer_len" | "overlong_penalty_factor" | "max_response_length">): OutcomeReward | null {
  if (!s.overlong_buffer_enable) return null;
  return overlongPenalty({ maxLength: s.max_response_length, bufferLength: s.overlong_buffer_len, penaltyFactor: s.overlong_penalty_factor });
}

// ---------------------------------------------------------------------------------------------
// Process rewards on tokens

/**
 * The token that ends each step: for step end offsets `stepEnds` (characters, exclusive) and the
 * end offset of every response token `tokenEnds`, the first token whose text reaches the step's
 * end. A step that ends past the last token (cut by truncation) lands on the last token.
 */
export function stepEndTokens(stepEnds: readonly number[], tokenEnds: readonly number[]): number[] {
  if (tokenEnds.length === 0) return stepEnds.map(() => -1);
  return stepEnds.map((end) => {
    let lo = 0, hi = tokenEnds.length - 1;
    if (tokenEnds[hi] < end) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokenEnds[mid] >= end) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  });
}

export interface StepScore {
  /** Token index within the response (`stepEndTokens`). */
  token: number;
  score: number;
}

/**
 * verl's `token_level_scores` `[B, T]`: each response's `last` value on its last response token
 * and its (weighted) process step scores on their step-end tokens; `scores` [B] is the row sum.
 * The trainer calls it with the outcome rewards and the step scores for token-level estimators
 * (gae, reinforce_plus_plus), and with the sample's total and no steps for outcome estimators
 * (update.ts `placeRewards`).
 */
export function tokenLevelScores(B: number, T: number, mask: Float32Array, last: ArrayLike<number>, steps: readonly (readonly StepScore[])[] = []): {
  tokenScores: Float32Array;
  scores: Float32Array;
} {
  const tokenScores = new Float32Array(B * T);
  const scores = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    let end = -1;
    for (let t = 0; t < T; t++) if (mask[b * T + t]) end = t;
    if (end < 0) continue; // nothing to put it on (fully masked row)
    tokenScores[b * T + end] += last[b];
    scores[b] += last[b];
    for (const { token, score } of steps[b] ?? []) {
      tokenScores[b * T + Math.min(Math.max(token, 0), end)] += score;
      scores[b] += score;
    }
  }
  return { tokenScores, scores };
}

// ---------------------------------------------------------------------------------------------
// Curriculum over difficulty levels

export interface CurriculumState {
  level: number;
  recent: number[];
}

/**
 * Picks the highest difficulty level a step may draw prompts from (levels 0..levels-1; prompts
 * with difficulty <= level are eligible, so earlier levels keep being practised). `by_step`: one
 * level per `curriculum_steps_per_level` steps. `by_accuracy`: move up when the mean accuracy of
 * the last `curriculum_window` steps reaches `curriculum_promote_at`. `off`: every level.
 */
export class CurriculumScheduler {
  private state: CurriculumState;

  constructor(
    private readonly settings: Pick<RlSettings, "curriculum" | "curriculum_promote_at" | "curriculum_window" | "curriculum_steps_per_level">,
    readonly levels: number,
    state?: CurriculumState,
  ) {
    if (!(levels >= 1)) throw new Error(`curriculum needs at least one difficulty level, got ${levels}`);
    this.state = state ? { level: state.level, recent: [...state.recent] } : { level: 0, recent: [] };
  }

  /** Highest eligible level at `step`. */
  level(step: number): number {
    switch (this.settings.curriculum) {
      case "off":
        return this.levels - 1;
      case "by_step":
        return Math.min(this.levels - 1, Math.floor(step / this.settings.curriculum_steps_per_level));
      case "by_accuracy":
        return this.state.level;
    }
  }

  /** Records a step's accuracy (by_accuracy); true when that promoted to the next level. */
  record(accuracy: number): boolean {
    if (this.settings.curriculum !== "by_accuracy" || this.state.level >= this.levels - 1) return false;
    const window = this.settings.curriculum_window;
    this.state.recent = [...this.state.recent, accuracy].slice(-window);
    const mean = this.state.recent.reduce((a, v) => a + v, 0) / this.state.recent.length;
    if (this.state.recent.length < window || mean < this.settings.curriculum_promote_at) return false;
    this.state = { level: this.state.level + 1, recent: [] };
    return true;
  }

  toJSON(): CurriculumState {
    return { level: this.state.level, recent: [...this.state.recent] };
  }
}

// ---------------------------------------------------------------------------------------------
// Prioritised prompt sampling

/** Population variance of the finite entries of `values` (0 for none). */
export function variance(values: ArrayLike<number>): number {
  const { std, count } = meanStd(values);
  return count > 0 ? std * std : 0;
}

/**
 * Draws prompts in proportion to the variance of their samples' advantages the last time they
 * were trained on: a prompt the policy always solves (or always fails) has variance 0 and teaches
 * nothing under group baselines. A share `floor` of uniform sampling is mixed in, so every prompt
 * keeps probability >= floor / N; prompts never seen get the highest priority so far (tried
 * early). With std-normalised GRPO advantages the variance is ~1 for informative groups and 0
 * otherwise; with Dr.GRPO it is the reward variance.
 */
export class PrioritizedPromptSampler {
  private readonly priority: Float64Array;

  constructor(readonly size: number, private readonly floor: number, priorities?: readonly (number | null)[]) {
    if (!(size >= 1)) throw new Error(`prioritised sampling needs at least one prompt, got ${size}`);
    this.priority = new Float64Array(size).fill(NaN);
    priorities?.forEach((p, i) => (this.priority[i] = p ?? NaN));
  }

  /** Records the advantages (one per sample) a prompt just got. */
  update(prompt: number, advantages: ArrayLike<number>): void {
    this.priority[prompt] = variance(advantages);
  }

  /** Sampling probability of every prompt. */
  probabilities(): Float64Array {
    const seen = this.priority.filter((p) => p === p);
    const unseen = seen.length > 0 ? seen.reduce((a, p) => Math.max(a, p), 0) : 1;
    const weights = this.priority.map((p) => (p === p ? p : unseen));
    const total = weights.reduce((a, w) => a + w, 0);
    const n = this.size;
    return weights.map((w) => (total > 0 ? (1 - this.floor) * (w / total) + this.floor / n : 1 / n));
  }

  /** `k` prompt indices, distinct while k <= size (then in rounds), drawn with `rand`. */
  sample(k: number, rand: () => number): number[] {
    const out: number[] = [];
    while (out.length < k) {
      const weights = Array.from(this.probabilities());
      for (let n = Math.min(k - out.length, this.size); n > 0; n--) {
        const i = drawIndex(weights, rand());
        out.push(i);
        weights[i] = 0;
      }
    }
    return out;
  }

  toJSON(): (number | null)[] {
    return Array.from(this.priority, (p) => (p === p ? p : null));
  }
}

/** Index drawn in proportion to `weights` (some positive) for a uniform `u` in [0, 1). */
function drawIndex(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, w) => a + w, 0);
  let r = u * total, last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] <= 0) continue;
    if (r < weights[i]) return i;
    r -= weights[i];
    last = i;
  }
  return last; // rounding left r just above the total
}
