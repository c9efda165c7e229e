import { test } from "node:test";
import assert from "node:assert/strict";
import { dashboardHeader } from "../../src/extension/dashboard/header";
import type { RunEntry } from "../../src/rl/runs";

const entry = (overrides: Record<string, unknown> = {}): RunEntry => ({
  id: "r1",
  dir: "/ws/runs/r1",
  state: "completed",
  info: {
    id: "r1",
    preset: "grpo",
    settings: { adv_estimator: "grpo", prompt: "x".repeat(500), clip: { low: 0.2 } },
    status: "completed",
    startedAt: "2026-11-23T07:30:00Z",
    steps: { done: 3, total: 3 },
    rewards: { version: "aaaaaaaaaaaa", files: [{ path: "rewards/a.reward.ts", sha256: "1", names: ["a"] }, { path: "rewards/b.reward.ts", sha256: "2", names: ["b"] }] },
    checkpoints: [],
    ...overrides,
  },
});

test("dashboardHeader: the run's facts; settings as short text", () => {
  const header = dashboardHeader(entry());
  assert.equal(header.preset, "grpo");
  assert.deepEqual(header.steps, { done: 3, total: 3 });
  assert.deepEqual(header.rewards, { version: "aaaaaaaaaaaa", currentVersion: "aaaaaaaaaaaa", files: [{ path: "rewards/a.reward.ts", names: ["a"], change: undefined }, { path: "rewards/b.reward.ts", names: ["b"], change: undefined }] });
  assert.deepEqual(header.settings[0], ["adv_estimator", "grpo"]);
  assert.equal(header.settings[1][1].length, 120);
  assert.deepEqual(header.settings[2], ["clip", '{"low":0.2}']);
});

test("dashboardHeader: changed files are marked, added ones listed; the current version shows only when something changed", () => {
  const drift = { runVersion: "aaaaaaaaaaaa", currentVersion: "bbbbbbbbbbbb", changes: [{ path: "rewards/b.reward.ts", change: "modified" as const }, { path: "rewards/c.reward.ts", change: "added" as const }] };
  const header = dashboardHeader(entry(), drift);
  assert.equal(header.rewards?.currentVersion, "bbbbbbbbbbbb");
  assert.deepEqual(header.rewards?.files.map((f) => [f.path, f.change]), [["rewards/a.reward.ts", undefined], ["rewards/b.reward.ts", "modified"], ["rewards/c.reward.ts", "added"]]);
  // Same hashes, another version name (a trainer hashing differently): not reported as a change.
  assert.equal(dashboardHeader(entry(), { ...drift, changes: [] }).rewards?.currentVersion, "aaaaaaaaaaaa");
});

test("dashboardHeader: an unreadable run says why", () => {
  const header = dashboardHeader({ id: "bad", dir: "/ws/runs/bad", state: "unreadable", error: "/ws/runs/bad/run.json: not valid JSON" });
  assert.deepEqual(header, { id: "bad", state: "unreadable", error: "/ws/runs/bad/run.json: not valid JSON", settings: [] });
});
