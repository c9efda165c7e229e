import { test, mock } from "node:test";
import assert from "node:assert/strict";
import fs, { mkdtempSync, readFileSync } from "node:fs";
import fsPromises from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";

const fixtures = join(__dirname, "../fixtures/score-out");

async function run(args: string[], cwd: string) {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, interactive: false });
  return { code, stdout, stderr };
}

/** The fixture's expected output, written by `score --out` when it read the input a second time (commit e486e9c). */
function expected(name: string): string {
  return readFileSync(join(fixtures, name), "utf8").replaceAll("<fixtures>", fixtures);
}

test("score --out from the workers' line parts is byte-identical to re-reading the input (BOM, CRLF, spacing, \\u, scores present, NaN, malformed, bad UTF-8, gzip)", async () => {
  const out = mkdtempSync(join(tmpdir(), "rl-score-out-"));
  // A trace written while it is scored, then a gzip copy written from the input through its importer.
  const both = await run(["score", "tricky.trace.jsonl", "tricky-copy.trace.jsonl.gz", "--rewards", "tricky.reward.ts", "--out", join(out, "tricky.jsonl")], fixtures);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stdout, /8 malformed line\(s\) skipped/);
  assert.equal(readFileSync(join(out, "tricky.jsonl"), "utf8"), expected("tricky.expected.jsonl"));
  // Groups that come back after another began: the stream gives up and the file is written from the input.
  const recurring = await run(["score", "recurring.trace.jsonl", "--rewards", "tricky.reward.ts", "--out", join(out, "recurring.jsonl")], fixtures);
  assert.equal(recurring.code, 0, recurring.stderr);
  assert.equal(readFileSync(join(out, "recurring.jsonl"), "utf8"), expected("recurring.expected.jsonl"));
});

test("score --out does not read the input a second time: it opens the input as often as scoring without --out", async () => {
  const input = join(fixtures, "tricky.trace.jsonl");
  const out = mkdtempSync(join(tmpdir(), "rl-score-reads-"));
  const opens = async (args: string[]) => {
    // Every way the CLI reads a file: streams (readLines, importers) and file handles (chunks, sniffing).
    const streams = mock.method(fs, "createReadStream");
    const handles = mock.method(fsPromises, "open");
    try {
      const { code, stderr } = await run(["score", input, "--rewards", "tricky.reward.ts", ...args], fixtures);
      assert.equal(code, 0, stderr);
      return [...streams.mock.calls, ...handles.mock.calls].filter((call) => call.arguments[0] === input).length;
    } finally {
      streams.mock.restore();
      handles.mock.restore();
    }
  };
  const without = await opens([]);
  assert.ok(without > 0, "the spies see the scoring read");
  assert.equal(await opens(["--out", join(out, "o.jsonl")]), without);
  assert.equal(readFileSync(join(out, "o.jsonl"), "utf8"), expected("tricky.expected.jsonl").split("\n").slice(0, 15).join("\n") + "\n");
});
