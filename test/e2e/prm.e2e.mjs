// End-to-end test of the rewardlab.prm.* settings (see harness.mjs): a workspace with a tiny ONNX
// PRM (built by test/reward/prmFixture.ts) and no reward files; the setting alone makes scoring
// include a process reward "prm", painted over the steps in the viewer. A separator that is not one
// token of the tokenizer is reported against the settings.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { launch, openFile, root, runCommand, shot, testWith, viewerFrame } from "./harness.mjs";

const TRACE = "data/steps.trace.jsonl";
// P(label 1) at the separator is 0.852 after a digit and 0.438 otherwise (prmFixture.ts).
const SAMPLES = [
  { id: "digits", prompt: "What is 2+3?", completion: "Step 1: 2+3=5\nStep 2: the answer is 5", steps: [{ text: "2+3=5" }, { text: "the answer is 5" }] },
  { id: "words", prompt: "What is 2+3?", completion: "Step 1: 2+3=5\nStep 2: it is five", steps: [{ text: "2+3=5" }, { text: "it is five" }] },
];

function makeFixture() {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-prm-fixture-"));
  const script = `require(${JSON.stringify(join(root, "test/reward/prmFixture.ts"))}).writePrmFolder(process.argv[1]);`;
  const built = spawnSync(process.execPath, ["--import", "tsx", "-e", script, join(dir, "models/prm")], { cwd: root, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`building the tiny PRM failed:\n${built.stderr}`);
  mkdirSync(join(dir, "data"));
  // The settings file exists from the start: the second test rewrites it (a new .vscode folder may go unwatched).
  mkdirSync(join(dir, ".vscode"));
  writeFileSync(join(dir, ".vscode/settings.json"), "{}\n");
  writeFileSync(join(dir, TRACE), SAMPLES.map((s) => JSON.stringify(s)).join("\n") + "\n");
  return dir;
}

let fixture;
let vscode;
before(async () => {
  fixture = makeFixture();
  vscode = await launch({ fixture, settings: { "rewardlab.prm.model": "models/prm" } });
});
after(async () => {
  await vscode?.close();
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

const test = testWith(() => vscode, "prm");

test("rewardlab.prm.model adds a process reward 'prm' scored by the ONNX model", async () => {
  const { page } = vscode;
  await openFile(page, TRACE);
  // min over steps: both steps end in a digit -> 0.85; the second ends in a word -> 0.44.
  await page.locator(".codelens-decoration", { hasText: "prm 0.85" }).first().waitFor({ timeout: 60_000 });
  await page.locator(".codelens-decoration", { hasText: "prm 0.44" }).first().waitFor({ timeout: 10_000 });
  await shot(page, "30-prm-inline");
  await runCommand(page, "RewardLab: Open Trace Viewer");
  const viewer = viewerFrame(page);
  await viewer.locator(".list-spacer .list-row").first().waitFor({ timeout: 30_000 });
  await viewer.locator(".list-spacer .list-row", { hasText: "words" }).first().click();
  await viewer.getByText("it is five").first().waitFor({ timeout: 15_000 });
  await shot(page, "31-prm-viewer");
});

test("a separator that is not one token is reported against the settings", async () => {
  const { page, workspace } = vscode;
  writeFileSync(join(workspace, ".vscode/settings.json"), JSON.stringify({ "rewardlab.prm.separator": "<sep>" }));
  const toast = page.locator(".notification-toast", { hasText: "rewardlab.prm.model" }).first();
  await toast.waitFor({ timeout: 60_000 }).catch((error) => {
    console.log(`RewardLab log:\n${vscode.extensionLog()}`);
    throw error;
  });
  assert.match(await toast.textContent(), /separator "<sep>" encodes to 5 tokens/);
  await shot(page, "32-prm-bad-separator");
});
