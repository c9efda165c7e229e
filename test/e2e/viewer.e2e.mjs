// Issue 22, the trace viewer as a newcomer reads it: the shapes-vqa sample workspace's own rollout
// trace (64x64 images) at 1500 px and at ~600 px wide, dark and light. One column per reward that
// sorts, search by text / meta / value, Ctrl+F, region labels sized in screen pixels, zoom, a legend
// for the token colours, the group view stacked with its image.
import assert from "node:assert/strict";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, listTable, openFile, pickAfterCommand, root, runCommand, shot, testWith, viewerFrame, webviewWith } from "./harness.mjs";

const TRACE = "data/rollouts.trace.jsonl";
const records = readFileSync(join(root, "sample-workspaces/shapes-vqa", TRACE), "utf8").trim().split("\n").map((line) => JSON.parse(line));
let vscode;
const test = testWith(() => vscode, "viewer");

const MATH_RECORD = {
  id: "math-1",
  prompt: "Compute $\\frac{1}{2} + \\frac{1}{4}$.",
  completion: "<think>Step 1: $\\frac{1}{2} = \\frac{2}{4}$\nStep 2: $\\href{javascript:alert(1)}{click}$ and \\url{https://example.com}</think>\nThe answer is \\boxed{\\frac{3}{4}}.",
  answer: "\\frac{3}{4}",
};

before(async () => {
  // The sample workspace as shipped, plus a one-line trace with LaTeX in it.
  const fixture = join(root, "test-results/e2e-viewer-fixture");
  rmSync(fixture, { recursive: true, force: true });
  cpSync(join(root, "sample-workspaces/shapes-vqa"), fixture, { recursive: true, filter: (source) => !source.includes("/runs") });
  writeFileSync(join(fixture, "data/math.trace.jsonl"), `${JSON.stringify(MATH_RECORD)}\n`);
  vscode = await launch({ fixture });
});
after(async () => vscode?.close());

/** Types into the viewer's search box (a vscode-textfield: its value and an input event). */
async function search(view, text) {
  await view.locator(".toolbar .search-field").evaluate((field, value) => {
    field.value = value;
    field.dispatchEvent(new Event("input"));
  }, text);
}

const status = (view, text) => view.locator(".list-status", { hasText: text }).waitFor({ timeout: 30_000 });

test("one sortable column per reward; search by text, meta field and value; Ctrl+F", async () => {
  const { page } = vscode;
  await openFile(page, TRACE);
  // The plain editor first: every line's scores at its end, scored by the workspace's rewards.
  await page.locator(".codelens-decoration", { hasText: "grounding" }).first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);
  await shot(page, "39-annotations-shapes");
  await runCommand(page, "RewardLab: Open Trace Viewer");
  const view = viewerFrame(page);
  await status(view, `${records.length} samples`);
  // Scored by the workspace's rewards: a column each, beside total, adv and len.
  await view.locator(".list-header button", { hasText: "grounding" }).waitFor({ timeout: 60_000 });
  const labels = await view.locator(".list-header button").allTextContents();
  for (const name of ["accuracy", "format", "grounding", "iou"]) assert.ok(labels.includes(name), labels.join(" | "));
  // The Rewards view lists the rewards that score (not hackable/), each once, with statistics.
  await page.locator('.activitybar [aria-label^="RewardLab"]').first().click();
  const rewardsPane = page.locator('.pane-header[aria-label^="Rewards"]').locator("..");
  await rewardsPane.locator(".monaco-list-row", { hasText: /^formatweight 0\.5 · mean/ }).first().waitFor({ timeout: 30_000 });
  const rewardRows = await rewardsPane.locator(".monaco-list-row").allTextContents();
  for (const name of ["accuracy", "format", "grounding", "iou"]) assert.equal(rewardRows.filter((row) => row.trim().startsWith(`${name}weight`)).length, 1, `${name} once: ${rewardRows.join(" | ")}`);
  assert.ok(!rewardRows.some((row) => /coverage/.test(row)), `hackable/ is not listed as loaded: ${rewardRows.join(" | ")}`);
  assert.ok(rewardRows.some((row) => /^Not loaded1 file outside rewards/.test(row.trim())), rewardRows.join(" | "));
  // Each reward's time per sample (p99) in its row; the tooltip has p50 / p99 / max and the slowest samples.
  assert.ok(rewardRows.filter((row) => /·\sp99\s[\d.]+\sms/.test(row)).length >= 4, `p99 per reward: ${rewardRows.join(" | ")}`);
  await rewardsPane.locator(".monaco-list-row", { hasText: /^accuracyweight/ }).first().hover();
  await page.locator(".monaco-hover", { hasText: "Time per sample" }).waitFor({ timeout: 15_000 });
  assert.match(await page.locator(".monaco-hover", { hasText: "Time per sample" }).innerText(), /p50\s\S+\sms,\sp99\s\S+\sms,\smax\s\S+\sms\sover\s\d+\ssamples[^]*Slowest:\s.*rollouts\.trace\.jsonl:\d+/);
  await shot(page, "53-rewards-view-timing");
  await page.keyboard.press("Escape");

  await view.locator(".list-header button", { hasText: "grounding" }).click();
  await view.locator(".list-header button.sorted", { hasText: "grounding ▲" }).waitFor();
  await page.waitForTimeout(300);
  const grounding = (await listTable(view)).map((row) => Number(row.grounding));
  assert.deepEqual(grounding, [...grounding].sort((a, b) => a - b), `low first: ${grounding}`);
  await view.locator(".list-header button", { hasText: "grounding" }).click();
  await view.locator(".list-header button.sorted", { hasText: "grounding ▼" }).waitFor();

  const locate = records.filter((r) => r.meta.type === "locate").length;
  await search(view, "type:locate");
  await status(view, `${locate} sample`);
  await search(view, "type:locate iou<0.5");
  await page.waitForTimeout(500);
  for (const row of await listTable(view)) assert.ok(Number(row.iou) < 0.5, JSON.stringify(row));
  const withTotal = records.filter((r) => r.completion.includes("total")).length;
  await search(view, "total -type:locate");
  await status(view, `${withTotal} sample`);
  // Export the filtered samples: the save dialog proposes a name beside the trace; accept it.
  await search(view, "type:locate");
  await status(view, `${locate} sample`);
  await view.locator(".toolbar vscode-button", { hasText: "Export" }).click();
  const dialog = page.locator(".quick-input-widget");
  await dialog.locator("input").waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500);
  await page.keyboard.press("Enter");
  await page.locator(".notification-toast", { hasText: `${locate} samples saved to` }).waitFor({ timeout: 30_000 });
  const exported = readFileSync(join(vscode.workspace, "data/rollouts.selected.trace.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(exported.length, locate);
  assert.ok(exported.every((record) => record.meta.type === "locate"));
  await search(view, "acuracy<1");
  await status(view, 'no sample has "acuracy"');
  await shot(page, "40-viewer-search-dark");

  await search(view, "");
  await status(view, `${records.length} samples`);
  await view.locator(".list-viewport").click();
  await page.keyboard.press("Control+f");
  assert.equal(await view.locator(".toolbar .search-field").evaluate((field) => field.matches(":focus-within") || document.activeElement === field), true, "Ctrl+F puts the cursor in the search box");
  // Keyboard: Escape leaves the search for the list; End / Home / Page Down move the selection.
  await page.keyboard.press("Escape");
  assert.equal(await view.locator(".list-viewport").evaluate((list) => document.activeElement === list), true, "Escape returns to the list");
  const selectedId = async () => (await view.locator(".list-spacer .list-row.selected .col-id").first().textContent())?.trim();
  const shownId = async () => (await view.locator(".sample-header h2").textContent())?.trim();
  await page.keyboard.press("End");
  await page.waitForTimeout(300);
  const rowsNow = await view.locator(".list-spacer .list-row .col-id").allTextContents();
  assert.equal(await selectedId(), rowsNow[rowsNow.length - 1].trim(), "End selects the last sample");
  await view.locator(".sample-header h2", { hasText: (await selectedId()) ?? "" }).waitFor({ timeout: 10_000 });
  await page.keyboard.press("Home");
  await page.waitForTimeout(300);
  const first = (await view.locator(".list-spacer .list-row .col-id").first().textContent())?.trim();
  assert.equal(await selectedId(), first, "Home selects the first sample");
  await page.keyboard.press("PageDown");
  await page.waitForTimeout(300);
  const afterPage = await selectedId();
  assert.notEqual(afterPage, first, "Page Down moves on");
  await view.locator(".sample-header h2", { hasText: afterPage ?? "" }).waitFor({ timeout: 10_000 });
  assert.equal(await shownId(), afterPage);
});

test("region labels are sized in screen pixels, the image zooms, and the token colours have a legend", async () => {
  const { page } = vscode;
  const view = viewerFrame(page);
  await view.locator(".list-spacer .list-row").first().click();
  await view.locator(".region.truth rect").first().waitFor({ timeout: 15_000 });
  const image = view.locator(".stage img").first();
  const before = (await image.boundingBox()).width;
  await view.locator(".region-item").first().hover();
  const label = view.locator(".region-label.hl").first();
  await label.waitFor();
  const height = (await label.boundingBox()).height;
  assert.ok(height > 6 && height < 20, `label height on screen: ${height} px`);
  await view.locator(".zoom-button", { hasText: "+" }).first().click();
  await page.waitForTimeout(200);
  const after = (await image.boundingBox()).width;
  assert.ok(Math.abs(after - 2 * before) < 3, `zoomed ${before} -> ${after}`);
  const zoomedHeight = (await view.locator(".region-item").first().hover().then(() => label.boundingBox())).height;
  assert.ok(Math.abs(zoomedHeight - height) < 3, `label height kept under zoom: ${height} -> ${zoomedHeight}`);
  await view.locator(".channel-legend .scale-bar").waitFor();
  assert.ok((await view.locator(".channel-legend .scale-labels span").count()) === 3);
  await runCommand(page, "Notifications: Clear All Notifications");
  await page.waitForTimeout(300);
  await shot(page, "41-viewer-regions-zoom-legend-dark");
  await view.locator(".zoom-button", { hasText: "−" }).first().click();
});

test("the group view stacks the group's completions under its image", async () => {
  const { page } = vscode;
  const view = viewerFrame(page);
  await view.locator("vscode-tab-header", { hasText: "Group" }).click();
  await view.locator(".group-card").first().waitFor({ timeout: 15_000 });
  const boxes = await view.locator(".group-card").evaluateAll((cards) => cards.map((card) => card.getBoundingClientRect().toJSON()));
  assert.equal(boxes.length, 4);
  assert.ok(boxes.every((box) => Math.abs(box.x - boxes[0].x) < 1), "one column");
  assert.ok(boxes.every((box, i) => i === 0 || box.y > boxes[i - 1].y), "top to bottom");
  await view.locator(".group-images img").first().waitFor();
  await shot(page, "42-viewer-group-dark");
  await view.locator("vscode-tab-header", { hasText: "Sample" }).click();
});

test("at ~600 px the list sits above the sample; dark and light", async () => {
  const { page } = vscode;
  const view = viewerFrame(page);
  await runCommand(page, "View: Close Primary Side Bar");
  await page.setViewportSize({ width: 640, height: 950 });
  await page.waitForTimeout(800);
  const left = await view.locator(".left-pane").boundingBox();
  const right = await view.locator(".right-pane").boundingBox();
  assert.ok(left.width < 620, `viewer width ${left.width}`);
  assert.ok(left.y + left.height <= right.y + 1, `list above sample: ${JSON.stringify({ left, right })}`);
  // Every control keeps its full size: the colour picker and range fields are not squeezed.
  const picker = await view.locator(".channel-picker").boundingBox();
  assert.ok(picker.width >= 190, `channel picker ${picker.width} px`);
  await shot(page, "43-viewer-narrow-dark");
  await runCommand(page, "Preferences: Toggle between Light/Dark Themes");
  await page.locator(".monaco-workbench.vs:not(.vs-dark)").waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1000);
  await shot(page, "44-viewer-narrow-light");
  await page.setViewportSize({ width: 1500, height: 950 });
  await page.waitForTimeout(800);
  await shot(page, "45-viewer-wide-light");
});

test("math in the prompt and completion is typeset with KaTeX (trust off), with a toggle back to raw text", async () => {
  const { page } = vscode;
  await page.setViewportSize({ width: 1500, height: 950 });
  // With the viewer in front (no trace text editor active), the command asks which trace to open.
  await pickAfterCommand(page, "RewardLab: Open Trace Viewer", "math.trace.jsonl");
  await page.locator(".tab.active", { hasText: "math.trace.jsonl" }).waitFor({ timeout: 30_000 });
  // Two viewers are open now: the one showing math-1.
  const view = await webviewWith(page, '.sample-header h2:text("math-1")');
  await view.locator(".prompt .katex").first().waitFor({ timeout: 15_000 });
  assert.ok((await view.locator(".completion-math .katex").count()) >= 3, "each formula of the completion typeset");
  assert.equal(await view.locator(".completion-math a, .prompt a").count(), 0, "\\href and \\url make no links with trust off");
  // KaTeX's own font, not a fallback: the fonts load under the page's CSP.
  const font = await view.locator(".prompt .katex .mord").first().evaluate((node) => getComputedStyle(node).fontFamily);
  assert.match(font, /KaTeX/);
  assert.ok(await view.locator(".completion").first().evaluate((node) => node.textContent.includes("\\boxed{\\frac{3}{4}}")), "the coloured completion stays raw text");
  await shot(page, "46-viewer-math-light");
  await view.locator(".sample-header vscode-checkbox").click();
  await view.locator(".prompt .katex").waitFor({ state: "detached", timeout: 5_000 });
  assert.equal(await view.locator(".completion-math").count(), 0);
});

test("reward examples are tests in the Test Explorer; a failing one says expected and got at its line", async () => {
  const { page } = vscode;
  await page.setViewportSize({ width: 1500, height: 950 });
  await runCommand(page, "Testing: Focus on Test Explorer View");
  const explorer = page.locator(".test-explorer");
  await explorer.locator(".monaco-list-row", { hasText: "accuracy.reward.ts" }).first().waitFor({ timeout: 30_000 });
  await runCommand(page, "Test: Run All Tests");
  await explorer.getByText("5/5", { exact: true }).first().waitFor({ timeout: 180_000 }); // a child process: slow on a loaded machine
  await shot(page, "47-reward-tests-passed");
  // Pin a wrong expectation: the run reports that one example, at its line, with expected and got.
  const file = join(vscode.workspace, "rewards/accuracy.reward.ts");
  const text = readFileSync(file, "utf8");
  writeFileSync(file, text.replace(/expect: 1\b/, "expect: 0"));
  await page.waitForTimeout(1500);
  await runCommand(page, "Test: Run All Tests");
  await explorer.getByText("4/5", { exact: true }).first().waitFor({ timeout: 180_000 });
  await runCommand(page, "Test: Show Output");
  await page.locator(".xterm-rows, .test-output-peek", { hasText: "expected 0, got 1" }).first().waitFor({ timeout: 15_000 }).catch(() => undefined);
  await shot(page, "48-reward-tests-failed");
  writeFileSync(file, text);
  await page.waitForTimeout(1500);
  // "Add as test case" pins the open sample (math-1, accuracy 1) in accuracy.reward.ts's examples.
  const view = await webviewWith(page, '.sample-header h2:text("math-1")');
  await view.locator(".sample-header vscode-button", { hasText: "Add as test case" }).click();
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "accuracy" }).first().click({ timeout: 15_000 });
  await page.locator(".tab.active", { hasText: "accuracy.reward.ts" }).waitFor({ timeout: 15_000 });
  await page.keyboard.press("Control+S");
  for (let i = 0; i < 40 && !readFileSync(file, "utf8").includes("math-1 (math.trace.jsonl:1)"); i++) await page.waitForTimeout(250);
  assert.match(readFileSync(file, "utf8"), /expect: 1, note: "math-1 \(math\.trace\.jsonl:1\)"/);
  await page.waitForTimeout(1500);
  await runCommand(page, "Test: Run All Tests");
  await explorer.getByText("6/6", { exact: true }).first().waitFor({ timeout: 180_000 });
  await shot(page, "49-reward-test-added");
  writeFileSync(file, text);
});
