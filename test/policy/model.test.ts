import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../../src/ir/index";
import { CompiledGraph } from "../../src/runtime/index";
import { packSequences } from "../../src/policy/batch";
import { initPolicy } from "../../src/policy/checkpoint";
import { type PolicyConfig, defaultPolicyConfig } from "../../src/policy/config";
import { PolicyGenerator } from "../../src/policy/generate";
import { buildScoringGraph, tokenEntropy } from "../../src/policy/model";
import { PolicyTokenizer } from "../../src/policy/tokenizer";
import { seededRandom } from "../../src/runtime/index";

const tok = PolicyTokenizer.characterLevel();

function tinyConfig(image: boolean): PolicyConfig {
  return { ...defaultPolicyConfig(tok.vocabSize, image ? { size: 16, patch: 8 } : null), d_model: 32, n_layers: 2, n_heads: 2, d_hidden: 64, max_text_len: 64 };
}

function randomImage(seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: 16 * 16 * 3 }, () => rand() * 2 - 1);
}

for (const image of [true, false]) {
  test(`KV-cache decode gives the same log-probs as the full-sequence forward (${image ? "image" : "text"})`, async () => {
    const cfg = tinyConfig(image);
    // Larger-than-default init so the logits are far from uniform and a mismatch would show.
    const policy = initPolicy({ ...cfg }, tok, 3);
    for (const [name, p] of policy.params) if (name.endsWith(".w") || name === "wte") for (let i = 0; i < p.length; i++) p[i] *= 4;
    const items = [
      { promptIds: tok.encode("How many red?\n"), image: image ? randomImage(1) : null },
      { promptIds: tok.encode("Hi\n"), image: image ? randomImage(2) : null },
    ];
    const gen = new PolicyGenerator(policy, { threads: 1 });
    const out = await gen.generate(items, { temperature: 1, topP: 1, maxNewTokens: 12, seed: 7 });
    assert.ok(out.every((o) => o.ids.length > 0));

    const g = new GraphBuilder();
    const sg = buildScoringGraph(g, cfg);
    const graph = new CompiledGraph(g, { logp: sg.logProbs, entropy: tokenEntropy(g, sg.logits) }, { threads: 1 });
    const packed = packSequences(cfg, items.map((it, b) => ({ ...it, responseIds: out[b].ids })), tok.pad);
    const res = await graph.run(packed.feeds, policy.params);
    const logp = res.logp.data as Float32Array;
    const ent = res.entropy.data as Float32Array;
    out.forEach((o, b) => {
      o.ids.forEach((_, t) => {
        const i = b * packed.responseLen + t;
        assert.ok(Math.abs(logp[i] - o.logprobs[t]) < 1e-3, `row ${b} token ${t}: full ${logp[i]} vs cached ${o.logprobs[t]}`);
        assert.ok(Math.abs(ent[i] - o.entropies[t]) < 1e-3, `row ${b} token ${t}: entropy ${ent[i]} vs ${o.entropies[t]}`);
      });
    });
    await gen.dispose();
    await graph.dispose();
  });
}

test("generation is deterministic for a seed and differs across seeds", async () => {
  const cfg = tinyConfig(false);
  const policy = initPolicy(cfg, tok, 1);
  const gen = new PolicyGenerator(policy, { threads: 1 });
  const items = [{ promptIds: tok.encode("abc\n") }, { promptIds: tok.encode("de\n") }];
  const a = await gen.generate(items, { temperature: 1, topP: 0.9, maxNewTokens: 10, seed: 5 });
  const b = await gen.generate(items, { temperature: 1, topP: 0.9, maxNewTokens: 10, seed: 5 });
  const c = await gen.generate(items, { temperature: 1, topP: 0.9, maxNewTokens: 10, seed: 6 });
  assert.deepEqual(a.map((x) => x.ids), b.map((x) => x.ids));
  assert.notDeepEqual(a.map((x) => x.ids), c.map((x) => x.ids));
  await gen.dispose();
});

test("tokenizer round-trips text with special tokens and reports unknown characters", () => {
  const text = "<think>Step 1: red circle [3,5,17,19]\nStep 2: 6 * 3 = 18</think><answer>18</answer>";
  const ids = tok.encode(text);
  assert.equal(tok.decode(ids), text);
  assert.equal(ids[0], tok.thinkOpen);
  assert.equal(ids.at(-1), tok.answerClose);
  assert.deepEqual(tok.unknownCharacters("café ✓"), ["é", "✓"]);
});

test("the scoring graph declares the critic's parameters: the value head's, none without one", () => {
  const tok = PolicyTokenizer.characterLevel();
  const config: PolicyConfig = { ...defaultPolicyConfig(tok.vocabSize, null), d_model: 16, n_layers: 1, n_heads: 2, d_hidden: 32, max_text_len: 32 };
  const withHead = buildScoringGraph(new GraphBuilder(), { ...config, value_head: true });
  assert.deepEqual([...withHead.criticParams].sort(), ["value.b", "value.w"]);
  assert.deepEqual([...buildScoringGraph(new GraphBuilder(), { ...config, value_head: false }).criticParams], []);
});
