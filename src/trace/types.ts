/**
 * The trace model (DESIGN.md "Trace file"): one sample per JSONL line. Only `completion` is
 * required; unknown keys are preserved on round-trip, so a record is always kept whole and these
 * types describe only the keys RewardLab reads.
 */

/** Per-token data written by a trainer (log-prob, entropy, advantage, ...). */
export interface TokenInfo {
  text: string;
  logprob?: number;
  entropy?: number;
  advantage?: number;
  [key: string]: unknown;
}

/**
 * Coordinate frame of a box:
 * - `pixel`: absolute pixels of the image (Qwen2.5-VL `bbox_2d`, most datasets);
 * - `norm1000`: 0..1000 on both axes (Qwen2-VL `<|box_start|>`);
 * - `norm1`: 0..1 fractions of width/height.
 */
export type BoxFrame = "pixel" | "norm1000" | "norm1";

/** `[x1, y1, x2, y2]`, top-left and bottom-right corners. */
export type Box = [number, number, number, number];

/** A region of an image: ground truth in a trace record, or predicted in a completion. */
export interface Region {
  box: Box;
  frame: BoxFrame;
  label?: string;
  confidence?: number;
  /** Which of the sample's images (default 0). */
  image?: number;
  [key: string]: unknown;
}

/** Character offsets into the completion: `start` inclusive, `end` exclusive. */
export interface TextSpan {
  start: number;
  end: number;
}

/** Where in completion text a predicted region was written, and in which notation. */
export type RegionNotation = "list" | "bbox_2d" | "qwen2_box" | "visual_rft";

/** A region extracted from completion text, keeping the span it came from so views can link text and image. */
export interface ExtractedRegion extends Region {
  span: TextSpan;
  notation: RegionNotation;
}

/** One reasoning step of a completion. `label` is a process-supervision label (PRM800K: -1/0/+1) when the data has one. */
export interface Step {
  index: number;
  text: string;
  span: TextSpan;
  label?: number | null;
}

/** How the predicted answer was found. */
export type AnswerSource = "answer_tag" | "boxed" | "answer_line";

export interface ExtractedAnswer {
  text: string;
  span: TextSpan;
  source: AnswerSource;
}

/** How to split a completion's reasoning into steps. `auto` uses `Step N:` lines when present, else blank-line paragraphs. */
export interface StepSplitOptions {
  mode: "auto" | "paragraph" | "step-lines" | "regex";
  /** For `regex`: a JavaScript regular expression source that matches step separators. */
  pattern?: string;
}

/** A stored step from process-supervision data (PRM800K, Math-Shepherd, TRL stepwise). */
export interface RecordStep {
  text: string;
  label?: number | null;
}

/** One trace line as stored. Keys other than these are kept verbatim. */
export interface TraceRecord {
  completion: string;
  id?: string;
  group?: string;
  step?: number;
  prompt?: string;
  images?: string[];
  /** Ground-truth answer. */
  answer?: unknown;
  /** Ground-truth regions. */
  regions?: Region[];
  tokens?: TokenInfo[];
  rewards?: Record<string, number | null>;
  /** Pre-split steps with labels (process-supervision data); when present they define `sample.steps`. */
  steps?: RecordStep[];
  /** The trainer's own advantage for this sample when its log has one (TRL `advantage` column). */
  advantage?: number;
  meta?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A malformed or invalid line, reported with where it is. */
export interface TraceLineError {
  file: string;
  /** 1-based line number (for a parquet file: the row number plus one). */
  line: number;
  /** 0-based row of a parquet file, when the error is in one. */
  row?: number;
  message: string;
}

/** Pixel size of an image, read from its file header. */
export interface ImageSize {
  width: number;
  height: number;
}
