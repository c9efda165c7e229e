/**
 * Types a reward author sees when they `import { defineReward } from "rewardlab"`.
 * Everything here is plain data and functions: no I/O, no vscode, no DOM.
 */
import type {
  ExtractedRegion,
  Region,
  Step,
  TextSpan,
  TokenInfo,
  TraceRecord,
} from "../../trace/types";

export type { Box, BoxFrame, ExtractedRegion, Region, Step, TextSpan, TokenInfo, TraceRecord } from "../../trace/types";

/** A sample as a reward function sees it: the trace record plus what RewardLab extracted from it. */
export interface RewardSample {
  /** The record's `id`, or `#<line>` when it has none. */
  readonly id: string;
  /** 0-based position of the sample in its trace file. */
  readonly index: number;
  /** The G samples of one prompt share a group (GRPO). */
  readonly group: string | undefined;
  /** Training step that produced the sample, when known. */
  readonly step: number | undefined;
  readonly prompt: string;
  /** Image paths, relative to the trace file (as stored). */
  readonly images: readonly string[];
  readonly completion: string;
  /** Ground-truth answer from the data set. */
  readonly answer: unknown;
  /** Ground-truth regions. */
  readonly regions: readonly Region[];
  /** Text inside `<think>…</think>`, or null when the completion has no think block. */
  readonly thinkText: string | null;
  /** The predicted answer: `<answer>…</answer>`, else the last `\boxed{…}`, else an `Answer: …` line; null when none. */
  readonly answerText: string | null;
  /** Where the predicted answer sits in `completion`. */
  readonly answerSpan: TextSpan | null;
  /** Reasoning steps (split by the run's step settings, or the record's own labelled steps). */
  readonly steps: readonly Step[];
  /** Boxes the completion mentions, in the notation and frame they were written in. */
  readonly predictedRegions: readonly ExtractedRegion[];
  readonly tokens: readonly TokenInfo[] | undefined;
  readonly meta: Readonly<Record<string, unknown>>;
  /** The whole stored record, unknown keys included. */
  readonly record: Readonly<TraceRecord>;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** Per-call context. */
export interface RewardContext {
  /** Trace file the sample came from (absolute path), or "" for samples that did not come from a file. */
  readonly file: string;
  /** Size of the sample's image `index` (default 0), read from its header; null when missing or unreadable. */
  imageSize(index?: number): ImageSize | null;
  readonly log: {
    /**
     * Record a named number for this sample; it is written to the output's `reward_metrics` as `<reward>/<name>`.
     * In a `scoreBatch`, pass the sample the value belongs to.
     */
    metric(name: string, value: number, sample?: RewardSample): void;
  };
}

/** Score of one sample: a number, or null when the reward does not apply (excluded from totals and statistics). */
export type Score = number | null;

/** How a process reward's per-step scores become one number. */
export type StepAggregate = "min" | "mean" | "last" | "prod" | "sum";

/**
 * A pinned case: what this reward must score on a sample (`rewardlab test`). The hack that must
 * score 0, the edge case that must score 1. Fields are trace-record fields; `expect` is the score
 * (for a process reward: its aggregate), `null` for "does not apply".
 */
export interface RewardExample {
  completion: string;
  answer?: unknown;
  prompt?: string;
  /** Any other trace-record fields the reward reads (`images`, `regions`, `meta`, ...). */
  [field: string]: unknown;
  expect: number | null;
  /** What the case pins, printed by `rewardlab test`. */
  note?: string;
}

interface RewardBase {
  /** Unique per workspace; used as the key in `rewards`. */
  name: string;
  /** Weight in the total reward (default 1). */
  weight?: number;
  description?: string;
  /** Cases this reward must score as given (`rewardlab test`). */
  examples?: readonly RewardExample[];
}

/** One number per sample. */
export interface OutcomeReward extends RewardBase {
  kind?: "outcome";
  score(sample: RewardSample, ctx: RewardContext): Score | Promise<Score>;
}

/** One number per step (`sample.steps`), aggregated to one number per sample. */
export interface ProcessReward extends RewardBase {
  kind: "process";
  aggregate: StepAggregate;
  score(sample: RewardSample, ctx: RewardContext): readonly Score[] | null | Promise<readonly Score[] | null>;
  /**
   * Optional: the step scores of a whole batch at once, one entry per sample in order (for rewards
   * that call a model, so many samples share one model run). The sandbox then calls it instead of
   * `score`.
   */
  scoreBatch?(samples: readonly RewardSample[], ctx: RewardContext): readonly (readonly Score[] | null)[] | Promise<readonly (readonly Score[] | null)[]>;
}

/**
 * A reward scored a whole batch at a time (TRL- and verl-style functions use this through the adapters).
 * Returns one score per sample, in order.
 */
export interface BatchReward extends RewardBase {
  kind: "batch";
  scoreBatch(samples: readonly RewardSample[], ctx: RewardContext): readonly Score[] | Promise<readonly Score[]>;
}

export type RewardDefinition = OutcomeReward | ProcessReward | BatchReward;

/** What a reward file may export as default: one reward or an array of them. */
export type RewardExport = RewardDefinition | readonly RewardDefinition[];
