import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareRewards, rewardVersion } from "../../src/rl/runRewards";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

test("rewardVersion: 12 hex digits, independent of file order, changes with any file", () => {
  const a = { path: "rewards/a.reward.ts", sha256: sha("a") };
  const b = { path: "rewards/b.reward.ts", sha256: sha("b") };
  assert.match(rewardVersion([a, b]), /^[0-9a-f]{12}$/);
  assert.equal(rewardVersion([a, b]), rewardVersion([b, a]));
  assert.notEqual(rewardVersion([a, b]), rewardVersion([a, { ...b, sha256: sha("b2") }]));
  assert.notEqual(rewardVersion([a]), rewardVersion([a, b]));
});

test("compareRewards: same files, then modified, missing and added ones", async () => {
  const ws = mkdtempSync(join(tmpdir(), "rl-rewards-"));
  mkdirSync(join(ws, "rewards"));
  writeFileSync(join(ws, "rewards/a.reward.ts"), "a");
  writeFileSync(join(ws, "rewards/b.reward.ts"), "b");
  writeFileSync(join(ws, "rewards/README.md"), "not a reward");
  const files = [
    { path: "rewards/a.reward.ts", sha256: sha("a") },
    { path: "rewards/b.reward.ts", sha256: sha("b") },
  ];
  const run = { version: rewardVersion(files), files };
  const same = await compareRewards(ws, run);
  assert.deepEqual(same.changes, []);
  assert.equal(same.currentVersion, run.version);

  writeFileSync(join(ws, "rewards/a.reward.ts"), "a, edited");
  rmSync(join(ws, "rewards/b.reward.ts"));
  writeFileSync(join(ws, "rewards/c.reward.ts"), "c");
  const drift = await compareRewards(ws, run);
  assert.deepEqual(drift.changes, [
    { path: "rewards/a.reward.ts", change: "modified" },
    { path: "rewards/b.reward.ts", change: "missing" },
    { path: "rewards/c.reward.ts", change: "added" },
  ]);
  assert.equal(drift.currentVersion, rewardVersion([{ path: "rewards/a.reward.ts", sha256: sha("a, edited") }, { path: "rewards/c.reward.ts", sha256: sha("c") }]));
  assert.notEqual(drift.currentVersion, run.version);
});
