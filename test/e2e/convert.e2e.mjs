// Issue 22 "open anything": a verl rollout dump in a folder with one reward file goes from "open" to
// "scored with my reward, beside verl's own score" without leaving VS Code: Open Trace Viewer on the
// dump converts it (in a child process) to a trace beside it, scores it with the workspace's rewards,
// and lists verl's logged score as its own column.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, listTable, openFile, root, runCommand, shot, testWith, viewerFrame } from "./harness.mjs";

let vscode;
const test = testWith(() => vscode, "convert");
let workspace;

before(async () => {
  const fixture = join(root, "test-results/e2e-convert-fixture");
  mkdirSync(join(fixture, "verl"), { recursive: true });
  mkdirSync(join(fixture, "rewards"), { recursive: true });
  cpSync(join(root, "test/fixtures/upstream/verl/rollout_data_dir/3.jsonl"), join(fixture, "verl/3.jsonl"));
  writeFileSync(join(fixture, "rewards/accuracy.reward.ts"), 'import { mathVerifyReward } from "rewardlab";\nexport default mathVerifyReward({ name: "accuracy" });\n');
  vscode = await launch({ fixture });
  workspace = vscode.workspace;
});
after(async () => vscode?.close());

test("Open Trace Viewer on a verl dump converts it and shows verl's score beside the workspace's reward", async () => {
  const { page } = vscode;
  await openFile(page, "verl/3.jsonl");
  await runCommand(page, "RewardLab: Open Trace Viewer");
  const view = viewerFrame(page);
  await view.locator(".list-status", { hasText: "6 samples" }).waitFor({ timeout: 60_000 });
  // Scored with the workspace's reward: its column appears beside verl's logged one.
  await view.locator(".list-header button", { hasText: "logged:score" }).waitFor({ timeout: 60_000 });
  await view.locator(".list-header button", { hasText: "accuracy" }).waitFor({ timeout: 60_000 });
  const rows = await listTable(view);
  assert.ok(rows.some((row) => row.accuracy === "1.00" && row["logged:score"] === "1.00"), JSON.stringify(rows));
  if (workspace) assert.ok(existsSync(join(workspace, "verl/3.trace.jsonl")), "the trace is written beside the dump");
  await shot(page, "30-convert-verl-dump");
});

test("a reward saved with a syntax error keeps its last good version scoring, with a banner; fixing it clears the banner", async () => {
  const { page } = vscode;
  const view = viewerFrame(page);
  const rewardFile = join(workspace, "rewards/accuracy.reward.ts");
  const good = readFileSync(rewardFile, "utf8");
  const before = await view.locator(".list-spacer .list-row").allTextContents();
  writeFileSync(rewardFile, good.replace("mathVerifyReward({", "mathVerifyReward({ name: ,"));
  const banner = view.locator(".reward-problem");
  await banner.waitFor({ state: "visible", timeout: 60_000 });
  assert.match(await banner.textContent(), /accuracy\.reward\.ts: .*Showing scores from the last version that compiled/);
  assert.deepEqual(await view.locator(".list-spacer .list-row").allTextContents(), before, "no total lost the reward");
  await shot(page, "31-reward-problem-banner");
  writeFileSync(rewardFile, good);
  await banner.waitFor({ state: "hidden", timeout: 60_000 });
});

test("the bundled rewardlab CLI is on the integrated terminal's PATH", async () => {
  const { page } = vscode;
  await runCommand(page, "Terminal: Create New Terminal");
  const terminal = page.locator(".terminal-wrapper.active .xterm, .terminal .xterm").first();
  await terminal.waitFor({ timeout: 30_000 });
  await terminal.click();
  await page.waitForTimeout(1500); // the shell's first prompt
  await page.keyboard.type("rewardlab --version > cli-version.txt && rewardlab score verl/3.trace.jsonl --json > cli-score.json\n");
  const version = join(workspace, "cli-version.txt");
  const scored = join(workspace, "cli-score.json");
  for (let i = 0; i < 120 && !(existsSync(scored) && readFileSync(scored, "utf8").trim()); i++) await page.waitForTimeout(500);
  assert.match(readFileSync(version, "utf8"), /^\d+\.\d+\.\d+/);
  assert.equal(JSON.parse(readFileSync(scored, "utf8")).samples, 6, "the terminal's rewardlab scores the converted dump");
  await shot(page, "32-cli-in-terminal");
});
