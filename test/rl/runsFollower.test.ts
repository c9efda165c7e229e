import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunFollower } from "../../src/rl/runFollower";
import type { MetricRow, MetricsChunk, RunEntry } from "../../src/rl/runs";

const info = (status: string, done: number) =>
  JSON.stringify({ id: "r", preset: "grpo", status, startedAt: "2026-11-23T07:30:00Z", steps: { done, total: 4 }, rewards: { version: "v", files: [] } });

/** Resolves once `predicate` holds, polling; fails after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the follower");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("RunFollower reports what is there, then appended metrics and run.json rewrites", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-follow-"));
  writeFileSync(join(dir, "run.json"), info("running", 1));
  writeFileSync(join(dir, "metrics.jsonl"), '{"step": 1, "reward/total/mean": 0.1}\n{"step": 2, "rew');
  const rows: MetricRow[] = [];
  const chunks: MetricsChunk[] = [];
  const infos: RunEntry[] = [];
  const follower = new RunFollower(dir, { onMetrics: (c) => (chunks.push(c), rows.push(...c.rows)), onInfo: (e) => infos.push(e) }, { throttleMs: 20, pollMs: 200 });
  await follower.start();
  assert.deepEqual(rows.map((r) => r.step), [1]);
  assert.equal(infos.at(-1)?.state, "running");

  appendFileSync(join(dir, "metrics.jsonl"), 'ard/total/mean": 0.2}\n{"step": 3, "reward/total/mean": 0.3}\n');
  await until(() => rows.length === 3);
  assert.deepEqual(rows.map((r) => r.step), [1, 2, 3]);

  // The trainer rewrites run.json atomically (temp file + rename).
  writeFileSync(join(dir, ".run.json.tmp"), info("completed", 3));
  renameSync(join(dir, ".run.json.tmp"), join(dir, "run.json"));
  await until(() => infos.at(-1)?.state === "completed");
  assert.equal(infos.at(-1)?.info?.steps.done, 3);
  // Rewriting run.json does not re-send metrics.
  assert.equal(rows.length, 3);
  assert.equal(chunks.every((c) => !c.reset), true);
  follower.dispose();
  appendFileSync(join(dir, "metrics.jsonl"), '{"step": 4}\n');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(rows.length, 3, "nothing is reported after dispose");
});

test("RunFollower: a burst of appends costs a few reads, not one per line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-follow-"));
  writeFileSync(join(dir, "run.json"), info("running", 0));
  writeFileSync(join(dir, "metrics.jsonl"), "");
  let reports = 0;
  let rows = 0;
  const follower = new RunFollower(dir, { onMetrics: (c) => ((reports += 1), (rows += c.rows.length)), onInfo: () => undefined }, { throttleMs: 100, pollMs: 1000 });
  await follower.start();
  for (let step = 1; step <= 200; step++) appendFileSync(join(dir, "metrics.jsonl"), `{"step": ${step}}\n`);
  await until(() => rows === 200);
  assert.ok(reports <= 5, `${reports} reports for 200 lines`);
  follower.dispose();
});
