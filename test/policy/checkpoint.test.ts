// The one checkpoint module: a policy folder plus, for trainers, trainer-state.json and the AdamW
// moments of each optimizer; reading it back checks every tensor's presence and shape.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasTrainerState, initPolicy, loadPolicy, readOptimizerState, readTrainerState, removeInterruptedSaves, saveCheckpoint } from "../../src/policy/checkpoint";
import { defaultPolicyConfig } from "../../src/policy/config";
import { PolicyTokenizer } from "../../src/policy/tokenizer";

test("a checkpoint round-trips the policy, the trainer state and each optimizer; a shape mismatch names file and tensor", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rl-ckpt-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tok = PolicyTokenizer.characterLevel();
  const config = { ...defaultPolicyConfig(tok.vocabSize, null), d_model: 16, n_layers: 1, n_heads: 2, d_hidden: 32, max_text_len: 64 };
  const policy = initPolicy(config, tok, 3);
  const plain = join(dir, "plain");
  saveCheckpoint(plain, policy);
  assert.equal(hasTrainerState(plain), false);
  assert.equal(readTrainerState(plain), null);
  assert.equal(readOptimizerState(plain), null);

  const [name, first] = [...policy.params][0];
  const moments = (scale: number) => ({ t: 7, m: new Map([[name, first.map((x) => x * scale)]]), v: new Map([[name, first.map((x) => x * x)]]) });
  const full = join(dir, "step-00007");
  saveCheckpoint(full, policy, { state: { step: 7, note: "x" }, optimizers: { actor: moments(1), critic: moments(2) } });
  const back = loadPolicy(full);
  assert.deepEqual(back.config, config);
  assert.deepEqual([...back.params.keys()], [...policy.params.keys()]);
  assert.deepEqual(back.params.get(name), first);
  assert.deepEqual(readTrainerState(full), { step: 7, note: "x" });
  assert.deepEqual(readOptimizerState(full, "actor"), moments(1));
  assert.deepEqual(readOptimizerState(full, "critic"), moments(2));

  // Saving again over a folder replaces it whole.
  saveCheckpoint(full, policy);
  assert.equal(hasTrainerState(full), false);

  writeFileSync(join(full, "config.json"), JSON.stringify({ ...config, d_model: 32, d_hidden: 64 }));
  assert.throws(() => loadPolicy(full), /model\.safetensors: "[^"]+" has shape \[\d+(,\d+)*\] but the model expects \[\d+(,\d+)*\]/);
  writeFileSync(join(full, "config.json"), "{ not json");
  assert.throws(() => loadPolicy(full), /config\.json: /);
});

test("what an interrupted save leaves behind is removed on resume, and only that", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "rl-ckpt-stale-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of [".step-00003.tmp-123-456", ".step-00002.tmp-9-9.old", ".sft.tmp-1-2", "step-00002", ".hidden", "notes.tmp-1-2"]) mkdirSync(join(dir, name));
  assert.deepEqual(removeInterruptedSaves(dir, "sft"), [".sft.tmp-1-2"]);
  assert.deepEqual(removeInterruptedSaves(dir).sort(), [".step-00002.tmp-9-9.old", ".step-00003.tmp-123-456"]);
  assert.deepEqual(readdirSync(dir).sort(), [".hidden", "notes.tmp-1-2", "step-00002"]);
  assert.deepEqual(removeInterruptedSaves(join(dir, "missing")), []);
});
