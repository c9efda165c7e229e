// The trace viewer's process-reward summary (src/extension/traces/processSummary.ts): the host
// feeds a scored table's step scores and labels to prm-eval's ProcessEvaluation, so the viewer and
// `rewardlab prm-eval --json` give the same numbers for the same file and rewards.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";
import { processSummary, splitOfMeta } from "../../src/extension/traces/processSummary";
import { RewardEngine } from "../../src/reward/engine";
import { ScoreTable } from "../../src/reward/table";
import type { RewardInfo } from "../../src/reward/validate";

const root = join(__dirname, "../..");

function reward(name: string, kind: "process" | "outcome"): RewardInfo {
  return { name, kind, weight: 1, file: `${name}.reward.ts` };
}

/** A table as scoring leaves it: step scores per sample and reward, labels per sample. */
function table(samples: { scores: Record<string, (number | null)[]>; labels?: (number | null)[] }[]): ScoreTable {
  const t = new ScoreTable([reward("prm", "process"), reward("format", "outcome"), reward("idle", "process")], "t.trace.jsonl");
  samples.forEach((sample, i) => {
    t.stepScores.set(i, sample.scores);
    if (sample.labels) t.stepLabels.set(i, sample.labels);
  });
  t.size = samples.length;
  return t;
}

test("the summary counts ProcessBench earliest errors and wrong steps per split, then over all splits", () => {
  const t = table([
    // Erroneous (first wrong step 1), flagged at 1: hit; steps: tp 1, tn 1.
    { scores: { prm: [0.9, 0.2, 0.1] }, labels: [1, -1, null] },
    // Correct, flagged at 2: miss; steps: tn 2, fp 1.
    { scores: { prm: [0.8, 0.7, 0.3] }, labels: [1, 1, 1] },
    // Erroneous (first wrong 0), nothing flagged: miss; fn 1, tn 1 (the neutral step is left out).
    { scores: { prm: [0.6, 0.9, 0.9] }, labels: [-1, 0, 1] },
    // No labels: not counted.
    { scores: { prm: [0.1] } },
  ]);
  const splits = ["gsm8k", "gsm8k", "math", "math"];
  const summary = processSummary(t, (i) => splits[i]);
  assert.ok(summary);
  assert.equal(summary.threshold, 0.5);
  assert.deepEqual(summary.rows.map((r) => `${r.reward}/${r.split}:${r.samples}`), ["prm/gsm8k:2", "prm/math:1", "prm/all:3"]);
  // "idle" is a process reward that scored nothing; "format" is an outcome reward (no step scores).
  assert.deepEqual(summary.unmatched, ["idle"]);
  const all = summary.rows[2];
  assert.equal(all.erroneous_samples, 2);
  assert.equal(all.correct_samples, 1);
  assert.equal(all.error_accuracy, 1 / 2);
  assert.equal(all.correct_accuracy, 0);
  assert.equal(all.processbench_f1, 0);
  // tp 1, fp 1, fn 1, tn 4.
  assert.equal(all.step_precision, 1 / 2);
  assert.equal(all.step_recall, 1 / 2);
  assert.equal(all.step_f1, 1 / 2);
  const correctF1 = (2 * (4 / 5) * (4 / 5)) / (4 / 5 + 4 / 5);
  assert.ok(Math.abs((all.macro_f1 ?? NaN) - (1 / 2 + correctF1) / 2) < 1e-12);
  // Correct steps 0.9 0.8 0.7 0.3 0.9; wrong 0.2 0.6: pairs above: 5 + 4 = 9 of 10.
  assert.equal(all.auc, 9 / 10);
  assert.equal(all.auc_exact, true);
});

test("one split gives one row; no labels or no process reward gives no summary", () => {
  const one = processSummary(table([{ scores: { prm: [0.9, 0.1] }, labels: [1, -1] }]), () => "all");
  assert.deepEqual(one?.rows.map((r) => `${r.reward}/${r.split}`), ["prm/all"]);
  assert.equal(processSummary(table([{ scores: { prm: [0.9, 0.1] } }]), () => "all"), undefined);
  const outcomeOnly = new ScoreTable([reward("format", "outcome")], "t.trace.jsonl");
  outcomeOnly.stepLabels.set(0, [1, -1]);
  assert.equal(processSummary(outcomeOnly, () => "all"), undefined);
});

test("a record's split is meta.split when it is a non-empty string, as prm-eval reads it", () => {
  assert.equal(splitOfMeta({ split: "gsm8k" }), "gsm8k");
  assert.equal(splitOfMeta({ split: "" }), "all");
  assert.equal(splitOfMeta({ split: 3 }), "all");
  assert.equal(splitOfMeta(undefined), "all");
});

async function cli(args: string[], cwd: string) {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, interactive: false });
  return { code, stdout, stderr };
}

test("on a converted ProcessBench trace the engine's table gives prm-eval --json's numbers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-process-summary-"));
  cpSync(join(root, "sample-workspaces/math-cot/rewards"), join(dir, "rewards"), { recursive: true });
  const lines: string[] = [];
  for (const subset of ["gsm8k", "math"]) {
    const out = join(dir, `${subset}.trace.jsonl`);
    const converted = await cli(["convert", join(root, `test/fixtures/importers/processbench/${subset}.json`), "--out", out], dir);
    assert.equal(converted.code, 0, converted.stderr);
    lines.push(readFileSync(out, "utf8").trimEnd());
  }
  const trace = join(dir, "processbench.trace.jsonl");
  writeFileSync(trace, lines.join("\n") + "\n");

  const evaluated = await cli(["prm-eval", trace, "--json"], dir);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const expected = JSON.parse(evaluated.stdout).results as Record<string, unknown>[];

  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 1 });
  try {
    await engine.load();
    const scored = await engine.scoreFile(trace);
    const records = readFileSync(trace, "utf8").split("\n");
    const summary = processSummary(scored, (i) => splitOfMeta(JSON.parse(records[scored.lines[i] - 1]).meta));
    assert.ok(summary);
    assert.deepEqual(summary.rows.map((r) => `${r.reward}/${r.split}`), ["arithmetic/gsm8k", "arithmetic/math", "arithmetic/all"]);
    for (const row of summary.rows) {
      const cli = expected.find((r) => r.reward === row.reward && r.split === row.split);
      assert.ok(cli, `${row.reward}/${row.split} is in prm-eval's results`);
      for (const [key, value] of Object.entries(row)) assert.equal(value, cli[key], `${row.reward}/${row.split} ${key}`);
    }
  } finally {
    engine.dispose();
  }
});
