import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rewardPath } from "../../src/cli/commands/train";
import { main } from "../../src/cli/main";
import { runTraining } from "../../src/rl/trainer/loop";
import type { TrainEvent } from "../../src/rl/trainer/protocol";

test("--rewards paths: relative to the current folder when they exist there, else to the workspace", (t) => {
  const root = mkdtempSync(join(tmpdir(), "rewardlab-train-cli-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const ws = join(root, "ws");
  mkdirSync(join(ws, "hackable"), { recursive: true });
  mkdirSync(join(ws, "rewards"), { recursive: true });
  // From a parent folder (the README's commands): workspace-relative names still work...
  assert.equal(rewardPath("hackable", root, ws), join(ws, "hackable"));
  assert.equal(rewardPath("rewards/format.reward.ts", root, ws), join(ws, "rewards/format.reward.ts"));
  // ...and so do paths written from where the user stands.
  assert.equal(rewardPath("ws/hackable", root, ws), join(ws, "hackable"));
  // Inside the workspace both readings agree.
  assert.equal(rewardPath("hackable", ws, ws), join(ws, "hackable"));
});

test("an unknown preset fails alike in train, export and the trainer, naming close matches", async (t) => {
  const ws = mkdtempSync(join(tmpdir(), "rewardlab-preset-"));
  t.after(() => rmSync(ws, { recursive: true, force: true }));
  mkdirSync(join(ws, "rewards"));
  writeFileSync(join(ws, "rewards/v.reward.ts"), `export default { name: "v", score: () => 1 };\n`);
  const expected = /--algo: unknown algorithm preset "grpp". Did you mean grpo, gspo\? Presets: grpo, dapo, dr_grpo, ppo, rloo, reinforce_pp, gspo\./;
  for (const argv of [["train", ws, "--algo", "grpp"], ["export", "verl", ws, "--out", join(ws, "out"), "--algo", "grpp"]]) {
    const err: string[] = [];
    const code = await main(argv, { stdout: () => {}, stderr: (text) => void err.push(text), cwd: ws, interactive: false });
    assert.equal(code, 2, argv.join(" "));
    assert.match(err.join(""), expected, argv.join(" "));
  }
  // The same name in rewardlab.json reaches the trainer, which fails before loading anything else.
  writeFileSync(join(ws, "rewardlab.json"), JSON.stringify({ trainer: { algo: "grpp" } }));
  const events: TrainEvent[] = [];
  await runTraining({ workspace: ws, overrides: {} }, (e) => void events.push(e), new AbortController().signal);
  const last = events.at(-1);
  assert.equal(last?.type, "error");
  assert.match(last.type === "error" ? last.message : "", /rewardlab.json: trainer.algo: unknown algorithm preset "grpp". Did you mean grpo, gspo\? Presets:/);
});
