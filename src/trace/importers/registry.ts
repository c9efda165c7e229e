/**
 * The one list of formats. `detect` probes a file's first rows and asks every importer how sure
 * it is; the most confident one above a floor wins. Adding a format = one `register` line.
 */
import { basename } from "node:path";
import { mathShepherdImporter, prm800kImporter, trlStepwiseImporter } from "./formats/process";
import { processBenchImporter, visualProcessBenchImporter } from "./formats/processBench";
import { easyr1Importer, verlDatasetImporter } from "./formats/datasets";
import { openrlhfRemoteRmImporter, openrlhfVisionImporter } from "./formats/openrlhf";
import { traceImporter } from "./formats/trace";
import { trlImporter } from "./formats/trl";
import { verlImporter } from "./formats/verl";
import { verifiersImporter } from "./formats/verifiers";
import { loggingBoardImporter } from "./formats/loggingBoard";
import { UnknownFormatError } from "./errors";
import { probeFile } from "./rows";
import type { ImportItem, ImportOptions, ImportProbe, Importer } from "./types";

/** Below this confidence a format is not claimed. */
export const MIN_CONFIDENCE = 0.3;

export { UnknownFormatError };

export interface Detection {
  importer: Importer;
  confidence: number;
  /** Every importer's confidence, best first (for `--json` and diagnostics). */
  candidates: { name: string; confidence: number }[];
}

export class ImporterRegistry {
  private readonly byName = new Map<string, Importer>();

  /** Adds an importer. @throws Error when the name is taken. */
  register(importer: Importer): this {
    if (this.byName.has(importer.name)) throw new Error(`importer "${importer.name}" is already registered`);
    this.byName.set(importer.name, importer);
    return this;
  }

  /** @throws UnknownFormatError naming the valid formats. */
  get(name: string): Importer {
    const importer = this.byName.get(name);
    if (!importer) throw new UnknownFormatError(`unknown format "${name}". Supported formats: ${this.names().join(", ")}`);
    return importer;
  }

  list(): Importer[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The most confident importer for a probe, or undefined when none reaches `MIN_CONFIDENCE`. Ties go to the earlier registration. */
  detect(probe: ImportProbe): Detection | undefined {
    const candidates = this.list()
      .map((importer) => ({ importer, confidence: clamp(importer.detect(probe)) }))
      .sort((a, b) => b.confidence - a.confidence);
    const best = candidates[0];
    if (!best || best.confidence < MIN_CONFIDENCE) return undefined;
    return { importer: best.importer, confidence: best.confidence, candidates: candidates.map((c) => ({ name: c.importer.name, confidence: round(c.confidence) })) };
  }

  /**
   * Probes a file and detects its format. A `*.trace.jsonl` (or `.trace.jsonl.gz`) file is always a trace (whatever its
   * first lines hold: malformed lines are reported one by one, an empty file has no samples).
   * @throws UnknownFormatError listing the supported formats.
   */
  async detectFile(path: string): Promise<Detection> {
    const trace = this.byName.get(TRACE_FORMAT);
    if (trace && TRACE_SUFFIXES.some((suffix) => path.toLowerCase().endsWith(suffix))) return { importer: trace, confidence: 1, candidates: [{ name: TRACE_FORMAT, confidence: 1 }] };
    const probe = await probeFile(path);
    const detection = this.detect(probe);
    if (detection) return detection;
    const seen = probe.rows.length === 0 ? "no readable rows" : `rows with keys ${probe.columns.slice(0, 12).join(", ")}`;
    const formats = this.list().map((importer) => `  ${importer.name}: ${importer.summary}`).join("\n");
    throw new UnknownFormatError(`cannot tell the format of ${basename(path)} (${probe.container}, ${seen}). Supported formats:\n${formats}\nName one with --format NAME.`);
  }
}

/** RewardLab's own format and the file name that promises it. */
const TRACE_FORMAT = "trace";
const TRACE_SUFFIXES = [".trace.jsonl", ".trace.jsonl.gz"];

function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** All built-in formats. Order breaks ties: more specific formats first. */
export const importers = new ImporterRegistry()
  .register(verlImporter)
  .register(verifiersImporter)
  .register(loggingBoardImporter)
  .register(trlImporter)
  .register(openrlhfRemoteRmImporter)
  .register(openrlhfVisionImporter)
  .register(easyr1Importer)
  .register(verlDatasetImporter)
  .register(prm800kImporter)
  .register(trlStepwiseImporter)
  .register(mathShepherdImporter)
  .register(processBenchImporter)
  .register(visualProcessBenchImporter)
  .register(traceImporter);

export interface OpenImportOptions extends ImportOptions {
  /** Format name; detected from the content when absent. */
  format?: string;
  registry?: ImporterRegistry;
}

export interface OpenedImport {
  importer: Importer;
  /** 1 when the format was named, else the detection confidence. */
  confidence: number;
  items: AsyncGenerator<ImportItem>;
}

/** Picks the importer (named or detected) and starts streaming. @throws UnknownFormatError */
export async function openImport(path: string, options: OpenImportOptions = {}): Promise<OpenedImport> {
  const { format, registry = importers, ...importOptions } = options;
  if (format !== undefined) {
    const importer = registry.get(format);
    return { importer, confidence: 1, items: importer.read(path, importOptions) };
  }
  const detection = await registry.detectFile(path);
  return { importer: detection.importer, confidence: detection.confidence, items: detection.importer.read(path, importOptions) };
}

/** Streams the records of any supported file (format named or detected). @throws UnknownFormatError */
export async function* importFile(path: string, options: OpenImportOptions = {}): AsyncGenerator<ImportItem> {
  const { items } = await openImport(path, options);
  yield* items;
}
