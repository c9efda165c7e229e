// "Convert Rollout Log" / "Open Trace Viewer" on a non-trace file (issue 22, "open anything"): the
// extension converts in a child process (the bundled CLI; here the TypeScript one).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertedPath, runConvert } from "../../src/extension/traces/convertLog";

const root = join(__dirname, "../..");
const cli = { cli: join(root, "src/cli/main.ts"), execArgv: ["--import", "tsx"] };

test("where a converted log goes: beside the file, or beside the folder", () => {
  assert.equal(convertedPath("/d/rollouts/3.jsonl", false), "/d/rollouts/3.trace.jsonl");
  assert.equal(convertedPath("/d/completions_00010.parquet", false), "/d/completions_00010.trace.jsonl");
  assert.equal(convertedPath("/d/dump.jsonl.gz", false), "/d/dump.trace.jsonl");
  assert.equal(convertedPath("/d/rollout_data_dir/", true), "/d/rollout_data_dir.trace.jsonl");
});

test("a verl rollout folder converts off the extension host; the trainer's score stays in the trace; errors name the input", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-convert-ext-"));
  try {
    cpSync(join(root, "test/fixtures/upstream/verl/rollout_data_dir"), join(dir, "rollout_data_dir"), { recursive: true });
    const out = join(dir, "rollout_data_dir.trace.jsonl");
    const result = await runConvert({ ...cli, input: join(dir, "rollout_data_dir"), out });
    assert.deepEqual([result.format, result.files, result.samples], ["verl", 2, 7]);
    const first = JSON.parse(readFileSync(out, "utf8").split("\n")[0]) as { rewards: Record<string, number> };
    assert.equal(first.rewards.score, 1, "verl's own score is a column beside the user's rewards");
    await assert.rejects(runConvert({ ...cli, input: join(dir, "missing.jsonl"), out: join(dir, "x.trace.jsonl") }), /cannot read .*missing\.jsonl/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
