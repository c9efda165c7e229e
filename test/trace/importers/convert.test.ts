import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertCommand } from "../../../src/cli/commands/convert";
import { CliError, type CliIO } from "../../../src/cli/command";
import { importFile } from "../../../src/trace/importers/index";
import { readTrace } from "../../../src/trace/reader";
import type { TraceRecord } from "../../../src/trace/types";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "importers");

function run(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, interactive: false };
  return convertCommand.run(argv, io).then((code) => ({ code, stdout, stderr }));
}

function withTempDir(body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-convert-"));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function readRecords(path: string): Promise<TraceRecord[]> {
  const records: TraceRecord[] = [];
  for await (const entry of readTrace(path)) {
    assert.ok("record" in entry, `line ${entry.line} of the output is valid`);
    records.push(entry.record);
  }
  return records;
}

test(
  "convert writes trace JSONL and reports malformed lines with file:line",
  withTempDir(async (dir) => {
    const input = join(dir, "broken.jsonl");
    copyFileSync(join(FIXTURES, "verl", "broken.jsonl"), input);
    const { code, stdout } = await run(["broken.jsonl", "--out", "out.trace.jsonl", "--format", "verl"], dir);
    assert.equal(code, 0);
    assert.match(stdout, /broken\.jsonl \(verl, named\) -> out\.trace\.jsonl/);
    assert.match(stdout, /1 samples, 1 groups, 0 images, 3 malformed lines/);
    assert.match(stdout, /broken\.jsonl:2: invalid JSON/);
    assert.match(stdout, /broken\.jsonl:5: invalid JSON: the file ends in the middle/);
    assert.equal((await readRecords(join(dir, "out.trace.jsonl"))).length, 1);
  }),
);

test(
  "convert --json prints one object with the counts and every malformed line",
  withTempDir(async (dir) => {
    copyFileSync(join(FIXTURES, "verl", "12.jsonl"), join(dir, "12.jsonl"));
    const { code, stdout } = await run(["12.jsonl", "--out", "o.trace.jsonl", "--json"], dir);
    assert.equal(code, 0);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(summary.format, "verl");
    assert.equal(summary.samples, 3);
    assert.equal(summary.groups, 2);
    assert.deepEqual(summary.malformed_lines, []);
    assert.equal(summary.output, "o.trace.jsonl");
  }),
);

test(
  "round trip: converted TRL parquet re-reads to the same samples, images resolve from the output",
  withTempDir(async (dir) => {
    const out = join(dir, "nested", "run.trace.jsonl");
    const input = join(FIXTURES, "trl", "completions", "train", "completions_00020.parquet");
    const { code } = await run([input, "--out", out], dir);
    assert.equal(code, 0);
    const written = await readRecords(out);
    assert.equal(written.length, 2);
    assert.match(written[0].images?.[0] ?? "", /^run\.trace\.images\/[0-9a-f]{40}\.png$/);
    assert.ok(existsSync(join(dir, "nested", written[0].images?.[0] ?? "")));
    // Reading the output through the importers detects the trace format and changes nothing.
    const reread: TraceRecord[] = [];
    for await (const item of importFile(out)) if ("record" in item) reread.push(item.record);
    assert.deepEqual(reread, written);
    assert.deepEqual((written[0].meta?.source as { extra: { mode: string } }).extra.mode, "train");
  }),
);

test(
  "convert refuses to overwrite its input",
  withTempDir(async (dir) => {
    const input = join(dir, "12.jsonl");
    copyFileSync(join(FIXTURES, "verl", "12.jsonl"), input);
    const before = readFileSync(input, "utf8");
    await assert.rejects(run(["12.jsonl", "--out", "./12.jsonl"], dir), (error: Error) => error instanceof CliError && /Refusing to write/.test(error.message));
    assert.equal(readFileSync(input, "utf8"), before);
  }),
);

test(
  "convert names the supported formats when it cannot tell the format",
  withTempDir(async (dir) => {
    await assert.rejects(
      run([join(FIXTURES, "unknown", "metrics.jsonl"), "--out", "x.trace.jsonl"], dir),
      (error: Error) => error instanceof CliError && /Supported formats:/.test(error.message) && /math-shepherd/.test(error.message),
    );
    assert.equal(existsSync(join(dir, "x.trace.jsonl")), false);
    await assert.rejects(run(["a.jsonl"], dir), /--out/);
  }),
);
