import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { AdamW } from "../../src/runtime/index";

const root = new URL("../..", import.meta.url).pathname;

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2 * scale);
}

/** Parameters of awkward sizes: below, at and above a multiple of 4 (the kernel's lanes). */
const sizes = { "w.a": 1027, "w.b": 256, "b.c": 3, "b.d": 1 };

function store(seed: number, scale: number): Map<string, Float32Array> {
  return new Map(Object.entries(sizes).map(([name, n], i) => [name, values(n, seed + i, scale)]));
}

/** Largest |a - b| relative to the tensor's largest |b| (float32 rounding shows as ~1e-7). */
function maxRelDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    const scale = Math.max(1e-30, ...Array.from(y, Math.abs));
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / scale);
  }
  return worst;
}

const options = { lr: 0.01, weightDecay: 0.1, clipNorm: 0.5, decays: (name: string) => name.startsWith("w.") };

test("the embedded AdamW kernel is the compiled adamw.wat", async () => {
  const { compiledModule } = (await import(`${root}scripts/build-wasm.mjs`)) as { compiledModule: (name: string) => Promise<string> };
  const embedded = readFileSync(`${root}src/runtime/simd/adamw.wasm.ts`, "utf8");
  assert.equal(embedded, await compiledModule("runtime/simd/adamw.wat"), "run node scripts/build-wasm.mjs after editing adamw.wat");
});

test("AdamW with the SIMD kernel follows the scalar JS AdamW (clipping, decay groups, odd sizes)", () => {
  const [simdParams, jsParams] = [store(1, 0.5), store(1, 0.5)];
  const [simd, js] = [new AdamW(options), new AdamW({ ...options, simd: false })];
  for (let step = 0; step < 6; step++) {
    const grads = store(100 + step, 0.3);
    const a = simd.step(simdParams, grads);
    const b = js.step(jsParams, grads);
    assert.equal(a.gradNorm, b.gradNorm);
  }
  // float32 (SIMD) against float64 (JS) arithmetic: equal to float32 rounding.
  assert.ok(maxRelDiff(simdParams, jsParams) < 2e-6, `params differ by ${maxRelDiff(simdParams, jsParams)}`);
  const [ms, mj] = [simd.exportState(), js.exportState()];
  assert.equal(ms.t, 6);
  assert.ok(maxRelDiff(ms.m, mj.m) < 2e-6 && maxRelDiff(ms.v, mj.v) < 2e-6, `moments differ by ${maxRelDiff(ms.m, mj.m)}, ${maxRelDiff(ms.v, mj.v)}`);
  // Every parameter moved: the tails (n % 4 elements) are updated too.
  const start = store(1, 0.5);
  for (const [name, p] of simdParams) assert.notEqual(p[p.length - 1], start.get(name)![p.length - 1], `${name}'s last element`);
});

test("SIMD AdamW resumes exactly from exported state, and takes parameters that appear later", () => {
  const params = store(7, 0.5);
  const opt = new AdamW(options);
  const first = new Map([...params].filter(([name]) => name !== "b.d"));
  opt.step(params, new Map([...store(20, 0.3)].filter(([name]) => first.has(name))));
  opt.step(params, store(21, 0.3)); // "b.d" gets a gradient from now on: the moments are laid out again
  const resumed = new AdamW(options);
  resumed.importState(opt.exportState());
  const copy = new Map([...params].map(([k, v]) => [k, v.slice()]));
  for (let step = 0; step < 3; step++) {
    const grads = store(30 + step, 0.3);
    opt.step(params, grads);
    resumed.step(copy, grads);
  }
  assert.equal(maxRelDiff(params, copy), 0);
  assert.equal(opt.exportState().t, 5);
});
