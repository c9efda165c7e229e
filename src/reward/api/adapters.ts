/**
 * Adapters for reward functions written for other trainers, so existing code ports as it is.
 */
import type { BatchReward, OutcomeReward, RewardSample, Score } from "./types";

/** Columns TRL passes as keyword arguments: every dataset column, one list entry per sample. */
export type TrlKwargs = Record<string, unknown[]>;

/**
 * TRL convention: `reward_func(prompts, completions, **kwargs) -> list[float | None]`, called on a
 * batch. `kwargs` holds every other record key as a column (e.g. `answer`, `solution`), plus
 * `ground_truth` (the record's `answer`) for functions written against verl-style data.
 */
export type TrlRewardFunction = (prompts: string[], completions: string[], kwargs: TrlKwargs) => readonly (number | null | undefined)[];

/** Wraps a TRL-style batch reward function. */
export function fromTrl(name: string, fn: TrlRewardFunction, options: { weight?: number; description?: string } = {}): BatchReward {
  return {
    ...options,
    name,
    kind: "batch",
    scoreBatch(samples) {
      const kwargs = trlColumns(samples);
      const scores = fn(samples.map((s) => s.prompt), samples.map((s) => s.completion), kwargs);
      if (!Array.isArray(scores)) throw new Error(`TRL reward "${name}" must return an array of numbers, got ${typeof scores}`);
      return scores.map((score) => (score === undefined || score === null ? null : score));
    },
  };
}

function trlColumns(samples: readonly RewardSample[]): TrlKwargs {
  const keys = new Set<string>();
  for (const sample of samples) for (const key of Object.keys(sample.record)) keys.add(key);
  keys.delete("prompt");
  keys.delete("completion");
  const columns: TrlKwargs = {};
  for (const key of keys) columns[key] = samples.map((s) => s.record[key]);
  columns.ground_truth = samples.map((s) => s.answer);
  return columns;
}

/** What a verl `compute_score` may return: a number, or a dict with `score` and extra logged values. */
export type VerlScore = number | { score: number; [key: string]: unknown };

/**
 * verl convention: `compute_score(data_source, solution_str, ground_truth, extra_info)`, one sample
 * per call. `data_source` and `extra_info` are read from the record (or its `meta`); extra numeric
 * keys of a returned dict are logged as metrics `<name>/<key>` (verl's `reward_extra_info`).
 */
export type VerlComputeScore = (dataSource: string, solutionStr: string, groundTruth: unknown, extraInfo: Record<string, unknown>) => VerlScore | null;

/** Wraps a verl-style `compute_score`. */
export function fromVerl(name: string, computeScore: VerlComputeScore, options: { weight?: number; description?: string } = {}): OutcomeReward {
  return {
    ...options,
    name,
    kind: "outcome",
    score(sample, ctx): Score {
      const record = sample.record as Record<string, unknown>;
      const dataSource = String(record.data_source ?? sample.meta.data_source ?? "");
      const extraInfo = (record.extra_info ?? sample.meta.extra_info ?? {}) as Record<string, unknown>;
      const result = computeScore(dataSource, sample.completion, sample.answer, extraInfo);
      if (result === null || typeof result === "number") return result;
      if (typeof result === "object" && typeof result.score === "number") {
        for (const [key, value] of Object.entries(result)) {
          if (key !== "score" && typeof value === "number") ctx.log.metric(key, value);
        }
        return result.score;
      }
      throw new Error(`verl compute_score "${name}" must return a number or {score: number, ...}`);
    },
  };
}
