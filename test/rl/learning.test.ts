// RL must teach something that carries over to prompts it never trained on (issue 17), on the real
// task: the shipped math-cot base policy, its reward files and its data, with a small batch. The
// base stops one step early on most multi-step problems (its teacher did); GRPO with the
// workspace's outcome rewards must make it finish them, on held-out problems.
//
// The same run checks "one meaning, one place" (issue 18): the total each rollout was trained on
// equals the total `rewardlab score` gives that rollout with the run's reward files.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main";
import { runTraining } from "../../src/rl/trainer/loop";
import { type TrainEvent } from "../../src/rl/trainer/protocol";

const root = new URL("../..", import.meta.url).pathname;
const source = join(root, "sample-workspaces/math-cot");

/** The math-cot workspace with its held-out split cut to the first `held` multi-step problems. */
function workspace(held: number): string {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-learn-"));
  for (const part of ["rewardlab.json", "rewards", "policy", "data/train.jsonl"]) cpSync(join(source, part), join(dir, part), { recursive: true });
  const test = readFileSync(join(source, "data/test.jsonl"), "utf8").trim().split("\n");
  const multiStep = test.filter((line) => (JSON.parse(line) as { meta: { difficulty: number } }).meta.difficulty > 1);
  writeFileSync(join(dir, "data/test.jsonl"), multiStep.slice(0, held).join("\n") + "\n");
  return dir;
}

test("GRPO with the good rewards raises held-out accuracy of the shipped math-cot base; trained totals equal rewardlab score", async () => {
  const ws = workspace(40);
  const out = join(ws, "runs", "learn");
  const overrides = { train_batch_size: "8", rollout_n: "8", ppo_mini_batch_size: "4", eval_every: "8", save_every: "0", seed: "0" };
  const events: TrainEvent[] = [];
  await runTraining({ workspace: ws, steps: 8, out, overrides }, (e) => void events.push(e), new AbortController().signal);
  const final = events.find((e) => e.type === "done" || e.type === "error");
  assert.equal(final?.type, "done", JSON.stringify(final));
  const evals = events.flatMap((e) => (e.type === "eval" ? [e.metrics] : []));
  assert.equal(evals.length, 2);
  const [before, after] = evals;
  assert.ok(after.accuracy >= before.accuracy + 0.15, `held-out accuracy ${before.accuracy} -> ${after.accuracy}`);
  assert.ok(after.response_length > before.response_length, "it learned to write the step it skipped");
  assert.ok(after.answer_top_share! <= before.answer_top_share! + 0.1, "not by collapsing onto one answer");

  const rollouts = join(out, "rollouts/step-00001.trace.jsonl");
  let stdout = "";
  const code = await main(["score", rollouts, "--rewards", join(out, "rewards"), "--out", join(ws, "scored.jsonl")], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stdout += t),
    cwd: ws,
    interactive: false,
  });
  assert.equal(code, 0, stdout);
  type Trained = { id: string; meta: { trained_total: number }; tokens: { advantage: number }[] };
  const trained = readFileSync(rollouts, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Trained);
  const scored = readFileSync(join(ws, "scored.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; reward: number | null; advantage: number | null });
  assert.equal(scored.length, trained.length);
  assert.ok(new Set(trained.map((r) => r.meta.trained_total)).size > 2, "the step's totals differ (the test would be empty otherwise)");
  trained.forEach((r, i) => {
    assert.equal(scored[i].id, r.id);
    assert.ok(Math.abs((scored[i].reward ?? 0) - r.meta.trained_total) < 1e-9, `${r.id}: trained on ${r.meta.trained_total}, score says ${scored[i].reward}`);
    // GRPO's advantage (written per token, rounded to 1e-4) is score's group advantage of that total.
    assert.ok(Math.abs(r.tokens[0].advantage - (scored[i].advantage ?? 0)) < 1e-3, `${r.id}: advantage ${r.tokens[0].advantage}, score says ${scored[i].advantage}`);
  });
});
