#!/usr/bin/env node
// Screenshots of the training dashboard on real runs of a sample workspace, for the README: a run
// with the workspace's good rewards, with a run of its hackable reward drawn dashed over it. Opens
// the packaged .vsix in code-server (scripts/e2e-setup.sh), dark and light, at full width and at
// ~600 px. Writes test-results/learning/*.png; copy the one the README shows into media/screenshots/.
//
// Usage: node scripts/screenshot-learning.mjs WORKSPACE GOOD_RUN HACK_RUN
//   WORKSPACE  e.g. sample-workspaces/math-cot (copied; nothing is written to it)
//   GOOD_RUN, HACK_RUN  run folders (rewardlab train --out ..., or LEARN_KEEP of npm run bench -- learn)
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { launch, webviewWith } from "../test/e2e/harness.mjs";

const [workspaceArg, goodArg, hackArg] = process.argv.slice(2);
if (!workspaceArg || !goodArg || !hackArg) {
  console.error("usage: node scripts/screenshot-learning.mjs WORKSPACE GOOD_RUN HACK_RUN");
  process.exit(2);
}
const out = resolve("test-results/learning");
mkdirSync(out, { recursive: true });

const fixture = join(tmpdir(), `rewardlab-learning-shots-${process.pid}`);
cpSync(resolve(workspaceArg), fixture, { recursive: true, filter: (src) => !src.includes("/runs/") });
const [good, hack] = [basename(resolve(goodArg)), basename(resolve(hackArg))];
cpSync(resolve(goodArg), join(fixture, "runs", good), { recursive: true });
cpSync(resolve(hackArg), join(fixture, "runs", hack), { recursive: true });

async function shots(theme, suffix) {
  const vscode = await launch({ fixture, settings: { "workbench.colorTheme": theme } });
  try {
    const { page } = vscode;
    await page.locator('.activitybar a[aria-label^="RewardLab"], .activitybar .action-item [aria-label^="RewardLab"]').first().click();
    const header = page.locator('.pane-header[aria-label^="Runs"]');
    await header.waitFor({ timeout: 30_000 });
    if ((await header.getAttribute("aria-expanded")) === "false") await header.click();
    const row = page.locator('.pane-header[aria-label^="Runs"]').locator("..").locator(".monaco-list-row", { hasText: good }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const view = await webviewWith(page, ".chart canvas");
    await view.locator('.chart[data-chart="accuracy"] canvas').waitFor();
    await view.locator("vscode-button", { hasText: "Compare with run…" }).click();
    await page.locator(".quick-input-list .monaco-list-row", { hasText: hack }).first().click();
    await view.locator(".overlay-chip").waitFor({ timeout: 15_000 });
    await page.keyboard.press("Control+b"); // hide the side bar: the dashboard gets the width
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(out, `dashboard-${suffix}.png`) });
    await view.locator('.chart[data-chart="accuracy-level"]').scrollIntoViewIfNeeded();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(out, `dashboard-${suffix}-levels.png`) });
    await page.setViewportSize({ width: 600, height: 950 });
    await view.locator("body").evaluate((body) => body.ownerDocument.defaultView.scrollTo(0, 0));
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(out, `dashboard-${suffix}-600.png`) });
  } finally {
    await vscode.close();
  }
}

try {
  await shots("Default Dark Modern", "dark");
  await shots("Default Light Modern", "light");
  console.log(`screenshots in ${out}`);
} finally {
  rmSync(fixture, { recursive: true, force: true });
}
