import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder, emitOnnx } from "../../src/ir/index";
import { addDims, bindShape, broadcastShapes, divDims, mulDims, resolveDim, subDims } from "../../src/ir/shape";
import { CompiledGraph } from "../../src/runtime/index";

test("symbolic dims: canonical products, sums, exact division, resolution", () => {
  assert.equal(mulDims("T", "B"), "B*T");
  assert.equal(mulDims(2, mulDims("B", 3)), "6*B");
  assert.equal(divDims("B*T*4", "T"), "4*B");
  assert.throws(() => divDims("B", "T"), /cannot divide/);
  assert.equal(resolveDim(addDims(subDims(192, "T"), "T"), { T: 10 }), 192);
  assert.equal(resolveDim("(P)+(1)", { P: 7 }), 8);
  assert.deepEqual(broadcastShapes(["B", 1, 4], ["T", 1]), ["B", "T", 4]);
  assert.throws(() => broadcastShapes(["B"], ["T"]), /do not broadcast/);
});

test("binding input shapes: symbols are learned once and then checked", () => {
  const b: Record<string, number> = {};
  bindShape(["B", "T"], [2, 5], b, "tokens");
  assert.deepEqual(b, { B: 2, T: 5 });
  assert.throws(() => bindShape(["B", 3], [2, 4], b, "mask"), /mask: dim 1 is 4 but \[B, 3\] says 3 = 3/);
  assert.throws(() => bindShape(["B"], [3], b, "ids"), /ids: dim 0 is 3/);
});

test("graph construction errors say which tensors and shapes", () => {
  const g = new GraphBuilder();
  const a = g.input("a", "float32", ["B", 3]);
  assert.throws(() => g.matmul(a, g.input("w", "float32", [4, 2])), /matmul inner dims differ: t0\[B, 3\]:float32 @ t1\[4, 2\]:float32/);
  assert.throws(() => g.input("a", "float32", [1]), /duplicate input name "a"/);
  const other = new GraphBuilder();
  assert.throws(() => other.neg(a), /belongs to another graph/);
  assert.throws(() => emitOnnx(g, { outputs: { a: g.neg(a) } }), /output name "a" is also an input/);
});

test("one session per shape bucket; an inconsistent feed is rejected before ORT runs", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", "float32", ["B", "T"]);
  const m = g.input("m", "float32", ["B", 1]);
  const compiled = new CompiledGraph(g, { y: g.mul(g.sum(x, [1], true), m) }, { threads: 1 });
  const feed = (b: number, t: number) => ({ x: { data: new Float32Array(b * t).fill(1), shape: [b, t] }, m: { data: new Float32Array(b).fill(2), shape: [b, 1] } });
  assert.deepEqual([...(await compiled.run(feed(2, 3))).y.data], [6, 6]);
  assert.deepEqual([...(await compiled.run(feed(1, 5))).y.data], [10]);
  await compiled.run(feed(2, 3));
  assert.equal(compiled.bucketCount, 2);
  await assert.rejects(compiled.run({ x: feed(2, 3).x, m: feed(3, 1).m }), /input "m": dim 0 is 3 but \[B, 1\] says B = 2/);
  await compiled.dispose();
});

test("KV-cache style concat along a symbolic axis: (P)+(1) resolves per bucket", async () => {
  const g = new GraphBuilder();
  const past = g.input("past", "float32", ["B", "P", 2]);
  const next = g.input("next", "float32", ["B", 1, 2]);
  const keys = g.concat([past, next], 1);
  assert.deepEqual(keys.shape, ["B", "(P)+(1)", 2]);
  const compiled = new CompiledGraph(g, { keys, total: g.sum(keys, [1]) }, { threads: 1 });
  for (const p of [3, 5]) {
    const out = await compiled.run({ past: { data: new Float32Array(p * 2).fill(1), shape: [1, p, 2] }, next: { data: Float32Array.of(5, 7), shape: [1, 1, 2] } });
    assert.deepEqual(out.keys.shape, [1, p + 1, 2]);
    assert.deepEqual([...out.total.data], [p + 5, p + 7]);
  }
  await compiled.dispose();
});
