import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EvaluationCancelled, evaluationFile, runEvaluation } from "../../src/extension/training/evaluation";
import { initPolicy, saveCheckpoint } from "../../src/policy/checkpoint";
import { defaultPolicyConfig } from "../../src/policy/config";
import { writeDataset } from "../../src/policy/tasks/dataset";
import { generateMath } from "../../src/policy/tasks/math";
import { PolicyTokenizer } from "../../src/policy/tokenizer";

const root = new URL("../..", import.meta.url).pathname;
// The TypeScript CLI stands in for the bundled dist/cli.js.
const cli = { cli: join(root, "src/cli/main.ts"), execArgv: ["--import", "tsx"] };

async function tinyWorkspace(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-eval-"));
  cpSync(join(root, "sample-workspaces/math-cot/rewards"), join(dir, "rewards"), { recursive: true });
  const examples = generateMath({ seed: 5, count: 6, difficulty: 1 });
  await writeDataset(dir, "train", examples.slice(0, 2));
  await writeDataset(dir, "test", examples.slice(2));
  const tok = PolicyTokenizer.characterLevel();
  const config = { ...defaultPolicyConfig(tok.vocabSize, null), d_model: 16, n_layers: 1, n_heads: 2, d_hidden: 32, max_text_len: 96 };
  saveCheckpoint(join(dir, "policy"), initPolicy(config, tok, 1));
  writeFileSync(join(dir, "rewardlab.json"), JSON.stringify({ task: "math-cot", data: { train: "data/train.jsonl", test: "data/test.jsonl" } }));
  return dir;
}

test("evaluates a checkpoint in a child process and writes its rollouts", async () => {
  const ws = await tinyWorkspace();
  const out = evaluationFile(join(ws, "runs/r1"), "checkpoints/step-00002");
  assert.equal(out, join(ws, "runs/r1/evaluations/step-00002-test.trace.jsonl"));
  const result = await runEvaluation({ ...cli, workspace: ws, checkpoint: join(ws, "policy"), out, maxTokens: 8 });
  assert.equal(result.count, 4);
  assert.equal(result.split, "test");
  for (const key of ["accuracy", "format_rate", "response_length"] as const) assert.ok(Number.isFinite(result[key]), `${key}: ${result[key]}`);
  assert.equal(result.iou, null, "math has no grounding questions");
  assert.equal(result.rollouts, out);
  assert.equal(readFileSync(out, "utf8").trim().split("\n").length, 4);
  assert.ok(result.response_length <= 8, "max tokens is passed on");
});

test("a missing checkpoint fails with the CLI's message naming it", async () => {
  const ws = await tinyWorkspace();
  const missing = join(ws, "runs/r1/checkpoints/step-00009");
  await assert.rejects(runEvaluation({ ...cli, workspace: ws, checkpoint: missing, out: join(ws, "out.trace.jsonl") }), (error: Error) => {
    assert.ok(error.message.includes("step-00009"), error.message);
    assert.ok(!error.message.startsWith("rewardlab eval:"), "the CLI's prefix is dropped");
    return true;
  });
});

test("aborting kills the child and rejects as cancelled", async () => {
  const ws = await tinyWorkspace();
  const abort = new AbortController();
  const running = runEvaluation({ ...cli, workspace: ws, checkpoint: join(ws, "policy"), out: join(ws, "cancelled.trace.jsonl"), signal: abort.signal });
  abort.abort();
  await assert.rejects(running, EvaluationCancelled);
  assert.equal(existsSync(join(ws, "cancelled.trace.jsonl")), false);
});
