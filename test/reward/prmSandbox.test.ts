// onnxPrm through the real sandbox: reward files that call it are compiled and run in the reward
// worker threads by RewardEngine, with model paths relative to the workspace or the reward file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardEngine } from "../../src/reward/engine";
import { expectedStepScore, SEPARATOR, writePrmFolder } from "./prmFixture";

const records = [
  { id: "a", prompt: "What is 2+3?", completion: "-", steps: [{ text: "2+3=5" }, { text: "so five" }] },
  { id: "b", prompt: "Name a colour.", completion: "-", steps: [{ text: "red" }] },
  { id: "c", completion: "no steps", steps: [] },
  { id: "d", prompt: "Count to 3.", completion: "-", steps: [{ text: "1" }, { text: "2" }, { text: "3" }] },
];

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-prm-ws-"));
  writeFileSync(join(dir, "rewardlab.json"), "{}\n");
  writePrmFolder(join(dir, "models/prm"));
  mkdirSync(join(dir, "rewards/nested"), { recursive: true });
  // Relative to the workspace (the folder with rewardlab.json).
  writeFileSync(join(dir, "rewards/prm.reward.ts"), `import { onnxPrm } from "rewardlab";
export default onnxPrm({ model: "models/prm", separator: "${SEPARATOR}", aggregate: "mean", weight: 0.5 });
`);
  // Relative to the reward file's folder, naming the .onnx file and the tokenizer.
  writeFileSync(join(dir, "rewards/nested/prm-file.reward.ts"), `import { onnxPrm } from "rewardlab";
export default onnxPrm({ name: "prm_min", model: "../../models/prm/model.onnx", tokenizer: "../../models/prm/tokenizer.json", separator: "${SEPARATOR}" });
`);
  writeFileSync(join(dir, "rewards/missing.reward.ts"), `import { onnxPrm } from "rewardlab";
export default onnxPrm({ name: "missing", model: "models/nope", separator: "${SEPARATOR}" });
`);
  writeFileSync(join(dir, "t.trace.jsonl"), [...records.map((r) => JSON.stringify(r)), "{broken"].join("\n") + "\n");
  return dir;
}

test("a reward file using onnxPrm scores steps in the sandbox workers; a hot reload scores the kept samples again", async () => {
  const dir = workspace();
  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 1 });
  try {
    const loaded = await engine.load();
    assert.deepEqual(loaded.rewards.map((r) => `${r.name}:${r.kind}:${r.aggregate}`).sort(), ["prm:process:mean", "prm_min:process:min"]);
    assert.equal(loaded.errors.length, 1);
    assert.match(loaded.errors[0].message, /missing\.reward\.ts:2:16: onnxPrm: model "models\/nope" not found \(looked for .*rewards\/models\/nope, .*\/models\/nope/);

    const trace = join(dir, "t.trace.jsonl");
    const table = await engine.scoreFile(trace, { keep: true });
    assert.equal(table.failedSamples, 0, JSON.stringify(table.sampleScores(0).reward_errors));
    assert.equal(table.summary().malformed_lines, 1);
    const check = (t: typeof table) =>
      records.forEach((record, i) => {
        const scores = t.sampleScores(i);
        if (record.steps.length === 0) return assert.equal(scores.rewards.prm, null);
        const expected = record.steps.map((s) => expectedStepScore(s.text));
        scores.step_rewards!.prm.forEach((value, k) => assert.ok(Math.abs(value! - expected[k]) < 1e-6, `${record.id} step ${k + 1}`));
        assert.ok(Math.abs(scores.rewards.prm! - expected.reduce((a, b) => a + b, 0) / expected.length) < 1e-6);
        assert.ok(Math.abs(scores.rewards.prm_min! - Math.min(...expected)) < 1e-6);
        assert.ok(Math.abs(scores.reward! - (0.5 * scores.rewards.prm! + scores.rewards.prm_min!)) < 1e-9);
      });
    check(table);

    await engine.load();
    check(await engine.rescore(trace));
  } finally {
    engine.dispose();
  }
});
