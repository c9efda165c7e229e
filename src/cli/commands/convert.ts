import { basename, dirname, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EmptyInputFolderError, NotARegularFileError, UnknownFormatError, expandInput, importers, openImport } from "../../trace/importers/index";
import { SameFileError, createAtomicWriter } from "../../trace/io";
import type { ConvertJson } from "../../protocol/convert";
import type { MissingImage } from "../../trace/importers/index";
import type { TraceLineError } from "../../trace/types";
import { CliError, type CliCommand, type CliIO } from "../command";
import { num, progressLine } from "../format";

const usage = `rewardlab convert <file|folder> --out FILE.trace.jsonl [options]

Converts a trainer log or dataset to RewardLab's trace JSONL. The format is detected from the
file's content (first rows / parquet columns) unless --format names it. A folder (verl's
rollout_data_dir of {step}.jsonl, TRL's completions/) converts its .jsonl / .jsonl.gz / .parquet
files into one trace, in step order, with the format detected on the first; .gz is decompressed
as it is read.

Options:
  --out FILE             output trace file (written atomically; never the input file)
  --format NAME          skip detection: ${importers.names().join(" | ")}
  --reward-columns A,B   TRL: the columns that are reward functions (default: every numeric column
                         that is not step/advantage)
  --image-dir DIR        folder relative image paths are relative to (EasyR1: its data.image_dir,
                         or the directory it was run from); default: the input file's folder.
                         Paths that name no file are reported
  --json                 print one JSON object {input, output, format, samples, groups, malformed_lines,
                         missing_images, ...}

Image bytes stored inside the source (parquet) are written once each to <out name>.images/ beside
the output; image paths are rewritten relative to the output file.

Exit codes: 0 converted (malformed lines are reported, not fatal); 1 nothing could be converted;
2 usage error, unreadable input or unknown format.`;

/** Malformed lines printed in the human summary; --json lists them all. */
const SHOWN_ERRORS = 20;
/** Missing images listed (--json) and kept in memory; the count covers all of them. */
const MAX_LISTED_MISSING = 1000;
const SHOWN_MISSING = 3;

/** The run as it goes: the counts `--json` prints (absolute paths here), plus what the summaries need. */
interface ConvertSummary extends Pick<ConvertJson, "input" | "files" | "output" | "format" | "confidence" | "samples" | "groups" | "images"> {
  /** Relative image paths that name no file: the first MAX_LISTED_MISSING, and how many in all. */
  missingImages: MissingImage[];
  missingImageCount: number;
  imageDir: string | undefined;
  malformed: TraceLineError[];
  elapsedMs: number;
}

export const convertCommand: CliCommand = {
  name: "convert",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        format: { type: "string" },
        "reward-columns": { type: "string" },
        "image-dir": { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) throw new CliError("give exactly one input file or folder. Usage: rewardlab convert <file|folder> --out FILE.trace.jsonl");
    if (!values.out) throw new CliError("--out FILE.trace.jsonl is required");
    const input = resolve(io.cwd, positionals[0]);
    const output = resolve(io.cwd, values.out);
    const imageDir = values["image-dir"] === undefined ? undefined : resolve(io.cwd, values["image-dir"]);
    const summary = await convert(input, output, { format: values.format, rewardColumns: values["reward-columns"], imageDir }, io);
    io.stdout((values.json ? JSON.stringify(jsonSummary(summary, io.cwd)) : humanSummary(summary, io.cwd)) + "\n");
    return summary.samples === 0 && summary.malformed.length > 0 ? 1 : 0;
  },
};

/** The images folder for an output: `run.trace.jsonl` -> `run.trace.images/`. */
export function imagesDirFor(output: string): string {
  return `${output.replace(/\.jsonl$/i, "")}.images`;
}

interface ConvertOptions {
  format?: string;
  rewardColumns?: string;
  imageDir?: string;
}

async function convert(input: string, output: string, { format, rewardColumns, imageDir }: ConvertOptions, io: CliIO): Promise<ConvertSummary> {
  const files = await expandInput(input).catch((error: unknown) => {
    if (error instanceof EmptyInputFolderError || error instanceof NotARegularFileError) throw new CliError(error.message);
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new CliError(`cannot read ${input}: no such file or folder`);
    throw error;
  });
  let writer;
  try {
    writer = createAtomicWriter(output, { inputs: files });
  } catch (error) {
    if (error instanceof SameFileError) throw new CliError(error.message);
    throw error;
  }
  const started = performance.now();
  const summary: ConvertSummary = { input, files: files.length, output, format: "", confidence: 0, samples: 0, groups: 0, images: 0, missingImages: [], missingImageCount: 0, imageDir, malformed: [], elapsedMs: 0 };
  const groups = new Set<string>();
  const images = new Set<string>();
  try {
    for (const file of files) await convertFile(file, { format: format ?? (summary.format || undefined), output, rewardColumns, summary, groups, images, writer, io });
    if (io.interactive && summary.samples >= 10_000) io.stderr(progressLine("") + "\r");
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  summary.groups = groups.size;
  summary.images = images.size;
  summary.elapsedMs = performance.now() - started;
  return summary;
}

interface ConvertTarget {
  /** Named by --format, or the format detected on the folder's first file. */
  format: string | undefined;
  output: string;
  rewardColumns: string | undefined;
  summary: ConvertSummary;
  groups: Set<string>;
  images: Set<string>;
  writer: { write(chunk: string): Promise<void> };
  io: CliIO;
}

/** Appends one source file's records to the output. */
async function convertFile(input: string, target: ConvertTarget): Promise<void> {
  const { summary, groups, images, writer, io } = target;
  const opened = await openImport(input, {
    format: target.format,
    baseDir: dirname(target.output),
    imageCacheDir: imagesDirFor(target.output),
    rewardColumns: target.rewardColumns?.split(",").map((column) => column.trim()).filter(Boolean),
    imageDir: summary.imageDir,
    onMissingImage: (missing) => {
      if (summary.missingImageCount++ < MAX_LISTED_MISSING) summary.missingImages.push(missing);
    },
  }).catch((error: unknown) => {
    if (error instanceof UnknownFormatError) throw new CliError(error.message);
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new CliError(`cannot read ${input}: no such file`);
    throw error;
  });
  if (!summary.format) {
    summary.format = opened.importer.name;
    summary.confidence = opened.confidence;
  }
  for await (const item of opened.items) {
    if ("error" in item) {
      summary.malformed.push(item.error);
      continue;
    }
    const { record } = item;
    let text: string;
    try {
      text = JSON.stringify(record);
    } catch (error) {
      // JSON.stringify recurses: a value nested thousands deep overflows the stack. That record
      // is reported like any malformed line; the rest of the file converts.
      if (!(error instanceof RangeError)) throw error;
      summary.malformed.push({ file: input, line: item.source.line ?? (item.source.row ?? 0) + 1, ...(item.source.row !== undefined ? { row: item.source.row } : {}), message: `cannot be written: ${error.message} (a value nested too deep)` });
      continue;
    }
    await writer.write(text + "\n");
    summary.samples++;
    if (record.group !== undefined) groups.add(String(record.group));
    for (const image of record.images ?? []) images.add(image);
    if (io.interactive && summary.samples % 10_000 === 0) io.stderr(progressLine(`converting ${basename(input)}: ${num(summary.samples)} samples`));
  }
}

function location(error: TraceLineError, cwd: string): string {
  const where = error.row !== undefined ? `row ${error.row}` : String(error.line);
  return `${relative(cwd, error.file) || error.file}:${where}`;
}

function humanSummary(summary: ConvertSummary, cwd: string): string {
  const detected = summary.confidence < 1 ? `detected, confidence ${num(summary.confidence)}` : "named";
  const lines = [
    `${relative(cwd, summary.input)}${summary.files > 1 ? ` (${num(summary.files)} files)` : ""} (${summary.format}, ${detected}) -> ${relative(cwd, summary.output)}`,
    `  ${num(summary.samples)} samples, ${num(summary.groups)} groups, ${num(summary.images)} images, ` +
      `${num(summary.malformed.length)} malformed lines, ${num(Math.round(summary.elapsedMs))} ms`,
  ];
  if (summary.missingImageCount > 0) {
    const where = summary.imageDir ? `under --image-dir ${relative(cwd, summary.imageDir) || "."}` : "beside the input file";
    lines.push(`  ${num(summary.missingImageCount)} image path(s) name no file ${where} (kept as written), e.g.:`);
    for (const missing of summary.missingImages.slice(0, SHOWN_MISSING)) lines.push(`    ${missing.reference} -> ${relative(cwd, missing.path)}`);
    if (!summary.imageDir) lines.push("  EasyR1 resolves image paths against its data.image_dir (or the directory training ran from): say where with --image-dir DIR.");
  }
  for (const error of summary.malformed.slice(0, SHOWN_ERRORS)) lines.push(`  ${location(error, cwd)}: ${error.message}`);
  if (summary.malformed.length > SHOWN_ERRORS) lines.push(`  ... and ${num(summary.malformed.length - SHOWN_ERRORS)} more (--json lists all)`);
  return lines.join("\n");
}

function jsonSummary(summary: ConvertSummary, cwd: string): ConvertJson {
  return {
    input: relative(cwd, summary.input),
    files: summary.files,
    output: relative(cwd, summary.output),
    format: summary.format,
    confidence: summary.confidence,
    samples: summary.samples,
    groups: summary.groups,
    images: summary.images,
    missing_images: summary.missingImageCount,
    missing_image_paths: summary.missingImages.map((m) => ({ file: relative(cwd, m.file) || m.file, reference: m.reference, path: m.path })),
    malformed_lines: summary.malformed.map((error) => ({ ...error, file: relative(cwd, error.file) || error.file })),
    elapsed_ms: Math.round(summary.elapsedMs),
  };
}
