import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rewardPath } from "../../src/cli/commands/train";

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
