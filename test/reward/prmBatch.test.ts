// Process rewards with `scoreBatch` (what onnxPrm uses to put many samples into one model run):
// the sandbox hands them the whole batch, records step scores per sample, and metrics logged for a
// sample land on that sample's row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardEngine } from "../../src/reward/engine";

const batchedSteps = `import { defineReward } from "rewardlab";
const lengths = (s) => s.steps.map((step) => step.text.length);
export default defineReward({
  name: "batched", kind: "process", aggregate: "sum",
  score: (s) => { throw new Error("score must not be called when scoreBatch exists"); },
  async scoreBatch(samples, ctx) {
    globalThis.batchSizes = [...(globalThis.batchSizes ?? []), samples.length];
    samples.forEach((s, k) => ctx.log.metric("position", k, s));
    return samples.map((s) => (s.steps.length === 0 ? null : lengths(s)));
  },
});
`;

test("a process reward's scoreBatch gets the whole batch; steps and metrics land on the right samples", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-prm-batch-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/batched.reward.ts"), batchedSteps);
  const lines = [
    JSON.stringify({ id: "a", completion: "Step 1: ab\nStep 2: abcd" }),
    "{not json",
    JSON.stringify({ id: "b", completion: "" }),
    JSON.stringify({ id: "c", completion: "Step 1: xyz" }),
  ];
  writeFileSync(join(dir, "t.trace.jsonl"), lines.join("\n") + "\n");
  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 1 });
  try {
    assert.deepEqual((await engine.load()).errors, []);
    const table = await engine.scoreFile(join(dir, "t.trace.jsonl"));
    const [a, b, c] = [0, 1, 2].map((i) => table.sampleScores(i));
    assert.deepEqual(table.ids.slice(0, 3), ["a", "b", "c"]);
    assert.equal(a.step_rewards?.batched.length, 2);
    assert.equal(a.rewards.batched, a.step_rewards!.batched[0]! + a.step_rewards!.batched[1]!);
    assert.equal(b.rewards.batched, null);
    assert.equal(c.step_rewards?.batched.length, 1);
    // Metric k was logged for the k-th sample handed to scoreBatch (the malformed line is not one).
    assert.deepEqual([a, b, c].map((s) => s.reward_metrics?.["batched/position"]), [0, 1, 2]);
    assert.equal(table.summary().malformed_lines, 1);
    assert.equal(table.failedSamples, 0);
  } finally {
    engine.dispose();
  }
});
