/**
 * Messages of the trace viewer webview (webview/traceViewer). The host owns the trace file: the
 * webview never sees the whole file, it asks for the rows it is about to show and for one sample
 * (or one group) at a time. Types, and the one rule both sides apply to a query (`isFileOrder`).
 */
import type { IpcMessage, ReadyMessage } from "./ipc";

/** Per-sample numbers the list shows, sorts and filters by. */
export interface SampleRow {
  /** 0-based position of the sample in its file. */
  index: number;
  /** 1-based line in the file. */
  line: number;
  id: string;
  group?: string;
  step?: number;
  rewards: Record<string, number | null>;
  /** Weighted sum of the non-null rewards; null when the sample has none. */
  total: number | null;
  /** The trainer's advantage when the trace has one, else the group-normalised total (GRPO). */
  advantage: number | null;
  /** Completion length in tokens when the trace has tokens, else in characters. */
  length: number;
  /** Why the line or its scoring failed. */
  error?: string;
  /** Scalar fields of the record's `meta` (question type, difficulty, ...), for searching. */
  meta?: Record<string, string | number | boolean>;
  /** Rewards the last edit of the reward files changed: name -> [before, after]. */
  changed?: Record<string, [number | null, number | null]>;
}

/** `index` (file order), `total`, `advantage`, `length`, `error`, or `reward:<name>`. */
export type SortKey = "index" | "total" | "advantage" | "length" | "error" | `reward:${string}`;

export interface RowFilter {
  /**
   * The search line (src/extension/traces/search.ts): words and "phrases" in the prompt,
   * completion, answer, id or group; `key:value` / `key=value` on meta, id, group or step;
   * `name<0.5`-style comparisons on rewards, total, advantage, length; `-` negates a term.
   */
  search?: string;
  errorsOnly?: boolean;
  /** Only samples whose rewards the last edit of the reward files changed. */
  changedOnly?: boolean;
  /** Keep samples whose `key` value lies in [min, max]; samples without a value are dropped. */
  range?: { key: SortKey; min?: number; max?: number };
}

export interface RowQuery {
  sort: { key: SortKey; descending: boolean };
  filter: RowFilter;
}

export type ViewerRegionSource = "truth" | "predicted";

/** A box to draw over an image, in the frame it was written in (the webview scales by the image size). */
export interface ViewerRegion {
  source: ViewerRegionSource;
  box: [number, number, number, number];
  frame: "pixel" | "norm1000" | "norm1";
  label?: string;
  image: number;
  /** For predicted regions: where in the completion the box was written. */
  span?: { start: number; end: number };
  /** For predicted regions: best IoU with a ground-truth region of the same image. */
  iou?: number;
}

export interface ViewerStep {
  index: number;
  span: { start: number; end: number };
  /** Process reward of this step (stored label or the scored value); absent when unknown. */
  score?: number | null;
  /** The step's label in the data (+1 correct, 0 neutral, -1 wrong), when it has one. */
  label?: number;
}

/** One completion token with its character span and the numeric channels the trace has for it. */
export interface ViewerToken {
  start: number;
  end: number;
  values: Record<string, number>;
}

export interface ViewerImage {
  /** A webview URI (asWebviewUri), or absent when the image could not be found. */
  src?: string;
  /** As stored in the trace, for the caption and error messages. */
  path: string;
}

/** Everything the sample view shows about one sample. */
export interface SampleDetail extends SampleRow {
  prompt: string;
  completion: string;
  /** Ground-truth answer, as text. */
  answer?: string;
  /** The answer extracted from the completion. */
  predictedAnswer?: string;
  answerSpan?: { start: number; end: number };
  images: ViewerImage[];
  regions: ViewerRegion[];
  steps: ViewerStep[];
  /** Per-token values, when the trace has tokens whose texts add up to the completion. */
  tokens?: ViewerToken[];
  /** Colour channels available for this sample: `process`, and any of `advantage`, `logprob`, `entropy`, ... */
  channels: string[];
  /** Per-step scores by reward name (process rewards). */
  stepScores: Record<string, (number | null)[]>;
}

export interface ViewerInit {
  fileName: string;
  /** Reward names seen in the file so far (sorted). */
  rewardNames: string[];
  sampleCount: number;
  /** True while the host is still reading the file. */
  indexing: boolean;
  /** Channel to colour the completion by unless the user picked one (setting `rewardlab.viewer.defaultChannel`). */
  defaultChannel: string;
  /** Sample to show first (from "Open in Trace Viewer" on a line), if any. */
  focusIndex?: number;
  /** Why the scores are not the reward files as saved (the last good version scores), if so. */
  problem?: string;
}

/**
 * One process reward on one split of the trace, measured against the trace's step labels exactly
 * as `rewardlab prm-eval` measures it (src/reward/stepMetrics.ts; the same keys as its --json).
 * Fractions in 0..1; null where there is nothing to divide by.
 */
export interface ProcessSummaryRow {
  reward: string;
  /** The record's `meta.split`; "all" is every split together. */
  split: string;
  /** Samples with a step both labelled +1/-1 and scored; of them, with a wrong step / without. */
  samples: number;
  erroneous_samples: number;
  correct_samples: number;
  /** ProcessBench: the first flagged step is the first wrong one (erroneous samples) / no step flagged (correct ones). */
  error_accuracy: number | null;
  correct_accuracy: number | null;
  processbench_f1: number | null;
  /** Flagging wrong steps (positive class: label -1). */
  step_precision: number | null;
  step_recall: number | null;
  step_f1: number | null;
  /** Mean of `step_f1` and the correct class's F1 (VisualProcessBench). */
  macro_f1: number | null;
  auc: number | null;
  auc_exact: boolean;
}

/** How the trace's process rewards find its labelled wrong steps; absent when no labelled step was scored. */
export interface ProcessSummary {
  /** A step is flagged (predicted wrong) when its score is below this. */
  threshold: number;
  /** Per reward: each split, then "all" when there are several (as prm-eval lists them). */
  rows: ProcessSummaryRow[];
  /** Process rewards that scored no labelled step of this trace. */
  unmatched: string[];
}

// Host -> webview
export type InitMessage = IpcMessage<"init", ViewerInit>;
/**
 * The file is being read: `sampleCount` samples so far. With `preview`, rows in file order can be
 * queried already; `rows` (once) are the first of them, listed without asking (saves a round trip).
 */
export type IndexProgressMessage = IpcMessage<"indexProgress", { sampleCount: number; indexing: boolean; rewardNames: string[]; preview?: boolean; rows?: SampleRow[] }>;
/**
 * A query the rows read so far can answer while the file is still being read: file order, nothing
 * filtered (the host answers it from its partial index; the webview lists rows sent ahead for it).
 */
export function isFileOrder(query: RowQuery): boolean {
  const { search, errorsOnly, changedOnly, range } = query.filter;
  return query.sort.key === "index" && !query.sort.descending && !search?.trim() && !errorsOnly && !changedOnly && !range;
}
/** `note`: what the list should say besides the count (a search key no sample has, a text search under way). */
export type RowsMessage = IpcMessage<"rows", { requestId: number; total: number; start: number; rows: SampleRow[]; note?: string }>;
export type SampleMessage = IpcMessage<"sample", { requestId: number; detail: SampleDetail | null; error?: string }>;
export type GroupMessage = IpcMessage<"group", { requestId: number; group: string; samples: SampleDetail[] }>;
export type FocusMessage = IpcMessage<"focus", { index: number }>;
/** Toolbar settings the host asks for ("Show Changed Samples" after a reward edit). */
export interface ViewerFilter {
  changedOnly?: boolean;
}
export type SetFilterMessage = IpcMessage<"setFilter", ViewerFilter>;
/** Scores changed (hot reload, re-scoring): cached rows and the open sample must be fetched again. */
export type RescoredMessage = IpcMessage<"rescored", { rewardNames: string[]; /** Shown as a banner: the scores are the last good rewards'. */ problem?: string }>;

/** The trace was (re)scored: its process-reward summary, or null when there is none to show. */
export type ProcessSummaryMessage = IpcMessage<"processSummary", { summary: ProcessSummary | null }>;

export type HostToViewerMessage = InitMessage | IndexProgressMessage | RowsMessage | SampleMessage | GroupMessage | FocusMessage | RescoredMessage | SetFilterMessage | ProcessSummaryMessage;

// Webview -> host
export type QueryRowsMessage = IpcMessage<"queryRows", { requestId: number; query: RowQuery; start: number; count: number }>;
export type OpenSampleMessage = IpcMessage<"openSample", { requestId: number; index: number }>;
export type OpenGroupMessage = IpcMessage<"openGroup", { requestId: number; group: string }>;
export type RevealLineMessage = IpcMessage<"revealLine", { index: number }>;
/** Opens the sample's completion in the what-if editor (re-scored as it is edited; never saved to the trace). */
export type EditCompletionMessage = IpcMessage<"editCompletion", { index: number }>;

/** Copies the sample's line, as it stands in the file, to the clipboard. */
export type CopySampleMessage = IpcMessage<"copySample", { index: number }>;
/** Saves the samples `query` keeps, in its order, as a new trace file (the user picks where). */
export type ExportSamplesMessage = IpcMessage<"exportSamples", { query: RowQuery }>;

/** Pins the sample as a case of one of the rewards, with the score it gets now (the user picks the reward). */
export type AddExampleMessage = IpcMessage<"addExample", { index: number }>;

/** The trace viewer page's data block (`PAGE_DATA_ID`): the first rows read, listed before the webview can ask. */
export interface ViewerPageData {
  /** Samples read when the page was written. */
  sampleCount: number;
  /** The first of them, in file order. */
  rows: SampleRow[];
}

/**
 * The rows of reply `requestId` (a first page) are on screen: the host times opening a file by it.
 * `receivedMs` / `drawnMs`: when the webview got them and when its frame had drawn them (ms since its
 * document began loading).
 */
export type RowsShownMessage = IpcMessage<"rowsShown", { requestId: number | "preloaded"; receivedMs?: number; drawnMs?: number }>;

export type ViewerToHostMessage = RowsShownMessage | ReadyMessage | QueryRowsMessage | OpenSampleMessage | OpenGroupMessage | RevealLineMessage | EditCompletionMessage | CopySampleMessage | ExportSamplesMessage | AddExampleMessage;
