// The trace viewer on a big file: 100,000 samples and one completion of 30,000 tokens. Checks that
// the list stays virtualised (a few dozen rows in the DOM) and reports how long things take.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, root, runCommand, shot, testWith, viewerFrame } from "./harness.mjs";

const SAMPLES = 100_000;
const LONG_TOKENS = 30_000;
let vscode;
const test = testWith(() => vscode, "large");

/** 100k short samples in groups of 8, plus one sample with a 30k-token completion at index 5. */
function writeLargeTrace(file) {
  const lines = [];
  for (let i = 0; i < SAMPLES; i++) {
    const correct = (i * 7919) % 3 === 0;
    const completion = i === 5 ? longCompletion() : `<think>Step ${i % 4}.\n\nAdd ${i} and 1.</think><answer>${correct ? i + 1 : i}</answer>`;
    const record = { id: `big-${i}`, group: `q-${Math.floor(i / 8)}`, step: Math.floor(i / 10_000), completion, answer: String(i + 1), rewards: { accuracy: correct ? 1 : 0, format: i % 11 === 0 ? 0 : 1 } };
    if (i === 5) record.tokens = longTokens(completion);
    lines.push(JSON.stringify(record));
  }
  writeFileSync(file, lines.join("\n") + "\n");
}

function longCompletion() {
  const words = [];
  for (let i = 0; i < LONG_TOKENS / 2; i++) words.push(i % 200 === 199 ? "step.\n\n" : `w${i % 97}`);
  return `<think>${words.join(" ")}</think><answer>1</answer>`;
}

function longTokens(completion) {
  const pieces = completion.match(/\s+|[^\s]+/g);
  return pieces.map((text, i) => ({ text, logprob: -((i * 37) % 100) / 25, entropy: ((i * 13) % 50) / 25 }));
}

before(async () => {
  // No reward files: this file measures the viewer, not scoring.
  const fixture = join(root, "test-results/e2e-large-fixture");
  mkdirSync(join(fixture, "data"), { recursive: true });
  writeLargeTrace(join(fixture, "data/large.trace.jsonl"));
  // The light theme here (the other files use the dark one): the viewer follows the theme.
  vscode = await launch({ fixture, settings: { "workbench.colorTheme": "Default Light Modern" } });
});
after(async () => {
  // The host's own breakdown of opening the file (src/extension/traceViewer/viewerSession.ts, OpeningTimes).
  console.log((vscode?.extensionLog() ?? "").split("\n").filter((line) => line.includes("Indexed") || line.includes("in the trace viewer:")).join("\n"));
  await vscode?.close();
});

test("a 100k-sample trace opens, scrolls and sorts with a virtualised list", async () => {
  const { page } = vscode;
  const started = Date.now();
  await runCommand(page, "RewardLab: Open Trace Viewer");
  const view = viewerFrame(page);
  // Rows read so far are listed first ("35,000 samples · reading the file…"); this waits for the whole file.
  await view.locator(".list-status", { hasText: /^100,000 samples$/ }).waitFor({ timeout: 120_000 });
  const opened = Date.now() - started;
  const viewport = view.locator(".list-viewport");
  const scrollStarted = Date.now();
  await viewport.evaluate((element) => (element.scrollTop = element.scrollHeight / 2));
  await view.locator(".list-spacer .list-row", { hasText: "big-50" }).first().waitFor({ timeout: 10_000 });
  const scrolled = Date.now() - scrollStarted;
  const rowsInDom = await view.locator(".list-spacer .list-row").count();
  assert.ok(rowsInDom < 120, `rows in the DOM: ${rowsInDom}`);
  const sortStarted = Date.now();
  await view.locator(".toolbar vscode-single-select").first().evaluate((select) => {
    select.value = "advantage";
    select.dispatchEvent(new Event("change"));
  });
  await viewport.evaluate((element) => (element.scrollTop = 0));
  await page.waitForTimeout(200);
  await view.locator(".list-spacer .list-row").first().waitFor();
  const sorted = Date.now() - sortStarted;
  console.log(`100k samples: viewer ready in ${opened} ms, scroll to the middle ${scrolled} ms, sort by advantage ${sorted} ms, ${rowsInDom} rows in the DOM`);
  await shot(page, "12-large-list");
});

test("a 30k-token completion renders coloured without freezing the viewer", async () => {
  const { page } = vscode;
  const view = viewerFrame(page);
  // Filter by length: the one long sample.
  await view.locator(".toolbar vscode-single-select").nth(1).evaluate((select) => {
    select.value = "length";
    select.dispatchEvent(new Event("change"));
  });
  await view.locator(".toolbar .range-field").first().evaluate((field) => {
    field.value = "1000";
    field.dispatchEvent(new Event("input"));
  });
  await view.locator(".list-status", { hasText: /^1 sample$/ }).waitFor({ timeout: 10_000 });
  const started = Date.now();
  await view.locator(".list-spacer .list-row .col-id", { hasText: /^big-5$/ }).first().click();
  await view.locator(".sample-header h2", { hasText: "big-5" }).waitFor({ timeout: 30_000 });
  const firstPaint = Date.now() - started;
  await page.waitForFunction(
    (expected) => {
      const frame = document.querySelector("iframe.webview.ready")?.contentDocument?.querySelector("#active-frame")?.contentDocument;
      return (frame?.querySelectorAll(".completion .seg").length ?? 0) >= expected;
    },
    LONG_TOKENS,
    { timeout: 60_000, polling: 200 },
  ).catch(() => undefined);
  const segments = await view.locator(".completion .seg").count();
  const complete = Date.now() - started;
  assert.ok(segments >= LONG_TOKENS, `segments: ${segments}`);
  const coloured = await view.locator(".completion .seg").evaluateAll((spans) => spans.filter((span) => span.style.backgroundColor).length);
  assert.ok(coloured > LONG_TOKENS / 2, `coloured segments: ${coloured} (channel ${await view.locator(".completion").getAttribute("data-channel")})`);
  console.log(`30k-token completion: first paint ${firstPaint} ms, all ${segments} segments in ${complete} ms`);
  await shot(page, "13-long-completion");
});
