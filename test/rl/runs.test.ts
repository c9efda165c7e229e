import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deleteRun, listRuns, listStepFiles, METRICS_START, nearestStep, readMetrics, readRunInfo, RunDeleteRefused, stepFile } from "../../src/rl/runs";

function runInfo(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    preset: "grpo",
    settings: { adv_estimator: "grpo", total_steps: 10 },
    status: "completed",
    startedAt: "2026-11-23T07:30:00.000Z",
    updatedAt: "2026-11-23T07:40:00.000Z",
    steps: { done: 10, total: 10 },
    rewards: { version: "a1b2c3d4e5f6", files: [{ path: "rewards/accuracy.reward.ts", sha256: "0".repeat(64), names: ["accuracy"] }] },
    best: { step: 10, accuracy: 0.6 },
    checkpoints: ["checkpoints/step-00010"],
    ...overrides,
  };
}

function makeRun(runsDir: string, id: string, info: unknown): string {
  const dir = join(runsDir, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "run.json"), typeof info === "string" ? info : JSON.stringify(info));
  return dir;
}

const tempRuns = () => mkdtempSync(join(tmpdir(), "rl-runs-"));

test("listRuns: newest first; a broken run.json is listed as unreadable with its path; other folders are skipped", async () => {
  const runs = tempRuns();
  makeRun(runs, "old", runInfo("old", { startedAt: "2026-11-20T00:00:00Z" }));
  makeRun(runs, "new", runInfo("new", { startedAt: "2026-11-23T00:00:00Z" }));
  makeRun(runs, "broken", '{"id": "broken", "status": ');
  makeRun(runs, "wrong", runInfo("wrong", { steps: { done: "3", total: 10 }, status: "paused" }));
  mkdirSync(join(runs, "notes")); // not a run: nothing run-like in it
  mkdirSync(join(runs, "crashed/rollouts"), { recursive: true }); // a run that never wrote run.json
  const listed = await listRuns(runs);
  assert.deepEqual(listed.map((r) => r.id).sort(), ["broken", "crashed", "new", "old", "wrong"]);
  assert.ok(listed.findIndex((r) => r.id === "new") < listed.findIndex((r) => r.id === "old"));
  const broken = listed.find((r) => r.id === "broken")!;
  assert.equal(broken.state, "unreadable");
  assert.match(broken.state === "unreadable" ? broken.error : "", /broken[\\/]run\.json: not valid JSON/);
  const wrong = listed.find((r) => r.id === "wrong")!;
  assert.equal(wrong.state, "unreadable");
  assert.match(wrong.state === "unreadable" ? wrong.error : "", /status: .*steps\.done: .*expected number/s);
  const crashed = listed.find((r) => r.id === "crashed")!;
  assert.match(crashed.state === "unreadable" ? crashed.error : "", /has no run\.json/);
  assert.deepEqual(await listRuns(join(runs, "does-not-exist")), []);
});

test("readRunInfo: keeps unknown keys; a running run whose process is gone is interrupted", async () => {
  const runs = tempRuns();
  const alive = await readRunInfo(makeRun(runs, "a", runInfo("a", { status: "running", pid: process.pid, extra: { note: 1 } })));
  assert.equal(alive.state, "running");
  assert.deepEqual((alive.info as Record<string, unknown>).extra, { note: 1 });
  const dead = await readRunInfo(makeRun(runs, "b", runInfo("b", { status: "running", pid: await exitedPid() })));
  assert.equal(dead.state, "interrupted");
  const failed = await readRunInfo(makeRun(runs, "c", runInfo("c", { status: "failed", error: "out of memory" })));
  assert.equal(failed.state, "failed");
  assert.equal(failed.info?.error, "out of memory");
});

/** The id of a process that has exited (and been reaped). */
function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  return new Promise((resolve) => child.on("exit", () => resolve(child.pid!)));
}

test("readMetrics: incremental tail; a partial last line waits; bad lines are reported with their line numbers", async () => {
  const dir = tempRuns();
  const file = join(dir, "metrics.jsonl");
  assert.deepEqual((await readMetrics(file)).rows, [], "a missing file has no rows yet");
  writeFileSync(file, '{"step": 0, "eval/accuracy": 0.3}\n{"step": 1, "reward/total/mean": 0.5, "note": "x"}\n{"step": 2, "reward/to');
  const first = await readMetrics(file);
  assert.deepEqual(first.rows, [{ step: 0, "eval/accuracy": 0.3 }, { step: 1, "reward/total/mean": 0.5 }]);
  assert.deepEqual(first.next.line, 2);
  const unchanged = await readMetrics(file, first.next);
  assert.deepEqual(unchanged.rows, []);
  assert.deepEqual(unchanged.next, first.next);
  appendFileSync(file, 'tal/mean": 0.6}\nnot json\n\n{"step": -1}\n[1]\n{"step": 3, "actor/kl": 0.01}\n');
  const second = await readMetrics(file, first.next);
  assert.deepEqual(second.rows, [{ step: 2, "reward/total/mean": 0.6 }, { step: 3, "actor/kl": 0.01 }]);
  assert.deepEqual(second.problems.map((p) => p.line), [4, 6, 7]);
  assert.match(second.problems[0].message, /not valid JSON/);
  assert.match(second.problems[1].message, /"step" must be a non-negative integer, found -1/);
  assert.match(second.problems[2].message, /one JSON object per line/);
  assert.equal(second.next.line, 8);
  // Read from the start in one go: the same rows and line numbers.
  const whole = await readMetrics(file, METRICS_START);
  assert.deepEqual(whole.rows.map((r) => r.step), [0, 1, 2, 3]);
  assert.deepEqual(whole.problems.map((p) => p.line), [4, 6, 7]);
});

test("readMetrics: `final` reads a whole last line without newline, not a partial one; a rewritten (shorter) file starts over", async () => {
  const dir = tempRuns();
  const file = join(dir, "metrics.jsonl");
  writeFileSync(file, '{"step": 1, "a": 1}\n{"step": 2, "a": 2}');
  const partial = await readMetrics(file);
  assert.equal(partial.rows.length, 1);
  const final = await readMetrics(file, partial.next, { final: true });
  assert.deepEqual(final.rows, [{ step: 2, a: 2 }]);
  assert.deepEqual(final.next, { byte: 39, line: 1 });
  // The newline arrives after all, then a partial line that `final` must leave alone, then a bad line.
  appendFileSync(file, '\n{"step": 3, "a"');
  const half = await readMetrics(file, final.next, { final: true });
  assert.deepEqual([half.rows, half.problems], [[], []]);
  appendFileSync(file, ': 3}\nbad\n');
  const rest = await readMetrics(file, half.next, { final: true });
  assert.deepEqual(rest.rows, [{ step: 3, a: 3 }]);
  assert.deepEqual(rest.problems.map((p) => p.line), [4]);
  writeFileSync(file, '{"step": 1, "a": 9}\n');
  const rewritten = await readMetrics(file, final.next);
  assert.equal(rewritten.reset, true);
  assert.deepEqual(rewritten.rows, [{ step: 1, a: 9 }]);
  assert.deepEqual(rewritten.next, { byte: 20, line: 1 });
});

test("readMetrics: multi-byte characters split across reads do not break lines", async () => {
  const dir = tempRuns();
  const file = join(dir, "metrics.jsonl");
  writeFileSync(file, Buffer.from('{"step": 1, "note": "héllo ✓"}\n{"step": 2, "note": "✓'));
  const first = await readMetrics(file);
  appendFileSync(file, '✓"}\n');
  const second = await readMetrics(file, first.next);
  assert.deepEqual([...first.rows, ...second.rows].map((r) => r.step), [1, 2]);
  assert.deepEqual(second.problems, []);
});

test("step files: by step, sorted; nearest step", async () => {
  const run = tempRuns();
  for (const step of [20, 3, 10]) {
    mkdirSync(join(run, "rollouts"), { recursive: true });
    writeFileSync(stepFile(run, "rollouts", step), "{}\n");
  }
  writeFileSync(join(run, "rollouts/notes.txt"), "");
  assert.match(stepFile(run, "eval", 7), /eval[\\/]step-00007\.trace\.jsonl$/);
  assert.deepEqual(await listStepFiles(run, "rollouts"), [3, 10, 20]);
  assert.deepEqual(await listStepFiles(run, "eval"), []);
  assert.equal(nearestStep([3, 10, 20], 14), 10);
  assert.equal(nearestStep([3, 10, 20], 16), 20);
  assert.equal(nearestStep([3, 10, 20], 15), 10);
  assert.equal(nearestStep([], 15), undefined);
});

test("deleteRun: removes a finished run; refuses a training one and a folder that is not a run", async () => {
  const runs = tempRuns();
  const done = makeRun(runs, "done", runInfo("done"));
  mkdirSync(join(done, "checkpoints/step-00010"), { recursive: true });
  await deleteRun(done);
  assert.equal(existsSync(done), false);
  const training = makeRun(runs, "training", runInfo("training", { status: "running", pid: process.pid }));
  await assert.rejects(deleteRun(training), (error: Error) => error instanceof RunDeleteRefused && /still training \(process \d+\)\. Cancel the run first/.test(error.message));
  assert.equal(existsSync(training), true);
  const stale = makeRun(runs, "stale", runInfo("stale", { status: "running", pid: await exitedPid() }));
  await deleteRun(stale);
  assert.equal(existsSync(stale), false);
  mkdirSync(join(runs, "other"));
  await assert.rejects(deleteRun(join(runs, "other")), /not a training run folder/);
  assert.equal(existsSync(join(runs, "other")), true);
});
