/**
 * RewardLab's own trace JSONL (DESIGN.md "Trace file"), so every entry point can take any file:
 * records pass through unchanged (unknown keys included); only relative image paths are rebased
 * when the records are written next to a different folder.
 */
import { dirname, resolve } from "node:path";
import { TraceParseError, parseTraceRecord, readLines } from "../../reader";
import { share } from "../define";
import { defaultImageCacheDir } from "../define";
import { ImageStore } from "../imageStore";
import type { ImportItem, ImportOptions, Importer } from "../types";

const TRACE_KEYS = ["id", "group", "rewards", "meta", "regions", "tokens", "steps", "answer"];

export const traceImporter: Importer = {
  name: "trace",
  summary: "RewardLab trace JSONL (*.trace.jsonl: completion, prompt, group, rewards, ...)",
  origin: "RewardLab itself: rewardlab convert, training runs (runs/*/rollouts/*.trace.jsonl)",
  detect(probe) {
    const completions = share(probe, (row) => typeof row.completion === "string" && !Array.isArray(row.completions));
    const traceKeys = share(probe, (row) => TRACE_KEYS.some((key) => key in row));
    const named = probe.file.endsWith(".trace.jsonl") ? 0.05 : 0;
    return probe.container === "jsonl" ? Math.min(1, completions * (0.3 + 0.65 * traceKeys) + named) : 0;
  },
  async *read(path: string, options: ImportOptions = {}): AsyncGenerator<ImportItem> {
    const images = rebaser(path, options);
    for await (const { line, text } of readLines(path, { signal: options.signal })) yield await importTraceLine(text, line, path, images);
  },
  async importLine(text: string, line: number, path: string, options: ImportOptions = {}): Promise<ImportItem[]> {
    return [await importTraceLine(text, line, path, rebaser(path, options))];
  },
};

/** An image store that rebases relative paths, only when records move to another folder. */
function rebaser(path: string, options: ImportOptions): ImageStore | undefined {
  const sourceDir = dirname(resolve(path));
  const baseDir = resolve(options.baseDir ?? sourceDir);
  return baseDir === sourceDir ? undefined : new ImageStore({ sourceFile: path, baseDir, cacheDir: defaultImageCacheDir(baseDir) });
}

async function importTraceLine(text: string, line: number, path: string, images: ImageStore | undefined): Promise<ImportItem> {
  try {
    const record = parseTraceRecord(text, path, line);
    if (images && record.images) record.images = await images.resolveAll(record.images);
    return { record, source: { file: path, line } };
  } catch (error) {
    if (!(error instanceof TraceParseError)) throw error;
    return { error: error.toLineError() };
  }
}
