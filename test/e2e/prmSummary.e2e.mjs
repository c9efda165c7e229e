// Issue 23 item 3, the viewer side of process-reward benchmarks: a trace whose steps carry labels
// (the ProcessBench fixtures, converted; splits gsm8k and math) in a workspace with the math-cot
// rewards (the process reward `arithmetic`). The viewer's summary above the list shows per split
// exactly what `rewardlab prm-eval --json` prints for the same file and rewards, follows a re-score
// after a reward edit, and each step shows its label beside its score. Wide dark and ~600 px light.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, openFile, root, runCommand, shot, testWith, viewerFrame } from "./harness.mjs";

const TRACE = "data/processbench.trace.jsonl";
const REWARD = "rewards/arithmetic.reward.ts";
const cli = join(root, "dist/cli.js");
let fixture;
let vscode;
const test = testWith(() => vscode, "prm-summary");

before(async () => {
  fixture = join(root, "test-results/e2e-prm-summary-fixture");
  rmSync(fixture, { recursive: true, force: true });
  mkdirSync(join(fixture, "data"), { recursive: true });
  cpSync(join(root, "sample-workspaces/math-cot/rewards"), join(fixture, "rewards"), { recursive: true });
  const lines = ["gsm8k", "math"].map((subset) => {
    const out = join(fixture, `data/${subset}.tmp.jsonl`);
    execFileSync(process.execPath, [cli, "convert", join(root, `test/fixtures/importers/processbench/${subset}.json`), "--out", out], { stdio: "pipe" });
    const text = readFileSync(out, "utf8").trimEnd();
    rmSync(out);
    return text;
  });
  writeFileSync(join(fixture, TRACE), lines.join("\n") + "\n");
  vscode = await launch({ fixture });
});
after(async () => {
  await vscode?.close();
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

/** What `rewardlab prm-eval --json` reports for the trace with the workspace's rewards as they are now. */
function prmEval(workspace) {
  const stdout = execFileSync(process.execPath, [cli, "prm-eval", TRACE, "--rewards", "rewards", "--json"], { cwd: workspace, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(stdout).results.filter((r) => r.samples > 0);
}

const percent = (value) => (value === null ? "–" : (100 * value).toFixed(1));
const KEYS = ["error_accuracy", "correct_accuracy", "processbench_f1", "step_precision", "step_recall", "step_f1", "macro_f1"];

/** prm-eval's results as the summary's cells should read them, keyed `reward/split`. */
function expectedCells(results) {
  return Object.fromEntries(
    results.map((r) => [
      `${r.reward}/${r.split}`,
      {
        samples: `${r.samples} (${r.erroneous_samples}/${r.correct_samples})`,
        ...Object.fromEntries(KEYS.map((key) => [key, percent(r[key])])),
        auc: r.auc === null ? "–" : r.auc.toFixed(3) + (r.auc_exact ? "" : "~"),
      },
    ]),
  );
}

/** The summary table's cells, keyed as `expectedCells`. */
async function shownCells(view) {
  return view.locator(".process-summary tbody tr[data-reward]").evaluateAll((rows) =>
    Object.fromEntries(rows.map((row) => [`${row.dataset.reward}/${row.dataset.split}`, Object.fromEntries([...row.querySelectorAll("td[data-key]")].map((td) => [td.dataset.key, td.textContent]))])),
  );
}

/** Waits until the summary shows `expected` (it follows scoring, which may still be under way). */
async function summaryShows(view, expected, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  let shown;
  while (Date.now() < deadline) {
    shown = await shownCells(view).catch(() => undefined);
    if (shown && JSON.stringify(shown) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(shown, expected);
}

test("the summary above the list shows prm-eval's numbers per split, and each step its label beside its score", async () => {
  const { page, workspace } = vscode;
  const expected = expectedCells(prmEval(workspace));
  assert.deepEqual(Object.keys(expected), ["arithmetic/gsm8k", "arithmetic/math", "arithmetic/all"]);
  console.log(`prm-eval --json, as the summary should show it: ${JSON.stringify(expected)}`);
  await openFile(page, TRACE);
  await runCommand(page, "RewardLab: Open Trace Viewer");
  const view = viewerFrame(page);
  await view.locator(".process-summary:not([hidden])").waitFor({ timeout: 60_000 });
  await summaryShows(view, expected);
  // Collapsed, the headline still gives each reward's overall numbers.
  assert.match(await view.locator(".process-summary .summary-headline").textContent(), /arithmetic: ProcessBench F1 0\.0 · step F1 0\.0 · AUC 0\.429/);
  // The first sample (gsm8k.json:0): steps labelled +1, -1 then unlabelled; arithmetic's scores beside them.
  await view.locator(".sample-header h2", { hasText: "gsm8k.json:0" }).waitFor({ timeout: 30_000 });
  const steps = await view.locator(".steps li").evaluateAll((items) => items.map((item) => [item.querySelector(".step-score")?.textContent.trim() ?? "", item.querySelector(".step-label")?.textContent ?? ""]));
  assert.deepEqual(steps.slice(0, 2).map(([, label]) => label), ["+1", "−1"]);
  assert.ok(steps.some(([score]) => score !== ""), `some step has arithmetic's score: ${JSON.stringify(steps)}`);
  await page.waitForTimeout(500);
  await shot(page, "60-prm-summary-wide-dark");
});

test("after an edit of the process reward the summary shows the re-scored numbers", async () => {
  const { page, workspace } = vscode;
  const view = viewerFrame(page);
  // Steps without an equation were not applicable (null); now they are doubtful (0.25: flagged).
  const before = await shownCells(view);
  const file = join(workspace, REWARD);
  const source = readFileSync(file, "utf8");
  const edited = source.replace("checkEquations(step.text))", "checkEquations(step.text) ?? 0.25)");
  assert.notEqual(edited, source, "the reward's score line was found");
  writeFileSync(file, edited);
  const expected = expectedCells(prmEval(workspace));
  console.log(`prm-eval --json after the edit: ${JSON.stringify(expected)}`);
  assert.notDeepEqual(expected, before, "the edit changes the numbers");
  await summaryShows(view, expected);
  await shot(page, "61-prm-summary-rescored-dark");
});

test("at ~600 px, light: every column of the summary fits the viewer", async () => {
  const { page } = vscode;
  const view = viewerFrame(page);
  await runCommand(page, "View: Close Primary Side Bar");
  await page.setViewportSize({ width: 640, height: 950 });
  await page.waitForTimeout(800);
  await runCommand(page, "Preferences: Toggle between Light/Dark Themes");
  await page.locator(".monaco-workbench.vs:not(.vs-dark)").waitFor({ timeout: 30_000 });
  // The edit's notification would cover the sample view.
  await runCommand(page, "Notifications: Clear All Notifications");
  await page.waitForTimeout(1000);
  // Every column fits the viewer's ~590 px: headings wrap, nothing needs scrolling sideways.
  const fit = await view.locator(".process-summary .summary-scroll").evaluate((node) => ({ scroll: node.scrollWidth, client: node.clientWidth, body: document.body.clientWidth }));
  assert.ok(fit.body < 620, `viewer width ${fit.body}`);
  assert.ok(fit.scroll <= fit.client + 1, `summary table ${fit.scroll} px in ${fit.client} px`);
  await shot(page, "62-prm-summary-narrow-light");
  await page.setViewportSize({ width: 1500, height: 950 });
});
