import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { initPolicy, loadPolicy } from "../../src/policy/checkpoint";
import { defaultPolicyConfig } from "../../src/policy/config";
import { ItemBuilder } from "../../src/policy/items";
import { lengthGroups, sampleBatch, trainSft, warmupCosine } from "../../src/policy/sft";
import { generateMath } from "../../src/policy/tasks/math";
import { PolicyTokenizer } from "../../src/policy/tokenizer";

const tok = PolicyTokenizer.characterLevel();
const config = { ...defaultPolicyConfig(tok.vocabSize, null), d_model: 16, n_layers: 1, n_heads: 2, d_hidden: 32, max_text_len: 96 };

function items() {
  const policy = initPolicy(config, tok, 0);
  const builder = new ItemBuilder(policy);
  return generateMath({ seed: 2, count: 16, difficulty: 1 }).map((e) => builder.item(e, ".", e.reference));
}

const options = (outDir: string, steps: number, resume = false) => ({ steps, batchSize: 4, lr: 3e-3, warmupSteps: 2, seed: 0, outDir, saveEvery: 100, resume });

test("supervised warm start lowers the loss and writes a loadable checkpoint", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-sft-"));
  const losses: number[] = [];
  const result = await trainSft(initPolicy(config, tok, 0), items(), { ...options(join(dir, "a"), 30), onProgress: (p) => losses.push(p.loss) });
  assert.equal(result.steps, 30);
  const head = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
  const tail = losses.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(tail < head - 0.5, `loss ${head} -> ${tail}`);
  const loaded = loadPolicy(join(dir, "a"));
  assert.deepEqual(loaded.config, config);
});

test("resumed SFT equals an uninterrupted run bit for bit", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-sft-"));
  await trainSft(initPolicy(config, tok, 0), items(), options(join(dir, "straight"), 6));
  const abort = new AbortController();
  const first = await trainSft(initPolicy(config, tok, 0), items(), { ...options(join(dir, "split"), 6), signal: abort.signal, onProgress: (p) => p.step === 3 && abort.abort() });
  assert.equal(first.stopped, true);
  await trainSft(initPolicy(config, tok, 0), items(), options(join(dir, "split"), 6, true));
  const weights = (name: string) => readFileSync(join(dir, name, "model.safetensors"));
  assert.ok(weights("straight").equals(weights("split")));
});

test("batches come from one length group and the schedule warms up then decays", () => {
  const all = items();
  const groups = lengthGroups(all);
  assert.ok(groups.every((g) => g.members.every((i) => all[i].promptIds.length <= g.promptLen && (all[i].responseIds?.length ?? 0) <= g.responseLen)));
  assert.deepEqual(sampleBatch(groups, 4, 7, 1).indices, sampleBatch(groups, 4, 7, 1).indices);
  assert.ok(warmupCosine(0, 10, 100) < warmupCosine(9, 10, 100));
  assert.equal(warmupCosine(9, 10, 100), 1);
  assert.ok(Math.abs(warmupCosine(100, 10, 100) - 0.1) < 1e-9);
});
