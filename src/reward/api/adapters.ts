/**
 * Adapters for reward functions written for other trainers, so existing code ports as it is.
 */
import type { BatchReward, OutcomeReward, RewardContext, RewardSample, Score } from "./types";

/** What TRL passes as `trainer_state`: the fields a reward reads for shaping by training progress. */
export interface TrlTrainerState {
  /** The sample's training step (`record.step`), 0 when the record has none. */
  global_step: number;
}

/**
 * TRL's keyword arguments (GRPOTrainer._calculate_rewards, TRL 1.x): every dataset column, one
 * list entry per sample (e.g. `answer`, `solution`), plus `completion_ids`, `trainer_state`,
 * `log_extra` and `log_metric`. `ground_truth` (the record's `answer`) is added for functions
 * written against verl-style data.
 */
export interface TrlKwargs {
  /**
   * A dataset column, one entry per completion (`kwargs.answer[i]`). Typed `any`, as Python's
   * `**kwargs` are: the columns are the user's own, and ported code indexes them directly.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dataset columns are untyped, like Python kwargs
  [column: string]: any;
  /** Token ids of each completion, where the record has them (`completion_ids`), else undefined. */
  completion_ids: (readonly number[] | undefined)[];
  trainer_state: TrlTrainerState;
  /**
   * Adds a column to the completions table (TRL: `log_extra`). Numbers become per-sample metrics
   * `<reward>/<column>`; values of other types are not kept.
   */
  log_extra: (column: string, values: readonly unknown[]) => void;
  /** Logs a scalar for the batch (TRL: `log_metric`): every sample of the batch gets `<reward>/<name>`. */
  log_metric: (name: string, value: number) => void;
  ground_truth: unknown[];
}

/**
 * TRL convention: `reward_func(prompts, completions, **kwargs) -> list[float | None]`, called on a
 * batch, sync or async (TRL 1.x gathers async reward functions). `None` means "does not apply to
 * this sample" and becomes null, as does NaN.
 */
export type TrlRewardFunction = (prompts: string[], completions: string[], kwargs: TrlKwargs) => readonly (number | null | undefined)[] | Promise<readonly (number | null | undefined)[]>;

/** Wraps a TRL-style batch reward function. */
export function fromTrl(name: string, fn: TrlRewardFunction, options: { weight?: number; description?: string } = {}): BatchReward {
  const check = (scores: unknown, count: number): (number | null)[] => {
    if (!Array.isArray(scores)) throw new Error(`TRL reward "${name}" must return a list of numbers (or None), got ${scores === null ? "null" : typeof scores}`);
    if (scores.length !== count) throw new Error(`TRL reward "${name}" returned ${scores.length} scores for ${count} completions`);
    return scores.map((score: unknown) => (score === undefined || score === null || (typeof score === "number" && Number.isNaN(score)) ? null : (score as number)));
  };
  return {
    ...options,
    name,
    kind: "batch",
    scoreBatch(samples, ctx) {
      const scores = fn(samples.map((s) => s.prompt), samples.map((s) => s.completion), trlKwargs(samples, ctx));
      return isPromise(scores) ? scores.then((out) => check(out, samples.length)) : check(scores, samples.length);
    },
  };
}

function trlKwargs(samples: readonly RewardSample[], ctx: RewardContext): TrlKwargs {
  const keys = new Set<string>();
  for (const sample of samples) for (const key of Object.keys(sample.record)) keys.add(key);
  keys.delete("prompt");
  keys.delete("completion");
  const columns: Record<string, unknown[]> = {};
  for (const key of keys) columns[key] = samples.map((s) => s.record[key]);
  return {
    ...columns,
    completion_ids: samples.map((s) => (Array.isArray(s.record.completion_ids) ? (s.record.completion_ids as number[]) : undefined)),
    trainer_state: { global_step: samples.find((s) => typeof s.step === "number")?.step ?? 0 },
    log_extra: (column, values) => {
      samples.forEach((sample, i) => {
        const value = values[i];
        if (typeof value === "number") ctx.log.metric(column, value, sample);
      });
    },
    log_metric: (metric, value) => {
      for (const sample of samples) ctx.log.metric(metric, value, sample);
    },
    ground_truth: samples.map((s) => s.answer),
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** What EasyR1 passes a reward function per sample (verl/workers/reward/function.py `RewardInput`). */
export interface EasyR1RewardInput {
  response: string;
  /** Response tokens: `record.response_length`, else the record's token count, else its characters. */
  response_length: number;
  ground_truth: unknown;
}

/** What an EasyR1 reward function returns per sample: `overall` is the reward, other keys are logged. */
export interface EasyR1RewardScore {
  overall: number;
  [key: string]: number | null | undefined;
}

/**
 * EasyR1 convention: a reward file defines `compute_score` and `REWARD_TYPE`: `"batch"` (a list
 * of `RewardInput` -> a list of scores) or `"sequential"` (one input -> one score). `overall` is
 * the reward; other numeric keys (`format`, `accuracy`) are logged as `<name>/<key>`, as EasyR1
 * logs `reward_metrics`. Sync or async.
 */
export type EasyR1ComputeScore =
  | ((inputs: EasyR1RewardInput[]) => readonly EasyR1RewardScore[] | Promise<readonly EasyR1RewardScore[]>)
  | ((input: EasyR1RewardInput) => EasyR1RewardScore | Promise<EasyR1RewardScore>);

/** Wraps an EasyR1 `compute_score`; `type` is its `REWARD_TYPE` (default `"batch"`). */
export function fromEasyR1(name: string, computeScore: EasyR1ComputeScore, options: { type?: "batch" | "sequential"; weight?: number; description?: string } = {}): BatchReward {
  const { type = "batch", ...rest } = options;
  const accept = (scores: readonly unknown[], samples: readonly RewardSample[], ctx: RewardContext): (number | null)[] =>
    samples.map((sample, i) => {
      const score = scores[i] as Record<string, unknown> | null | undefined;
      if (score === null || typeof score !== "object" || typeof score.overall !== "number") throw new Error(`EasyR1 reward "${name}" must return {overall: number, ...} for each sample, got ${JSON.stringify(score) ?? String(score)} for sample ${i}`);
      for (const [key, value] of Object.entries(score)) if (key !== "overall" && typeof value === "number") ctx.log.metric(key, value, sample);
      return score.overall;
    });
  return {
    ...rest,
    name,
    kind: "batch",
    scoreBatch(samples, ctx) {
      const inputs = samples.map(easyR1Input);
      if (type === "sequential") {
        const one = computeScore as (input: EasyR1RewardInput) => EasyR1RewardScore | Promise<EasyR1RewardScore>;
        const outs = inputs.map((input) => one(input));
        return outs.some(isPromise) ? Promise.all(outs).then((all) => accept(all, samples, ctx)) : accept(outs, samples, ctx);
      }
      const out = (computeScore as (inputs: EasyR1RewardInput[]) => readonly EasyR1RewardScore[] | Promise<readonly EasyR1RewardScore[]>)(inputs);
      const checked = (scores: unknown): (number | null)[] => {
        if (!Array.isArray(scores) || scores.length !== samples.length) throw new Error(`EasyR1 batch reward "${name}" must return a list with one score per input (${samples.length}), got ${Array.isArray(scores) ? `${scores.length}` : typeof scores}`);
        return accept(scores, samples, ctx);
      };
      return isPromise(out) ? out.then(checked) : checked(out);
    },
  };
}

function easyR1Input(sample: RewardSample): EasyR1RewardInput {
  const record = sample.record as Record<string, unknown>;
  const length = typeof record.response_length === "number" ? record.response_length : Array.isArray(record.tokens) ? record.tokens.length : sample.completion.length;
  return { response: sample.completion, response_length: length, ground_truth: sample.answer };
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
