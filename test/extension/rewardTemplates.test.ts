// Every "New Reward Function" template must compile and load as a reward (a template that does not
// is the first thing a newcomer sees fail).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REWARD_TEMPLATES } from "../../src/extension/commands/rewardTemplates";
import { RewardEngine } from "../../src/reward/engine";

test("every reward template compiles, loads and scores a sample", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-templates-"));
  const engine = new RewardEngine({ rewards: dir, workers: 1 });
  try {
    REWARD_TEMPLATES.forEach((template, i) => writeFileSync(join(dir, `t${i}.reward.ts`), template.source.replaceAll("NAME", `template_${i}`)));
    const load = await engine.load();
    assert.deepEqual(load.errors, [], load.errors.map((e) => e.message).join("\n"));
    assert.equal(load.rewards.length, REWARD_TEMPLATES.length);
    writeFileSync(join(dir, "s.trace.jsonl"), JSON.stringify({ id: "s", prompt: "2+2?", completion: "<think>2+2=4</think><answer>4</answer>", answer: "4" }) + "\n");
    const table = await engine.scoreFile(join(dir, "s.trace.jsonl"));
    assert.equal(table.size, 1);
    assert.equal(table.failedSamples, 0);
  } finally {
    engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
