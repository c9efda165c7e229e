/**
 * Most formats are "one row in, zero or more records out". `rowImporter` builds the full
 * `Importer` (container handling, image store, error items) from that mapping, so each format's
 * file holds only what is specific to it.
 */
import { dirname, join, resolve } from "node:path";
import type { TraceRecord } from "../types";
import { recordItem } from "./common";
import { ImageStore } from "./imageStore";
import { parseJsonRow, readRows, type RowItem, type SourceRow } from "./rows";
import type { ImportItem, ImportOptions, ImportProbe, Importer } from "./types";

/** Thrown by a row mapping for a row that is valid JSON but not a valid row of its format. */
export class RowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RowError";
  }
}

export interface RowContext {
  /** The source file path as given. */
  file: string;
  images: ImageStore;
  options: ImportOptions;
  /** Per-import scratch state for mappings that learn from earlier rows (e.g. which columns are numeric). */
  state: Map<string, unknown>;
}

export interface RowImporterSpec {
  name: string;
  summary: string;
  origin: string;
  detect(probe: ImportProbe): number;
  /** The records of one row (several for batched formats, none to skip it). Throw `RowError` for a bad row. */
  toRecords(row: SourceRow, context: RowContext): TraceRecord[] | Promise<TraceRecord[]>;
}

/** The default image cache folder for records written relative to `baseDir`. */
export function defaultImageCacheDir(baseDir: string): string {
  return join(baseDir, ".rewardlab-cache", "images");
}

export function rowImporter(spec: RowImporterSpec): Importer {
  const contextFor = (path: string, options: ImportOptions): RowContext => {
    const baseDir = resolve(options.baseDir ?? dirname(resolve(path)));
    const images = new ImageStore({ sourceFile: path, baseDir, cacheDir: resolve(options.imageCacheDir ?? defaultImageCacheDir(baseDir)), imageDir: options.imageDir, onMissingImage: options.onMissingImage });
    return { file: path, images, options, state: new Map() };
  };
  const mapRow = async (item: RowItem, context: RowContext): Promise<ImportItem[]> => {
    if ("error" in item) return [item];
    const { row } = item;
    try {
      const records = await spec.toRecords(row, context);
      return records.map((record) => recordItem(record, row, context.file));
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      const where = row.line !== undefined ? { line: row.line } : { line: (row.row ?? 0) + 1, row: row.row };
      return [{ error: { file: context.file, ...where, message: `${spec.name}: ${error.message}` } }];
    }
  };
  return {
    name: spec.name,
    summary: spec.summary,
    origin: spec.origin,
    detect: spec.detect,
    async *read(path: string, options: ImportOptions = {}): AsyncGenerator<ImportItem> {
      const context = contextFor(path, options);
      for await (const item of readRows(path, { signal: options.signal })) yield* await mapRow(item, context);
    },
    async importLine(text: string, line: number, path: string, options: ImportOptions = {}): Promise<ImportItem[]> {
      return mapRow(parseJsonRow(path, line, text), contextFor(path, options));
    },
  };
}

/** Reads a required string field or throws a `RowError` naming it. */
export function requireString(value: Record<string, unknown>, key: string): string {
  const field = value[key];
  if (typeof field !== "string") throw new RowError(`"${key}" must be a string, got ${describe(field)}`);
  return field;
}

export function describe(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Fraction of probe rows for which `test` holds (0 when there are none). */
export function share(probe: ImportProbe, test: (row: Record<string, unknown>) => boolean): number {
  if (probe.rows.length === 0) return 0;
  return probe.rows.filter(test).length / probe.rows.length;
}
