// End to end: graphs are built, differentiated, compiled to ONNX, run by ORT and trained.

import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder, crossEntropy, decoderLM, linear, linearParams } from "../../src/ir/index";
import { AdamW, GraphAdamW, SGD, Trainer, decayMatrices } from "../../src/runtime/index";

function xorModel() {
  const g = new GraphBuilder();
  const x = g.input("x", "float32", ["B", 2]);
  const y = g.input("y", "int64", ["B"]);
  const l1 = linearParams(g, "l1", 2, 8);
  const l2 = linearParams(g, "l2", 8, 2);
  const logits = linear(g, g.tanh(linear(g, x, l1.w, l1.b)), l2.w, l2.b);
  return { g, loss: crossEntropy(g, logits, y) };
}

const xorFeeds = { x: { data: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1), shape: [4, 2] }, y: { data: BigInt64Array.of(0n, 1n, 1n, 0n), shape: [4] } };

for (const kind of ["AdamW (JS)", "GraphAdamW (ORT)", "SGD momentum"] as const) {
  test(`an MLP learns XOR with ${kind} (loss < 0.05)`, async () => {
    const { g, loss: lossT } = xorModel();
    const shapes = new Map([...g.params.values()].map((p) => [p.name, p.shape] as const));
    const optimizer = kind === "AdamW (JS)" ? new AdamW({ lr: 0.05 }) : kind === "SGD momentum" ? new SGD({ lr: 0.3, momentum: 0.9 }) : new GraphAdamW(shapes, { lr: 0.05 });
    const trainer = new Trainer(g, lossT, { optimizer, seed: 1, threads: 1 });
    let loss = Infinity;
    for (let i = 0; i < 300; i++) loss = (await trainer.step(xorFeeds)).loss;
    assert.ok(loss < 0.05, `final loss ${loss}`);
    await trainer.dispose();
  });
}

test("a 2-layer char-level transformer memorises a string (loss < 0.3), with two shape buckets", async () => {
  const text = "hello rewardlab! the quick brown fox.";
  const chars = [...new Set(text)];
  const ids = [...text].map((c) => chars.indexOf(c));
  const g = new GraphBuilder();
  const tokens = g.input("tokens", "int64", ["B", "T"]);
  const targets = g.input("targets", "int64", ["B", "T"]);
  const cfg = { vocab: chars.length, dModel: 32, layers: 2, heads: 2, maxSeq: 16 };
  const { loss } = decoderLM(g, cfg, tokens, targets);
  const trainer = new Trainer(g, loss, {
    optimizer: new AdamW({ lr: 3e-3, weightDecay: 0.01, decays: decayMatrices(g), clipNorm: 1 }),
    seed: 7,
    threads: 1,
  });
  // Batch: every window of length T of the text.
  const batch = (t: number) => {
    const n = ids.length - t;
    const tok = BigInt64Array.from({ length: n * t }, (_, k) => BigInt(ids[Math.floor(k / t) + (k % t)]));
    const tgt = BigInt64Array.from({ length: n * t }, (_, k) => BigInt(ids[Math.floor(k / t) + (k % t) + 1]));
    return { tokens: { data: tok, shape: [n, t] }, targets: { data: tgt, shape: [n, t] } };
  };
  const first = (await trainer.evaluate(batch(16))).loss;
  for (let i = 0; i < 120; i++) await trainer.step(batch(i % 4 === 3 ? 8 : 16));
  const last = (await trainer.evaluate(batch(16))).loss;
  assert.ok(last < 0.3 && last < first / 5, `loss ${first} -> ${last}`);
  assert.equal(trainer.trainGraph.bucketCount, 2);
  await trainer.dispose();
});

test("gradient accumulation over two half-batches equals the full batch's summed gradient", async () => {
  const { g, loss } = xorModel();
  const sumLoss = g.mul(loss, g.scalar("B")); // mean * B = sum over the batch
  const trainer = new Trainer(g, sumLoss, { optimizer: new AdamW({ lr: 0 }), seed: 3, threads: 1 });
  const half = (from: number) => ({
    x: { data: xorFeeds.x.data.slice(2 * from, 2 * from + 4), shape: [2, 2] },
    y: { data: xorFeeds.y.data.slice(from, from + 2), shape: [2] },
  });
  await trainer.computeGradients(xorFeeds);
  const full = new Map([...trainer.grads].map(([n, a]) => [n, Float32Array.from(a)]));
  trainer.zeroGrads();
  await trainer.computeGradients(half(0), true);
  await trainer.computeGradients(half(2), true);
  for (const [n, a] of full) trainer.grads.get(n)!.forEach((v, i) => assert.ok(Math.abs(v - a[i]) < 1e-5, `${n}[${i}]: ${v} vs ${a[i]}`));
  await trainer.dispose();
});
