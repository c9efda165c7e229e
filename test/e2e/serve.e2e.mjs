// "RewardLab: Serve Reward for Distributed Training" in code-server: the reward server starts as a
// child process (on the next port when the configured one is busy), shows its URL in the status
// bar, scores OpenRLHF-shaped requests like `rewardlab score`, logs them, writes the verl export,
// and stops.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, root, runCommand, shot, testWith } from "./harness.mjs";

const fixture = join(root, "test/e2e/fixtures/shapes-mini");
let vscode;
let busy;
const test = testWith(() => vscode, "serve");

/** Holds a free loopback port, so the command has to move to the next one. */
function holdPort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

before(async () => {
  busy = await holdPort();
  vscode = await launch({ fixture, settings: { "rewardlab.serve.port": busy.address().port } });
});
after(async () => {
  await vscode?.close();
  busy?.close();
});

/**
 * The first `count` samples of the fixture's trace as the server sees them (prompt, completion,
 * answer: OpenRLHF's protocol has no regions), and what `rewardlab score` gives them.
 */
function expectedScores(count) {
  const lines = readFileSync(join(fixture, "data/rollouts.trace.jsonl"), "utf8").trim().split("\n").slice(0, count).map((l) => JSON.parse(l));
  const samples = lines.map((s) => ({ id: s.id, prompt: s.prompt, completion: s.completion, answer: s.answer }));
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-serve-e2e-"));
  writeFileSync(join(dir, "s.trace.jsonl"), samples.map((s) => JSON.stringify(s)).join("\n") + "\n");
  const run = spawnSync(process.execPath, [join(root, "dist/cli.js"), "score", join(dir, "s.trace.jsonl"), "--rewards", join(fixture, "rewards"), "--out", join(dir, "scored.jsonl"), "--workers", "1"], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const scored = readFileSync(join(dir, "scored.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return { samples, scored };
}

test("the command serves the workspace's rewards: URL in the status bar, scores over HTTP, logged, stopped", async () => {
  const { page } = vscode;
  const held = busy.address().port;
  await runCommand(page, "RewardLab: Serve Reward for Distributed Training");
  const item = page.locator(".statusbar-item", { hasText: "Reward server" }).first();
  await item.waitFor({ timeout: 60_000 });
  const hostPort = /Reward server (127\.0\.0\.1:\d+)/.exec(await item.textContent())?.[1];
  assert.ok(hostPort, await item.textContent());
  const url = `http://${hostPort}/get_reward`;
  assert.notEqual(Number(hostPort.split(":")[1]), held, "the busy port was skipped");
  const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "serving 3 rewards" });
  await toast.waitFor({ timeout: 15_000 });
  assert.match(await toast.textContent(), new RegExp(`at ${url.replace(/[.]/g, "\\.")} \\(port ${held} was busy`));
  await toast.locator(".monaco-button", { hasText: "Stop" }).waitFor();
  await page.waitForTimeout(500); // the toast slides in
  await shot(page, "18-serve-reward");

  // A request shaped like OpenRLHF's: query = prompt + response.
  const { samples, scored } = expectedScores(4);
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query: samples.map((s) => s.prompt + s.completion), prompts: samples.map((s) => s.prompt), labels: samples.map((s) => s.answer) }),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-reward-version"), "1");
  const body = await response.json();
  assert.deepEqual(body.rewards, scored.map((s) => s.reward ?? 0), "totals equal `rewardlab score` on the same samples");
  for (const name of ["accuracy", "format", "grounding"]) assert.deepEqual(body.extra_logs[name], scored.map((s) => s.rewards[name] ?? 0), name);
  assert.ok(new Set(body.rewards).size > 1, `the samples score differently: ${body.rewards}`);

  // Logged to the RewardLab output channel.
  for (let i = 0; i < 20 && !/POST \/get_reward 200 · 4 samples/.test(vscode.extensionLog()); i++) await page.waitForTimeout(250);
  assert.match(vscode.extensionLog(), /Reward server: POST \/get_reward 200 · 4 samples · [\d.]+ ms · v1/);

  // "Copy verl config" writes the verl export into the workspace.
  await toast.locator("a.monaco-button, .monaco-button", { hasText: "Copy verl config" }).click();
  const module = join(vscode.workspace, ".rewardlab/verl/rewardlab_reward.py");
  for (let i = 0; i < 40 && !existsSync(module); i++) await page.waitForTimeout(250);
  assert.match(readFileSync(module, "utf8"), new RegExp(`DEFAULT_URL = "${url}"`));
  await page.locator(".notifications-toasts .notification-toast", { hasText: "copied the verl overrides" }).waitFor({ timeout: 15_000 });

  // The status bar item brings the actions back; Stop ends the server.
  await item.click();
  const again = page.locator(".notifications-toasts .notification-toast", { hasText: "serving 3 rewards" }).last();
  await again.waitFor({ timeout: 15_000 });
  await again.locator(".monaco-button", { hasText: "Stop" }).click();
  await item.waitFor({ state: "detached", timeout: 15_000 }).catch(() => item.waitFor({ state: "hidden", timeout: 5_000 }));
  await assert.rejects(fetch(url, { method: "POST", body: "{}" }), "nothing listens after Stop");
  for (let i = 0; i < 20 && !/Reward server: stopped/.test(vscode.extensionLog()); i++) await page.waitForTimeout(250);
  assert.match(vscode.extensionLog(), /Reward server: stopped/);
  await runCommand(page, "RewardLab: Show Log");
  await page.locator(".part.panel .view-line", { hasText: "Reward server: stopped" }).first().waitFor({ timeout: 15_000 });
  await shot(page, "19-serve-log");
});
