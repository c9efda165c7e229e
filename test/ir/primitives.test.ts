// Every primitive: ONNX Runtime forward vs the float64 reference, and its gradient rule vs central
// finite differences (plus the emitted backward graph vs the reference gradient).

import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder, type Primitive, evaluate, grad, gradients } from "../../src/ir/index";
import { CompiledGraph } from "../../src/runtime/session";
import { type OpCase, checkForward, checkGrad } from "./check";

const pos = { lo: 0.5, hi: 2 };
const idx = (shape: number[], ints: number[]) => ({ shape, ints });

/** One line per primitive (several for broadcasting variants). `covers` lists what each exercises. */
const cases: (OpCase & { covers: Primitive[] })[] = [
  { name: "add broadcast", covers: ["add"], inputs: [{ shape: [2, 3] }, { shape: [3] }], f: (g, [a, b]) => g.add(a, b) },
  { name: "sub broadcast", covers: ["sub"], inputs: [{ shape: [2, 1] }, { shape: [2, 3] }], f: (g, [a, b]) => g.sub(a, b) },
  { name: "mul broadcast", covers: ["mul"], inputs: [{ shape: [2, 3, 4] }, { shape: [3, 1] }], f: (g, [a, b]) => g.mul(a, b) },
  { name: "div", covers: ["div"], inputs: [{ shape: [2, 3] }, { shape: [2, 3], ...pos }], f: (g, [a, b]) => g.div(a, b) },
  { name: "max", covers: ["max"], inputs: [{ shape: [2, 3] }, { shape: [3] }], f: (g, [a, b]) => g.max(a, b) },
  { name: "min", covers: ["min"], inputs: [{ shape: [2, 3] }, { shape: [2, 3] }], f: (g, [a, b]) => g.min(a, b) },
  { name: "neg", covers: ["neg"], inputs: [{ shape: [5] }], f: (g, [a]) => g.neg(a) },
  { name: "exp", covers: ["exp"], inputs: [{ shape: [5] }], f: (g, [a]) => g.exp(a) },
  { name: "log", covers: ["log"], inputs: [{ shape: [5], ...pos }], f: (g, [a]) => g.log(a) },
  { name: "sqrt", covers: ["sqrt"], inputs: [{ shape: [5], ...pos }], f: (g, [a]) => g.sqrt(a) },
  { name: "reciprocal", covers: ["reciprocal"], inputs: [{ shape: [5], ...pos }], f: (g, [a]) => g.reciprocal(a) },
  { name: "tanh", covers: ["tanh"], inputs: [{ shape: [5] }], f: (g, [a]) => g.tanh(a) },
  { name: "erf", covers: ["erf"], inputs: [{ shape: [5], lo: -2, hi: 2 }], f: (g, [a]) => g.erf(a) },
  { name: "less", covers: ["less", "cast"], noGrad: true, inputs: [{ shape: [4] }, { shape: [4] }], f: (g, [a, b]) => g.cast(g.less(a, b), "float32") },
  { name: "greater", covers: ["greater"], noGrad: true, inputs: [{ shape: [4] }, { shape: [4] }], f: (g, [a, b]) => g.cast(g.greater(a, b), "float32") },
  { name: "equal", covers: ["equal"], noGrad: true, inputs: [{ shape: [4] }], f: (g, [a]) => g.cast(g.equal(a, g.reduceMax(a, [0], true)), "float32") },
  { name: "where", covers: ["where"], inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [3] }], f: (g, [c, a, b]) => g.where(g.greater(c, 0), a, b) },
  { name: "matmul 2d", covers: ["matmul"], inputs: [{ shape: [3, 4] }, { shape: [4, 2] }], f: (g, [a, b]) => g.matmul(a, b) },
  { name: "matmul batched x weight", covers: ["matmul", "reshape"], inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }], f: (g, [a, b]) => g.matmul(a, b) },
  { name: "matmul batched broadcast", covers: ["matmul"], inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }], f: (g, [a, b]) => g.matmul(a, b) },
  { name: "matmul transposed", covers: ["matmul", "transpose"], inputs: [{ shape: [2, 4, 3] }, { shape: [2, 5, 4] }], f: (g, [a, b]) => g.matmul(g.transpose(a), g.transpose(b)) },
  { name: "reduceSum", covers: ["reduceSum"], inputs: [{ shape: [2, 3, 4] }], f: (g, [a]) => g.sum(a, [0, 2]) },
  { name: "reduceSum keepdims", covers: ["reduceSum"], inputs: [{ shape: [2, 3] }], f: (g, [a]) => g.sum(a, [1], true) },
  { name: "reduceMean", covers: ["reduceMean"], inputs: [{ shape: [2, 3, 4] }], f: (g, [a]) => g.mean(a, [1]) },
  { name: "reduceMax", covers: ["reduceMax"], inputs: [{ shape: [3, 4] }], f: (g, [a]) => g.reduceMax(a, [1]) },
  { name: "reshape -1", covers: ["reshape"], inputs: [{ shape: [2, 3, 4] }], f: (g, [a]) => g.reshape(a, [-1, 4]) },
  { name: "expand", covers: ["expand"], inputs: [{ shape: [3, 1] }], f: (g, [a]) => g.expand(a, [2, 3, 4]) },
  { name: "transpose", covers: ["transpose"], inputs: [{ shape: [2, 3, 4] }], f: (g, [a]) => g.transpose(a, [2, 0, 1]) },
  { name: "slice", covers: ["slice"], inputs: [{ shape: [3, 5] }], f: (g, [a]) => g.slice(a, 1, 1, 4) },
  { name: "pad", covers: ["pad"], inputs: [{ shape: [2, 3] }], f: (g, [a]) => g.pad(a, 0, 1, 2) },
  { name: "concat", covers: ["concat"], inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], f: (g, [a, b]) => g.concat([a, b, a], 1) },
  { name: "gather rows, repeated", covers: ["gather"], inputs: [{ shape: [5, 3] }, idx([2, 3], [0, 4, 4, 1, 0, 0])], f: (g, [t, i]) => g.gather(t, i) },
  { name: "gatherElements", covers: ["gatherElements"], inputs: [{ shape: [2, 3, 4] }, idx([2, 3, 1], [3, 0, 1, 2, 2, 0])], f: (g, [x, i]) => g.gatherElements(x, i, 2) },
  { name: "scatterNDAdd", covers: ["scatterNDAdd", "constant"], inputs: [{ shape: [4, 2] }, idx([3, 1], [1, 3, 1]), { shape: [3, 2] }], f: (g, [d, i, u]) => g.scatterNDAdd(d, i, u) },
  { name: "scatterElementsAdd", covers: ["scatterElementsAdd"], inputs: [{ shape: [2, 4] }, idx([2, 2], [0, 0, 3, 1]), { shape: [2, 2] }], f: (g, [d, i, u]) => g.scatterElementsAdd(d, i, u, 1) },
  { name: "trilu", covers: ["trilu"], inputs: [{ shape: [2, 3, 3] }], f: (g, [a]) => g.trilu(a) },
  { name: "stopGradient", covers: ["stopGradient"], noGrad: true, inputs: [{ shape: [3] }], f: (g, [a]) => g.stopGradient(a) },
  { name: "softmax", covers: ["softmax"], inputs: [{ shape: [2, 5], lo: -3, hi: 3 }], f: (g, [a]) => g.softmax(a, -1) },
  { name: "softmax axis 0", covers: ["softmax"], inputs: [{ shape: [3, 2] }], f: (g, [a]) => g.softmax(a, 0) },
  { name: "logSoftmax", covers: ["logSoftmax"], inputs: [{ shape: [2, 5], lo: -3, hi: 3 }], f: (g, [a]) => g.logSoftmax(a) },
  { name: "gelu", covers: ["gelu"], inputs: [{ shape: [7], lo: -4, hi: 4 }], f: (g, [a]) => g.gelu(a) },
  { name: "gelu tanh", covers: ["gelu"], inputs: [{ shape: [7], lo: -4, hi: 4 }], f: (g, [a]) => g.gelu(a, "tanh") },
  { name: "layerNorm", covers: ["layerNorm"], inputs: [{ shape: [2, 3, 5] }, { shape: [5] }, { shape: [5] }], f: (g, [x, w, b]) => g.layerNorm(x, w, b) },
  { name: "layerNorm without beta", covers: ["layerNorm"], inputs: [{ shape: [3, 4] }, { shape: [4] }], f: (g, [x, w]) => g.layerNorm(x, w) },
  { name: "argMax", covers: ["argMax"], noGrad: true, inputs: [{ shape: [3, 4] }], f: (g, [a]) => g.cast(g.argMax(a, 1), "float32") },
  { name: "slices tiling an axis (concat gradient)", covers: ["slice"], inputs: [{ shape: [3, 5] }], f: (g, [a]) => g.mul(g.slice(a, 1, 0, 2), g.exp(g.slice(a, 1, 2, 4))) },
  { name: "overlapping slices (summed gradient)", covers: ["slice"], inputs: [{ shape: [3, 4] }], f: (g, [a]) => g.mul(g.slice(a, 1, 0, 3), g.slice(a, 1, 1, 4)) },
  { name: "fan-out accumulates", covers: ["input", "param"], inputs: [{ shape: [3] }], f: (g, [a]) => g.mul(g.add(a, g.exp(a)), g.tanh(a)) },
  { name: "symbolic-count mean", covers: ["constant"], inputs: [{ shape: [4, 3] }], f: (g, [a]) => g.div(a, g.scalar(4)) },
];

test("the cases cover every primitive in the gradient table", () => {
  const covered = new Set(cases.flatMap((c) => c.covers));
  const missing = (Object.keys(gradients) as Primitive[]).filter((p) => !covered.has(p));
  assert.deepEqual(missing, []);
});

for (const c of cases) {
  test(`forward: ${c.name}`, () => checkForward(c));
  if (!c.noGrad) test(`gradient: ${c.name}`, () => checkGrad(c));
}

test("stopGradient: d/da sum(a * stop(a)) = a (the stopped factor gets no gradient)", () => {
  const g = new GraphBuilder();
  const a = g.input("a", "float32", [3]);
  const [da] = grad(g, g.sum(g.mul(a, g.stopGradient(a))), [a]);
  const data = Float64Array.of(0.5, -2, 3);
  assert.deepEqual([...evaluate(g, [da], { a: { data, shape: [3] } })[0].data], [...data]);
});

test("gradients of slices that tile an axis are concatenated, not padded and summed", () => {
  const g = new GraphBuilder();
  const a = g.input("a", "float32", [2, 6]);
  const parts = [0, 1, 2].map((i) => g.exp(g.slice(a, 1, 2 * i, 2 * i + 2)));
  const [da] = grad(g, g.sum(g.concat(parts.reverse(), 1)), [a]);
  assert.equal(g.nodeOf(da).op, "concat");
});

// ORT's ScatterND(reduction="add") loses updates on repeated indices with more than one intra-op
// thread (onnxruntime#18048), so gather's gradient must not use it: an embedding gradient, run on
// 2 threads, must count every occurrence of every token. Both of gatherGrad's paths: a small
// table (one-hot matmul) and one over its row limit (serial ScatterElements).
for (const rows of [128, 5000]) {
  test(`gather's gradient counts every repeated index on 2 ORT threads (${rows}-row table)`, async () => {
    const [n, width] = [3072, 256];
    const g = new GraphBuilder();
    const table = g.input("table", "float32", [rows, width]);
    const ids = g.input("ids", "int64", [n]);
    const [dTable] = grad(g, g.sum(g.gather(table, ids)), [table]);
    const compiled = new CompiledGraph(g, { dTable }, { threads: 2 });
    const idData = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7) % 128));
    const expected = new Float32Array(rows * width);
    for (const id of idData) for (let c = 0; c < width; c++) expected[Number(id) * width + c] += 1;
    const feeds = { table: { data: new Float32Array(rows * width), shape: [rows, width] }, ids: { data: idData, shape: [n] } };
    for (let run = 0; run < 5; run++) {
      const out = (await compiled.run(feeds)).dTable.data as Float32Array;
      const wrong = out.findIndex((v, i) => v !== expected[i]);
      assert.equal(wrong, -1, `run ${run}: row ${Math.floor(wrong / width)} got ${out[wrong]}, want ${expected[wrong]}`);
    }
    await compiled.dispose();
  });
}
