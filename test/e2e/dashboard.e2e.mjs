// End-to-end tests of the Runs view and the training dashboard (see harness.mjs). The fixture's runs
// (test/e2e/fixtures/make-runs.mjs): `demo` (healthy, rollouts at steps 10 and 20), `length-hack`
// (reward-hacking signatures, an older format reward) and `broken` (run.json cut off). The harness
// works on a copy of the fixture, so appending to metrics.jsonl never touches checked-in files.
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, root, runCommand, shot, testWith, webviewWith } from "./harness.mjs";

const fixture = join(root, "test/e2e/fixtures/shapes-mini");
let vscode;

before(async () => {
  vscode = await launch({ fixture });
});
after(async () => {
  await vscode?.close();
});

const test = testWith(() => vscode, "dashboard");

/**
 * Runs a command from the palette. Keyboard focus is first moved out of the webviews (F1 typed in
 * one does not always reach the workbench), onto the empty part of the Traces tree.
 */
async function command(page, title) {
  const tree = page.locator('.pane-header[aria-label^="Traces"]').locator("..").locator(".monaco-list").first();
  for (let attempt = 1; ; attempt++) {
    const box = await tree.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 4);
    await page.keyboard.press("F1");
    const opened = await page.locator(".quick-input-widget input").waitFor({ timeout: 3_000 }).then(() => true, () => false);
    if (opened) break;
    if (attempt === 3) throw new Error(`the command palette did not open for "${title}"`);
  }
  await page.keyboard.press("Escape");
  await runCommand(page, title);
}

const runsPane = (page) => page.locator('.pane-header[aria-label^="Runs"]').locator("..");
const runRow = (page, text) => runsPane(page).locator(".monaco-list-row", { hasText: text }).first();
const points = (chart) => chart.getAttribute("data-points").then(Number);

/** Clicks the chart at `step` (x scale from `first` to `last` step). */
async function clickStep(chart, step, first, last) {
  const over = chart.locator(".u-over");
  const box = await over.boundingBox();
  const x = ((step - first) / (last - first)) * box.width;
  await over.click({ position: { x: Math.max(1, Math.min(box.width - 1, x)), y: box.height / 2 } });
}

test("the Runs view lists runs with preset, state, steps, best accuracy and reward version", async () => {
  const { page } = vscode;
  await page.locator('.activitybar a[aria-label^="RewardLab"], .activitybar .action-item [aria-label^="RewardLab"]').first().click();
  const header = page.locator('.pane-header[aria-label^="Runs"]');
  await header.waitFor({ timeout: 30_000 });
  if ((await header.getAttribute("aria-expanded")) === "false") await header.click();
  await runRow(page, "length-hack").waitFor({ timeout: 30_000 });
  const demo = await runRow(page, "demo").textContent();
  assert.match(demo, /grpo · completed · 20\/20 · best acc 0\.55 · rewards 8756cb9abd8b/);
  const hack = await runRow(page, "length-hack").textContent();
  assert.match(hack, /dapo · cancelled · 30\/60 .*rewards 257b91b30f6d \(edited since\)/);
  assert.match(await runRow(page, "broken").textContent(), /unreadable/);
  await shot(page, "dashboard-01-runs-view");
});

test("a run's dashboard draws its charts, then new metrics lines as the trainer appends them", async () => {
  const { page, workspace } = vscode;
  await runRow(page, "demo").click();
  const view = await webviewWith(page, ".chart canvas");
  const reward = view.locator('.chart[data-chart="reward"]');
  await reward.locator("canvas").waitFor();
  assert.equal(await points(reward), 20, "steps 1-20 have a total reward");
  assert.equal(await points(view.locator('.chart[data-chart="accuracy"]')), 9, "3 eval steps x accuracy, format rate, IoU");
  assert.equal(await points(view.locator('.chart[data-chart="components"]')), 60);
  assert.equal(await view.locator('.chart[data-chart="advantage"]').isVisible(), true);
  assert.equal(await points(view.locator('.chart[data-chart="memory"]')), 20, "trainer peak RSS, steps 1-20");
  assert.equal(await view.locator(".run-title h1").textContent(), "demo");
  assert.equal(await view.locator(".state").textContent(), "completed");
  assert.match(await view.locator(".rewards-line").textContent(), /8756cb9abd8b.*format\.reward\.ts.*accuracy\.reward\.ts/);
  assert.equal(await view.locator(".drift-banner").count(), 0, "the workspace's rewards are the run's");
  await view.locator(".no-warnings").waitFor();
  await shot(page, "dashboard-02-demo");
  await view.locator('.chart[data-chart="memory"]').scrollIntoViewIfNeeded();
  await shot(page, "dashboard-02b-demo-bottom");
  await reward.scrollIntoViewIfNeeded();

  // The trainer appends steps 21-25, the last one in two writes (a partial line first).
  const metrics = join(workspace, "runs/demo/metrics.jsonl");
  const last = JSON.parse(readFileSync(metrics, "utf8").trim().split("\n").at(-1));
  const training = Object.fromEntries(Object.entries(last).filter(([key]) => !key.startsWith("eval/")));
  const line = (step) => JSON.stringify({ ...training, step, "reward/total/mean": last["reward/total/mean"] + (step - 20) * 0.01 });
  appendFileSync(metrics, [21, 22, 23, 24].map(line).join("\n") + "\n" + line(25).slice(0, 30));
  await view.locator('.chart[data-chart="reward"][data-points="24"]').waitFor({ timeout: 15_000 });
  appendFileSync(metrics, line(25).slice(30) + "\n");
  await view.locator('.chart[data-chart="reward"][data-points="25"]').waitFor({ timeout: 15_000 });
  assert.match(await reward.locator(".chart-latest").textContent(), /at step 25$/);
  await shot(page, "dashboard-03-live");
});

test("clicking a point opens that step's rollouts in the trace viewer", async () => {
  const { page } = vscode;
  const view = await webviewWith(page, ".chart canvas");
  await clickStep(view.locator('.chart[data-chart="reward"]'), 10, 1, 25);
  await page.locator(".tab", { hasText: "step-00010.trace.jsonl" }).waitFor({ timeout: 30_000 });
  const viewer = await webviewWith(page, ".list-status");
  await viewer.locator(".list-status", { hasText: "10 samples" }).waitFor({ timeout: 30_000 });
  assert.match(await viewer.locator(".sample-header h2").first().textContent(), /^s-10-/);
  assert.equal(await view.locator(".notice").textContent(), "Opened the rollouts of step 10.");
  await shot(page, "dashboard-04-step-rollouts");
  // A step without saved rollouts opens the nearest one.
  await clickStep(view.locator('.chart[data-chart="reward"]'), 18, 1, 25);
  await view.locator(".notice", { hasText: "No rollouts saved for step 18: opened step 20, the nearest." }).waitFor({ timeout: 15_000 });
  await page.locator(".tab", { hasText: "step-00020.trace.jsonl" }).waitFor({ timeout: 30_000 });
});

test("a hacked run: warnings, reward-version drift, and a second run drawn over it", async () => {
  const { page } = vscode;
  await command(page, "View: Close All Editors");
  await runRow(page, "length-hack").click();
  const view = await webviewWith(page, ".run-title h1 >> text=length-hack");
  await view.locator(".warning").first().waitFor({ timeout: 15_000 });
  const kinds = await view.locator(".warning").evaluateAll((items) => items.map((item) => item.dataset.kind));
  assert.deepEqual(kinds, ["reward-without-accuracy", "length-blowup", "lone-component", "entropy-collapse", "answer-collapse"]);
  assert.match(await view.locator(".drift-banner").textContent(), /This run uses reward version 257b91b30f6d; your files are now 8756cb9abd8b \(modified: rewards\/format\.reward\.ts\)/);
  await view.locator("vscode-button", { hasText: "Compare with run…" }).click();
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "demo" }).first().click();
  await view.locator(".overlay-chip", { hasText: "Compared with demo" }).waitFor({ timeout: 15_000 });
  const legend = await view.locator('.chart[data-chart="reward"] .u-legend .u-series').allTextContents();
  assert.ok(legend.some((text) => text.includes("total · demo")), `legend: ${legend.join(" | ")}`);
  await view.locator("body").evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(400);
  await shot(page, "dashboard-05-hack-overlay");
  // A warning points at the charts of its metrics.
  await view.locator(".warning", { hasText: "Response length blow-up" }).click();
  assert.equal(await view.locator('.chart.highlighted[data-chart="length"]').count(), 1);
  await page.waitForTimeout(600);
  await shot(page, "dashboard-05b-warning-chart");
});

test("editing a reward file makes the dashboard say the run used another version", async () => {
  const { page, workspace } = vscode;
  await runRow(page, "demo").click();
  const view = await webviewWith(page, ".run-title h1 >> text=demo");
  const file = join(workspace, "rewards/accuracy.reward.ts");
  const original = readFileSync(file, "utf8");
  writeFileSync(file, original.replace("? 1 : 0", "? 1 : 0.1"));
  try {
    const banner = view.locator(".drift-banner");
    await banner.waitFor({ timeout: 15_000 });
    assert.match(await banner.textContent(), /This run uses reward version 8756cb9abd8b; your files are now [0-9a-f]{12} \(modified: rewards\/accuracy\.reward\.ts\)/);
    assert.equal(await view.locator(".rewards-line a.reward-file.changed").count(), 1);
  } finally {
    writeFileSync(file, original);
  }
  await view.locator(".drift-banner").waitFor({ state: "detached", timeout: 15_000 });
});

test("the dashboard follows the light theme", async () => {
  const { page } = vscode;
  await runRow(page, "length-hack").click();
  // Toggles to the preferred light theme (Default Light Modern) and back.
  await command(page, "Preferences: Toggle between Light/Dark Themes");
  await page.locator(".monaco-workbench.vs:not(.vs-dark)").waitFor({ timeout: 15_000 });
  const view = await webviewWith(page, ".run-title h1 >> text=length-hack");
  await view.locator("body").evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(800);
  await shot(page, "dashboard-06-light");
  await command(page, "Preferences: Toggle between Light/Dark Themes");
  await page.locator(".monaco-workbench.vs-dark").waitFor({ timeout: 15_000 });
});

test("deleting a run asks first, then removes it from the Runs view", async () => {
  const { page } = vscode;
  await runRow(page, "broken").click({ button: "right" });
  // Menu items act on keyboard Enter reliably (a synthetic click can land before the menu listens).
  await page.locator(".context-view .action-item", { hasText: "Delete Run" }).hover();
  await page.keyboard.press("Enter");
  const dialog = page.locator(".monaco-dialog-box");
  await dialog.waitFor({ timeout: 10_000 });
  assert.match(await dialog.textContent(), /Delete run broken\?/);
  await dialog.locator(".monaco-button", { hasText: "Delete" }).click();
  await runRow(page, "broken").waitFor({ state: "detached", timeout: 15_000 });
  await runRow(page, "demo").waitFor();
});
