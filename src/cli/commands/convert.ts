import { basename, dirname, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { UnknownFormatError, importers, openImport } from "../../trace/importers/index";
import { SameFileError, createAtomicWriter } from "../../trace/io";
import type { TraceLineError } from "../../trace/types";
import { CliError, type CliCommand, type CliIO } from "../command";
import { num, progressLine } from "../format";

const usage = `rewardlab convert <file> --out FILE.trace.jsonl [options]

Converts a trainer log or dataset to RewardLab's trace JSONL. The format is detected from the
file's content (first rows / parquet columns) unless --format names it.

Options:
  --out FILE             output trace file (written atomically; never the input file)
  --format NAME          skip detection: ${importers.names().join(" | ")}
  --reward-columns A,B   TRL: the columns that are reward functions (default: every numeric column
                         that is not step/advantage)
  --json                 print one JSON object {input, output, format, samples, groups, malformed_lines, ...}

Image bytes stored inside the source (parquet) are written once each to <out name>.images/ beside
the output; image paths are rewritten relative to the output file.

Exit codes: 0 converted (malformed lines are reported, not fatal); 1 nothing could be converted;
2 usage error, unreadable input or unknown format.`;

/** Malformed lines printed in the human summary; --json lists them all. */
const SHOWN_ERRORS = 20;

interface ConvertSummary {
  input: string;
  output: string;
  format: string;
  confidence: number;
  samples: number;
  groups: number;
  images: number;
  malformed: TraceLineError[];
  elapsedMs: number;
}

export const convertCommand: CliCommand = {
  name: "convert",
  summary: "convert a verl / TRL / OpenRLHF / EasyR1 / PRM800K / Math-Shepherd file to trace JSONL",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        format: { type: "string" },
        "reward-columns": { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) throw new CliError("give exactly one input file. Usage: rewardlab convert <file> --out FILE.trace.jsonl");
    if (!values.out) throw new CliError("--out FILE.trace.jsonl is required");
    const input = resolve(io.cwd, positionals[0]);
    const output = resolve(io.cwd, values.out);
    const summary = await convert(input, output, values.format, values["reward-columns"], io);
    io.stdout((values.json ? JSON.stringify(jsonSummary(summary, io.cwd)) : humanSummary(summary, io.cwd)) + "\n");
    return summary.samples === 0 && summary.malformed.length > 0 ? 1 : 0;
  },
};

/** The images folder for an output: `run.trace.jsonl` -> `run.trace.images/`. */
export function imagesDirFor(output: string): string {
  return `${output.replace(/\.jsonl$/i, "")}.images`;
}

async function convert(input: string, output: string, format: string | undefined, rewardColumns: string | undefined, io: CliIO): Promise<ConvertSummary> {
  let writer;
  try {
    writer = createAtomicWriter(output, { inputs: [input] });
  } catch (error) {
    if (error instanceof SameFileError) throw new CliError(error.message);
    throw error;
  }
  const started = performance.now();
  const summary: ConvertSummary = { input, output, format: "", confidence: 0, samples: 0, groups: 0, images: 0, malformed: [], elapsedMs: 0 };
  const groups = new Set<string>();
  const images = new Set<string>();
  try {
    const opened = await openImport(input, {
      format,
      baseDir: dirname(output),
      imageCacheDir: imagesDirFor(output),
      rewardColumns: rewardColumns?.split(",").map((column) => column.trim()).filter(Boolean),
    }).catch((error: unknown) => {
      if (error instanceof UnknownFormatError) throw new CliError(error.message);
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new CliError(`cannot read ${input}: no such file`);
      throw error;
    });
    summary.format = opened.importer.name;
    summary.confidence = opened.confidence;
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

function location(error: TraceLineError, cwd: string): string {
  const where = error.row !== undefined ? `row ${error.row}` : String(error.line);
  return `${relative(cwd, error.file) || error.file}:${where}`;
}

function humanSummary(summary: ConvertSummary, cwd: string): string {
  const detected = summary.confidence < 1 ? `detected, confidence ${num(summary.confidence)}` : "named";
  const lines = [
    `${relative(cwd, summary.input)} (${summary.format}, ${detected}) -> ${relative(cwd, summary.output)}`,
    `  ${num(summary.samples)} samples, ${num(summary.groups)} groups, ${num(summary.images)} images, ` +
      `${num(summary.malformed.length)} malformed lines, ${num(Math.round(summary.elapsedMs))} ms`,
  ];
  for (const error of summary.malformed.slice(0, SHOWN_ERRORS)) lines.push(`  ${location(error, cwd)}: ${error.message}`);
  if (summary.malformed.length > SHOWN_ERRORS) lines.push(`  ... and ${num(summary.malformed.length - SHOWN_ERRORS)} more (--json lists all)`);
  return lines.join("\n");
}

function jsonSummary(summary: ConvertSummary, cwd: string): Record<string, unknown> {
  return {
    input: relative(cwd, summary.input),
    output: relative(cwd, summary.output),
    format: summary.format,
    confidence: summary.confidence,
    samples: summary.samples,
    groups: summary.groups,
    images: summary.images,
    malformed_lines: summary.malformed.map((error) => ({ ...error, file: relative(cwd, error.file) || error.file })),
    elapsed_ms: Math.round(summary.elapsedMs),
  };
}
