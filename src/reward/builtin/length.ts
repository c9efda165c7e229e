/** Length-shaping rewards: completion length and number of reasoning steps. */
import type { BatchReward, OutcomeReward, RewardSample, Score } from "../api/types";
import { answersMatch } from "./answerMatch";
import { completionLength, type LengthUnit } from "./measure";

export interface LengthRewardOptions {
  name?: string;
  weight?: number;
  /** Target length in `unit`. Without it the reward is group-relative (see {@link lengthReward}). */
  target?: number;
  /** Default `tokens` (see {@link completionLength} for samples without tokens). */
  unit?: LengthUnit;
}

/**
 * Length reward, in one of two forms.
 *
 * With `target` T (an outcome reward): the negative normalised distance to the target, clipped to [-1, 0]:
 *
 *   R(L) = -min(|L - T| / T, 1)
 *
 * so R = 0 at L = T, -0.5 at L = T/2 or 3T/2, and -1 for an empty completion or one of 2T or more.
 *
 * Without `target` (a batch reward): the length penalty of Kimi k1.5 (arXiv 2501.12599, §2.3.3),
 * relative to the other samples of the same GRPO group:
 *
 *   λ = 0.5 - (L - L_min) / (L_max - L_min),   R = λ if correct, min(0, λ) if wrong
 *
 * where L_min / L_max are over the group; λ = 0 when all lengths in the group are equal (or the
 * sample has no group). "Correct" is {@link answersMatch} of `answerText` against `answer`; a sample
 * without ground truth gets λ, one without a predicted answer counts as wrong.
 */
export function lengthReward(options: LengthRewardOptions & { target: number }): OutcomeReward;
export function lengthReward(options?: LengthRewardOptions & { target?: undefined }): BatchReward;
export function lengthReward(options?: LengthRewardOptions): OutcomeReward | BatchReward;
export function lengthReward(options: LengthRewardOptions = {}): OutcomeReward | BatchReward {
  const { name = "length", weight = 1, target, unit = "tokens" } = options;
  if (target === undefined) return groupLengthReward(name, weight, unit);
  if (!(target > 0)) throw new Error(`lengthReward: target must be > 0, got ${target}`);
  return {
    name,
    weight,
    kind: "outcome",
    description: `-|L - ${target}| / ${target} in ${unit}, clipped at -1`,
    score(sample, ctx) {
      const distance = Math.abs(completionLength(sample, unit, ctx) - target) / target;
      return distance === 0 ? 0 : -Math.min(distance, 1);
    },
  };
}

function groupLengthReward(name: string, weight: number, unit: LengthUnit): BatchReward {
  return {
    name,
    weight,
    kind: "batch",
    description: `Kimi k1.5 group-relative length reward in ${unit}: 0.5 - (L - L_min) / (L_max - L_min)`,
    scoreBatch(samples, ctx) {
      const lengths = samples.map((sample) => completionLength(sample, unit, ctx));
      const range = new Map<string, { min: number; max: number }>();
      samples.forEach((sample, i) => {
        if (sample.group === undefined) return;
        const r = range.get(sample.group);
        if (r === undefined) range.set(sample.group, { min: lengths[i], max: lengths[i] });
        else {
          if (lengths[i] < r.min) r.min = lengths[i];
          if (lengths[i] > r.max) r.max = lengths[i];
        }
      });
      return samples.map((sample, i): Score => {
        const r = sample.group === undefined ? undefined : range.get(sample.group);
        const lambda = r === undefined || r.max === r.min ? 0 : 0.5 - (lengths[i] - r.min) / (r.max - r.min);
        return isWrong(sample) ? Math.min(0, lambda) : lambda;
      });
    },
  };
}

function isWrong(sample: RewardSample): boolean {
  if (sample.answer === undefined || sample.answer === null) return false;
  return sample.answerText === null || !answersMatch(sample.answerText, sample.answer);
}

export interface StepCountRewardOptions {
  name?: string;
  weight?: number;
  /** Fewest steps that score 1 (default 1). */
  min?: number;
  /** Most steps that score 1 (default unlimited). */
  max?: number;
}

/**
 * 1 when min <= `sample.steps.length` <= max, else 0: a guard against chains of thought that collapse
 * to nothing or sprawl (a hard version of open-r1 `reasoning_steps_reward`, which gives min(1, steps / 3)).
 */
export function stepCountReward(options: StepCountRewardOptions = {}): OutcomeReward {
  const { name = "step_count", weight = 1, min = 1, max = Infinity } = options;
  if (!(min <= max)) throw new Error(`stepCountReward: min (${min}) must be <= max (${max})`);
  return {
    name,
    weight,
    kind: "outcome",
    description: `1 when the completion has ${min}..${max} reasoning steps`,
    score(sample) {
      const count = sample.steps.length;
      return count >= min && count <= max ? 1 : 0;
    },
  };
}
