/**
 * The importer contract: every supported trainer/dataset format is one `Importer` with the same
 * two functions, listed once in the registry (registry.ts). Nothing outside this folder needs to
 * know which formats exist.
 */
import type { TraceLineError, TraceRecord } from "../types";

/** How the rows of a file are stored: JSON lines, one JSON array of rows, or parquet. */
export type Container = "jsonl" | "json" | "parquet";

/**
 * What detection sees of a file: its first rows, parsed, whatever the container. Importers decide
 * by content (keys and value types), the file name is only a tie-breaker.
 */
export interface ImportProbe {
  /** Absolute path of the file. */
  file: string;
  container: Container;
  /** The first rows that parsed as JSON objects (JSONL) or the first rows of the first row group (parquet). */
  rows: Record<string, unknown>[];
  /** Column names: the parquet schema's top-level fields, or the union of keys of `rows`. */
  columns: string[];
}

/** Where a record came from: a 1-based line of a JSONL file or a 0-based row of a parquet file. */
export interface SourceRef {
  /** Path of the source file as given to the importer. */
  file: string;
  line?: number;
  row?: number;
}

/** One item of an import stream: a record with its source, or a row that could not be imported. */
export type ImportItem = { record: TraceRecord; source: SourceRef } | { error: TraceLineError };

export interface ImportOptions {
  signal?: AbortSignal;
  /**
   * Folder the records' image paths are written relative to: the folder of the trace file the
   * records end up in (`convert --out`). Default: the source file's folder, so records read in
   * place (`rewardlab score`, the views) resolve images as the source does.
   */
  baseDir?: string;
  /**
   * Where image bytes embedded in the source (parquet) are written, once each, named by content
   * hash. Default: `<baseDir>/.rewardlab-cache/images`. Never the source file or its folder's files.
   */
  imageCacheDir?: string;
  /**
   * TRL completions: which numeric columns are reward functions (TRL writes reward columns and
   * `log_extra` columns into one flat table with no boundary). Default: every numeric column that
   * is not a known column.
   */
  rewardColumns?: string[];
  /**
   * Folder relative image paths in the source are relative to. EasyR1 resolves them against its
   * `data.image_dir` (or, unset, the trainer's working directory), not the data file's folder.
   * Default: the source file's folder.
   */
  imageDir?: string;
  /** Called for each relative image path that names no file once resolved (the record keeps the path). */
  onMissingImage?: (missing: MissingImage) => void;
}

/** An image reference that resolved to a path where no file is. */
export interface MissingImage {
  /** The source file. */
  file: string;
  /** The reference as the source wrote it. */
  reference: string;
  /** Where it was looked for. */
  path: string;
}

/** A file format RewardLab can read. */
export interface Importer {
  /** Registry key, used by `--format`. Lowercase, dash-separated. */
  name: string;
  /** One line for `--help` and error messages. */
  summary: string;
  /** Where this file comes from in the upstream trainer (README list). */
  origin: string;
  /**
   * How sure this importer is that the probed file is its format: 0 (not it) to 1 (certain).
   * Pure and cheap: it looks only at the probe.
   */
  detect(probe: ImportProbe): number;
  /** Streams the file's records; malformed rows become `{ error }` items and reading goes on. */
  read(path: string, options?: ImportOptions): AsyncGenerator<ImportItem>;
  /**
   * The records of one JSONL line (1-based `line`), for random access through a `LineIndex`
   * without streaming the file from its start. JSONL formats only.
   */
  importLine?(text: string, line: number, path: string, options?: ImportOptions): Promise<ImportItem[]>;
}
