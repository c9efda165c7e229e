// End-to-end tests of the packaged extension in code-server (see harness.mjs). Screenshots go to
// test-results/e2e/. Run with `npm run test:e2e`.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test as nodeTest } from "node:test";
import { launch, openFile, root, runCommand, shot, viewerFrame } from "./harness.mjs";

const fixture = join(root, "test/e2e/fixtures/shapes-mini");
const TRACE = "data/rollouts.trace.jsonl";
let vscode;

before(async () => {
  vscode = await launch({ fixture });
});
after(async () => {
  if (vscode) {
    const log = vscode.extensionLog();
    const activation = /Activated in ([\d.]+) ms/.exec(log);
    console.log(`extension activation: ${activation ? `${activation[1]} ms` : "not found in the RewardLab log"}`);
    await vscode.close();
  }
});

/** A test that leaves a FAILED-<n> screenshot and the page's console errors behind when it fails. */
let failures = 0;
function test(name, fn) {
  nodeTest(name, async () => {
    try {
      await fn();
    } catch (error) {
      await shot(vscode.page, `FAILED-${++failures}`).catch(() => undefined);
      console.log(`console errors so far:\n${vscode.consoleErrors.join("\n")}`);
      throw error;
    }
  });
}

/** The after-line annotation texts of the visible editor lines (they are CSS ::after content). */
async function annotations(page) {
  return page.evaluate(() => {
    const texts = [];
    for (const span of document.querySelectorAll(".monaco-editor .view-line span")) {
      const content = getComputedStyle(span, "::after").content;
      if (content && content !== "none" && content !== "normal") texts.push(content.replace(/^"|"$/g, ""));
    }
    return texts;
  });
}

test("the RewardLab container lists trace files and reward files", async () => {
  const { page } = vscode;
  await page.locator('.activitybar a[aria-label^="RewardLab"], .activitybar .action-item [aria-label^="RewardLab"]').first().click();
  const traces = page.locator('.pane-header[aria-label^="Traces"]').locator("..");
  await traces.locator(".monaco-list-row", { hasText: "rollouts.trace.jsonl" }).waitFor({ timeout: 30_000 });
  await traces.locator(".monaco-list-row", { hasText: "rollouts.trace.jsonl" }).click();
  await traces.locator(".monaco-list-row", { hasText: "step 10" }).waitFor({ timeout: 15_000 });
  await traces.locator(".monaco-list-row", { hasText: "step 10" }).click();
  await traces.locator(".monaco-list-row", { hasText: "p-1@10" }).click();
  await traces.locator(".monaco-list-row", { hasText: "s-10-p-1-0" }).waitFor();
  const rewards = page.locator('.pane-header[aria-label^="Rewards"]').locator("..");
  await rewards.locator(".monaco-list-row", { hasText: "format" }).first().waitFor({ timeout: 15_000 });
  await page.locator(".statusbar-item", { hasText: "rewards" }).first().waitFor();
  await shot(page, "01-views");
});

test("trace lines show their rewards inline, with a hover and a CodeLens", async () => {
  const { page } = vscode;
  await openFile(page, TRACE);
  await page.waitForFunction(() => document.querySelectorAll(".monaco-editor .codelens-decoration").length > 0, null, { timeout: 30_000 });
  await page.waitForTimeout(500);
  const texts = await annotations(page);
  assert.ok(texts.some((t) => /Σ 2\.00 · format 1\.00 · accuracy 1\.00 · adv \+/.test(t)), `annotations: ${texts.slice(0, 4).join(" | ")}`);
  const lenses = await page.locator(".codelens-decoration").allTextContents();
  assert.ok(lenses.some((t) => t.includes("Open in Trace Viewer")));
  const gutters = await page.locator(".monaco-editor .cgmr").count();
  assert.ok(gutters > 0, "gutter colours");
  await shot(page, "02-annotations");
  await page.locator(".view-line").first().hover({ position: { x: 120, y: 5 } });
  const hover = page.locator(".monaco-hover-content", { hasText: "total" });
  await hover.waitFor({ timeout: 15_000 });
  assert.match(await hover.textContent(), /s-10-p-1-0/);
  await page.waitForTimeout(600); // let the hover fade in before the screenshot
  await shot(page, "03-hover");
  await page.keyboard.press("Escape");
});

test("the trace viewer lists, sorts and shows a sample with regions and coloured tokens", async () => {
  const { page } = vscode;
  await page.locator(".codelens-decoration a", { hasText: "Open in Trace Viewer" }).first().click();
  const view = viewerFrame(page);
  await view.locator(".list-spacer .list-row").first().waitFor({ timeout: 30_000 });
  assert.equal(await view.locator(".list-status").textContent(), "20 samples");
  await view.locator(".sample-header h2", { hasText: "s-10-p-1-0" }).waitFor({ timeout: 15_000 });
  await view.locator(".region.truth rect").first().waitFor();
  assert.equal(await view.locator(".region.truth").count(), 2);
  assert.equal(await view.locator(".region.predicted").count(), 2);
  assert.match(await view.locator(".region.predicted text").first().textContent(), /IoU 1\.00/);
  const coloured = await view.locator(".completion .seg").evaluateAll((spans) => spans.filter((s) => s.style.backgroundColor).length);
  assert.ok(coloured > 5, `coloured segments: ${coloured}`);
  await view.locator(".seg.mentions-region").first().hover();
  assert.ok((await view.locator(".region.hl").count()) > 0, "hovering a step highlights its regions");
  await shot(page, "04-viewer-sample");
});

test("the viewer sorts by total and shows a group side by side", async () => {
  const { page } = vscode;
  const view = viewerFrame(page);
  await view.locator(".toolbar vscode-button").click(); // high first
  const sortSelect = view.locator(".toolbar vscode-single-select").first();
  await sortSelect.evaluate((select) => {
    select.value = "total";
    select.dispatchEvent(new Event("change"));
  });
  await view.locator(".list-spacer .list-row").first().waitFor();
  await page.waitForTimeout(300);
  const firstTotal = await view.locator(".list-spacer .list-row .col-num").first().textContent();
  assert.equal(firstTotal, "2.00");
  await view.locator("vscode-tab-header", { hasText: "Group" }).click();
  await view.locator(".group-card").first().waitFor({ timeout: 15_000 });
  assert.equal(await view.locator(".group-card").count(), 5);
  await shot(page, "05-viewer-group");
  await view.locator("vscode-tab-header", { hasText: "Sample" }).click();
});

test("model output is shown as text: markup in a completion renders literally and runs nothing", async () => {
  const { page, dialogs } = vscode;
  const view = viewerFrame(page);
  await view.locator(".toolbar .search-field").evaluate((field) => {
    field.value = "s-10-p-1-4";
    field.dispatchEvent(new Event("input"));
  });
  await view.locator(".list-spacer .list-row", { hasText: "s-10-p-1-4" }).click();
  await view.locator(".sample-header h2", { hasText: "s-10-p-1-4" }).waitFor({ timeout: 15_000 });
  const text = await view.locator(".completion").textContent();
  assert.ok(text.includes("<img src=x onerror=alert(1)>"), text);
  assert.ok(text.includes("</script><script>alert(2)</script>"), text);
  assert.equal(await view.locator(".completion img, .completion script").count(), 0);
  await page.waitForTimeout(500);
  assert.deepEqual(dialogs, []);
  await shot(page, "06-viewer-markup-as-text");
});

test("annotations follow the trace file when it changes on disk", async () => {
  const { page, workspace } = vscode;
  // Quick Open would reveal the viewer (the file's last editor): go back to the text editor's tab.
  await page.locator(".tab", { hasText: "rollouts.trace.jsonl" }).first().click();
  const file = join(workspace, TRACE);
  const lines = readFileSync(file, "utf8").split("\n");
  const first = JSON.parse(lines[0]);
  first.rewards = { format: 0.25, accuracy: 0.5, brand_new: 3 };
  lines[0] = JSON.stringify(first);
  writeFileSync(file, lines.join("\n"));
  await page.locator(".codelens-decoration", { hasText: "brand_new 3.00" }).first().waitFor({ timeout: 30_000 });
  await shot(page, "07-annotations-after-change");
});
