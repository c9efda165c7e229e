// Workspace Trust: in Restricted Mode traces and stored rewards are viewable, reward code never runs.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, openFile, root, runCommand, shot, testWith, viewerFrame } from "./harness.mjs";

let vscode;
const test = testWith(() => vscode, "restricted");
before(async () => {
  vscode = await launch({ fixture: join(root, "test/e2e/fixtures/shapes-mini"), trusted: false });
});
after(async () => vscode?.close());

test("Restricted Mode shows stored rewards and refuses to run reward code, saying why", async () => {
  const { page } = vscode;
  // The trust prompt for a new folder: stay in Restricted Mode.
  const dontTrust = page.getByRole("button", { name: /No, I don't trust the authors/i }).first();
  await dontTrust.waitFor({ timeout: 30_000 });
  await dontTrust.click();
  await page.locator(".statusbar-item", { hasText: "Restricted Mode" }).first().waitFor();
  await openFile(page, "data/rollouts.trace.jsonl");
  // Stored rewards (format, accuracy), never the reward files' (grounding).
  await page.locator(".codelens-decoration", { hasText: "Σ 2.00 · format 1.00 · accuracy 1.00" }).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.locator(".codelens-decoration", { hasText: "grounding" }).count(), 0);
  await runCommand(page, "RewardLab: Score Traces with Current Rewards");
  const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "not trusted" });
  await toast.waitFor({ timeout: 15_000 });
  assert.match(await toast.textContent(), /runs code from this workspace/);
  await shot(page, "17-restricted-mode");
  await runCommand(page, "RewardLab: Open Trace Viewer");
  await viewerFrame(page).locator(".list-spacer .list-row").first().waitFor({ timeout: 30_000 });
});
