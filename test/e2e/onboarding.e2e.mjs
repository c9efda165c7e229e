// Issue 22 point 6, onboarding that works: in an empty folder the views say what to do there;
// "Create Sample Workspace" copies the bundled math-cot sample in; "Evaluate Base Policy" gives the
// number to beat and rollouts that open in the viewer; the walkthrough ticks exactly the steps that
// succeeded.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, pickAfterCommand, runCommand, shot, testWith, viewerFrame } from "./harness.mjs";

let vscode;
const test = testWith(() => vscode, "onboarding");

before(async () => {
  vscode = await launch({ fixture: mkdtempSync(join(tmpdir(), "rewardlab-empty-")) });
});
after(async () => vscode?.close());

const pane = (page, name) => page.locator(`.pane-header[aria-label^="${name}"]`).locator("..");

test("an empty folder's views offer a sample workspace; creating one copies the bundled sample in", async () => {
  const { page, workspace } = vscode;
  // The walkthrough is open from the start, as after installing (the tests start with no welcome
  // page, and the walkthrough service only follows context keys once it has been shown).
  await pickAfterCommand(page, "Welcome: Open Walkthrough...", "Get started with RewardLab");
  await page.locator(".getting-started-step", { hasText: "Evaluate the base policy" }).first().waitFor({ timeout: 15_000 });
  await page.locator('.activitybar [aria-label^="RewardLab"]').first().click();
  const traces = pane(page, "Traces");
  await traces.locator(".welcome-view-content", { hasText: "Create a sample workspace" }).waitFor({ timeout: 30_000 });
  await shot(page, "50-onboarding-empty");
  await pickAfterCommand(page, "RewardLab: Create Sample Workspace", "math-cot");
  // The folder dialog (code-server's simple dialog) starts in the workspace folder: accept it.
  const dialog = page.locator(".quick-input-widget");
  await dialog.locator(".quick-input-action, .monaco-button", { hasText: "Create math-cot here" }).first().waitFor({ timeout: 15_000 });
  await dialog.locator(".quick-input-action, .monaco-button", { hasText: "Create math-cot here" }).first().click();
  for (let i = 0; i < 60 && !existsSync(join(workspace, "math-cot/rewardlab.json")); i++) await page.waitForTimeout(500);
  assert.ok(existsSync(join(workspace, "math-cot/policy/model.safetensors")), "data, policy and rewards copied");
  assert.ok(!existsSync(join(workspace, "math-cot/runs")), "no training runs copied");
  await page.locator(".tab.active", { hasText: "Preview README.md" }).waitFor({ timeout: 15_000 });
  // Now a lab workspace: the Runs view offers training and evaluation instead of a sample.
  await page.locator('.activitybar [aria-label^="RewardLab"]').first().click();
  await pane(page, "Runs").locator(".welcome-view-content", { hasText: "Evaluate Base Policy" }).waitFor({ timeout: 30_000 });
});

test("Evaluate Base Policy reports the accuracy to beat and opens its rollouts in the viewer", async () => {
  const { page, workspace } = vscode;
  await runCommand(page, "RewardLab: Evaluate Base Policy");
  const toast = page.locator(".notification-toast", { hasText: "base policy on the test split" });
  await toast.waitFor({ timeout: 180_000 });
  assert.match(await toast.textContent(), /accuracy 0\.\d+/);
  assert.ok(existsSync(join(workspace, "math-cot/runs/eval/policy-test.trace.jsonl")));
  await toast.locator(".monaco-button", { hasText: "Open Rollouts" }).click();
  await viewerFrame(page).locator(".list-status", { hasText: "200 samples" }).waitFor({ timeout: 60_000 });
  await shot(page, "51-onboarding-evaluated");
});

test("the walkthrough ticks the steps that succeeded, and only those", async () => {
  const { page } = vscode;
  await pickAfterCommand(page, "Welcome: Open Walkthrough...", "Get started with RewardLab");
  const step = (title) => page.locator(".getting-started-step", { hasText: title }).first();
  await step("Evaluate the base policy").waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500);
  const checked = async (title) => (await step(title).locator(".codicon-getting-started-step-checked").count()) > 0;
  assert.equal(await checked("Open a workspace with rewardlab.json"), true);
  assert.equal(await checked("Evaluate the base policy"), true);
  assert.equal(await checked("Read the rollouts in the trace viewer"), true);
  assert.equal(await checked("Edit a reward and watch it re-score"), false, "no reward was edited");
  assert.equal(await checked("Train with the current reward"), false, "nothing was trained");
  await shot(page, "52-onboarding-walkthrough");
});
