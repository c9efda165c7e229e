// The extension's route for the rewardlab.prm.* settings: a generated reward module calling onnxPrm,
// loaded by RewardEngine next to the workspace's reward files (src/extension/scoring/prmReward.ts;
// no vscode needed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PrmSettings } from "../../src/extension/config";
import { prmModulePath, writePrmModule } from "../../src/extension/scoring/prmReward";
import { RewardEngine } from "../../src/reward/engine";
import { expectedStepScore, SEPARATOR, writePrmFolder } from "./prmFixture";

const settings: PrmSettings = { model: "models/prm", separator: SEPARATOR, positiveLabel: 1, weight: 2, aggregate: "last", template: "plain", maxLength: 4096 };

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "rl-prm-settings-"));
  const workspace = join(dir, "ws");
  const storage = join(dir, "storage");
  writePrmFolder(join(workspace, "models/prm"));
  mkdirSync(join(workspace, "rewards"));
  writeFileSync(join(workspace, "rewards/length.reward.ts"), `import { defineReward } from "rewardlab";
export default defineReward({ name: "length", score: (s) => s.completion.length });
`);
  const steps = ["a = 1", "b"];
  writeFileSync(join(workspace, "t.trace.jsonl"), JSON.stringify({ id: "x", prompt: "p", completion: "abc", steps: steps.map((text) => ({ text })) }) + "\n");
  return { workspace, storage, steps };
}

test("the settings' module scores a process reward named prm alongside the workspace's rewards", async () => {
  const { workspace, storage, steps } = setup();
  assert.equal(await writePrmModule(storage, workspace, undefined), undefined);
  const module = await writePrmModule(storage, workspace, settings);
  assert.equal(module, prmModulePath(storage, workspace));
  assert.ok(!module!.startsWith(workspace), "nothing is written into the workspace");
  // Same settings: the file is left alone (no needless recompiles).
  const before = statSync(module!).mtimeMs;
  await new Promise((resolve) => setTimeout(resolve, 20));
  await writePrmModule(storage, workspace, settings);
  assert.equal(statSync(module!).mtimeMs, before);

  const engine = new RewardEngine({ rewards: [join(workspace, "rewards"), module!], workers: 1 });
  try {
    const loaded = await engine.load();
    assert.deepEqual(loaded.errors, []);
    const prm = loaded.rewards.find((r) => r.name === "prm");
    assert.deepEqual([prm?.kind, prm?.aggregate, prm?.weight], ["process", "last", 2]);
    const scores = (await engine.scoreFile(join(workspace, "t.trace.jsonl"))).sampleScores(0);
    const expected = steps.map(expectedStepScore);
    scores.step_rewards!.prm.forEach((value, k) => assert.ok(Math.abs(value! - expected[k]) < 1e-6));
    assert.ok(Math.abs(scores.reward! - (3 + 2 * expected[1])) < 1e-6);
  } finally {
    engine.dispose();
  }
});

test("setting values stay data: a separator full of quotes reaches onnxPrm verbatim and fails as a separator", async () => {
  const { workspace, storage } = setup();
  const separator = '"); process.exit(3); ("`${x}`';
  const module = (await writePrmModule(storage, workspace, { ...settings, separator }))!;
  assert.match(readFileSync(module, "utf8"), /export default onnxPrm\(\{/);
  const engine = new RewardEngine({ rewards: module, workers: 1 });
  try {
    assert.deepEqual((await engine.load()).errors, []);
    const table = await engine.scoreFile(join(workspace, "t.trace.jsonl"));
    const message = table.sampleScores(0).reward_errors?.prm ?? "";
    assert.ok(message.includes(`separator ${JSON.stringify(separator)} encodes to`), message);
  } finally {
    engine.dispose();
  }
});
