/**
 * Messages between the scoring pool (main thread) and a sandbox worker. Batches travel as raw file
 * bytes (the worker decodes and parses them, so parsing runs in parallel), line texts or records;
 * results come back as columns (typed arrays, transferred) so a batch costs a few messages, not one
 * object per sample.
 */
import type { StepSplitOptions, TraceRecord } from "../../trace/types";
import type { CompiledReward } from "../compile";
import type { RewardInfo } from "../validate";

/** Per-sample, per-reward outcome codes in `BatchResult.status`. */
export const enum SlotStatus {
  Ok = 0,
  /** The reward returned null: not applicable. */
  Null = 1,
  /** The reward threw or returned something invalid; see `errors`. */
  Error = 2,
  /** The line was not a valid trace record; see `parseErrors`. */
  Malformed = 3,
}

export interface LoadRequest {
  type: "load";
  version: number;
  modules: CompiledReward[];
  steps: StepSplitOptions;
}

export interface LoadReply {
  type: "loaded";
  version: number;
  rewards: RewardInfo[];
  /** Files that failed to load (top-level exception, invalid export, duplicate name). */
  errors: { file: string; message: string }[];
}

/**
 * Score a batch: from a chunk of raw file bytes (`chunk` + `firstLine`; the worker decodes, splits
 * and parses), from line texts (`lines` + `lineNumbers`), or from already-parsed `records`.
 */
export interface ScoreRequest {
  type: "score";
  id: number;
  /** Trace file the batch came from ("" when none): error messages and image paths use it. */
  file: string;
  /** Sample index of the batch's first slot. */
  firstIndex: number;
  chunk?: Uint8Array;
  /** 1-based line number of the chunk's first line. */
  firstLine?: number;
  /** Lines in `chunk`, blank ones included: sizes the result columns up front. */
  lineCount?: number;
  records?: TraceRecord[];
  /** 1-based line number of each record. */
  lineNumbers?: Int32Array;
  /** Keep the parsed samples under this key so `rescore` can score them again without re-sending. */
  keep?: string;
  /** Score samples kept earlier under this key instead of `chunk`/`records`. */
  kept?: string;
  /**
   * Rewards disabled for the rest of the run (one timed out or killed its worker): they are not
   * called; each of their slots fails with `message`.
   */
  disabled?: DisabledReward[];
  /** Measure each reward's time on each sample (`BatchResult.times`). */
  timing?: boolean;
  /** With `chunk`: send back where each sample's line is, for `score --out` (`BatchResult.lines`). */
  lineParts?: boolean;
}

/** A reward the pool stopped calling, and why (names the reward, file, line and sample). */
export interface DisabledReward {
  /** Index into the loaded rewards. */
  reward: number;
  message: string;
}

export interface ReleaseRequest {
  type: "release";
  key: string;
}

export interface RewardFailure {
  /** Index into the loaded rewards. */
  reward: number;
  slot: number;
  message: string;
  /** `file:line:col` in the reward's source, when the stack says. */
  location?: string;
}

export interface BatchResult {
  /** Number of slots (non-blank lines or records) in the batch. */
  size: number;
  /** 1-based line number of each slot. */
  lineNumbers: Int32Array;
  /**
   * Every slot's id, concatenated: slot i's is `idText.slice(idEnds[i - 1] ?? 0, idEnds[i])` ("" for
   * a malformed line). One string and one typed array post far faster than thousands of strings.
   */
  idText: string;
  idEnds: Int32Array;
  /** The batch's distinct groups, each posted once (a group's G samples repeat its name). */
  groupNames: string[];
  /** Index into `groupNames` per slot, -1 when the sample has no group. */
  groupIndex: Int32Array;
  /** Completion length in characters, per slot. */
  lengths: Int32Array;
  /** One array per reward: the score, NaN when not Ok. */
  values: Float64Array[];
  /** One array per reward: a `SlotStatus`. */
  status: Uint8Array[];
  parseErrors: { slot: number; message: string }[];
  errors: RewardFailure[];
  /** Per-step scores of process rewards, with the steps' supervision labels when the data has them. */
  stepScores: { reward: number; slot: number; scores: (number | null)[]; labels?: (number | null)[] }[];
  /** Metrics logged with `ctx.log.metric`, named `<reward>/<metric>`. */
  metrics: { slot: number; name: string; value: number }[];
  /** With `ScoreRequest.timing`: each reward's time per sample in ms (a batch reward's call shared evenly). */
  times?: { reward: number; slot: number; ms: number }[];
  /** With `ScoreRequest.lineParts`: where each sample's line is (malformed lines have none). */
  lines?: ScoredLineParts;
}

/** How `ScoredLineParts` gives sample k's part of its output line. */
export const enum LinePart {
  /** The line cut for splicing (`spliceHead`), as bytes `starts[k]..ends[k]` of the batch's chunk. */
  ChunkHead = 0,
  /** The line cut for splicing, as characters `starts[k]..ends[k]` of `text` (its bytes are not valid UTF-8, so they are not its text's). */
  TextHead = 1,
  /** The whole line, as characters `starts[k]..ends[k]` of `text`: the main thread parses and merges it. */
  Merge = 2,
}

/**
 * Per sample of a batch (malformed lines left out), what `score --out` builds its line from. Most
 * lines are given as a byte range of the chunk the main thread posted (it still holds the bytes, so
 * no text crosses threads and nothing is encoded again); the others as text, one string for all.
 */
export interface ScoredLineParts {
  /** A `LinePart` per sample. */
  kind: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  text: string;
}

export interface ScoreReply {
  type: "scored";
  id: number;
  result: BatchResult;
}

export interface FailReply {
  type: "failed";
  id: number;
  message: string;
}

export type WorkerRequest = LoadRequest | ScoreRequest | ReleaseRequest;
export type WorkerReply = LoadReply | ScoreReply | FailReply;

/** Layout of the shared progress cell the worker updates so a timeout can name the culprit. */
export const PROGRESS = { reward: 0, line: 1, busy: 2, length: 3 } as const;
