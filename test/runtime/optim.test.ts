import { test } from "node:test";
import assert from "node:assert/strict";
import { AdamW, SGD, globalNorm } from "../../src/runtime/index";

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);

test("AdamW: two steps match the textbook formulas (bias correction, decoupled decay)", () => {
  const p = new Map([["w", Float32Array.of(1, -2)]]);
  const opt = new AdamW({ lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5 });
  const grads = [Float32Array.of(0.5, -1), Float32Array.of(0.25, 2)];
  const ref = [1, -2];
  const m = [0, 0], v = [0, 0];
  grads.forEach((gr, step) => {
    opt.step(p, new Map([["w", gr]]));
    const t = step + 1;
    for (let i = 0; i < 2; i++) {
      m[i] = 0.9 * m[i] + 0.1 * gr[i];
      v[i] = 0.99 * v[i] + 0.01 * gr[i] ** 2;
      const update = m[i] / (1 - 0.9 ** t) / (Math.sqrt(v[i] / (1 - 0.99 ** t)) + 1e-8);
      ref[i] = ref[i] * (1 - 0.1 * 0.5) - 0.1 * update;
    }
  });
  close(p.get("w")![0], ref[0], 1e-5);
  close(p.get("w")![1], ref[1], 1e-5);
});

test("SGD: momentum and global-norm clipping", () => {
  const p = new Map([["a", Float32Array.of(0)], ["b", Float32Array.of(0)]]);
  const grads = new Map([["a", Float32Array.of(3)], ["b", Float32Array.of(4)]]);
  close(globalNorm(grads), 5);
  const opt = new SGD({ lr: 1, momentum: 0.5, clipNorm: 1 });
  assert.equal(opt.step(p, grads).gradNorm, 5);
  close(p.get("a")![0], -0.6, 1e-5);
  opt.step(p, grads);
  close(p.get("a")![0], -0.6 - (0.5 * 0.6 + 0.6), 1e-5);
  const decayOnly = new SGD({ lr: 0.1, weightDecay: 1, decays: (n) => n === "a" });
  const q = new Map([["a", Float32Array.of(1)], ["b", Float32Array.of(1)]]);
  decayOnly.step(q, new Map([["a", Float32Array.of(0)], ["b", Float32Array.of(0)]]));
  close(q.get("a")![0], 0.9);
  close(q.get("b")![0], 1);
});

test("GraphAdamW (update run by ORT) matches the JS AdamW, clipping and decay included", async () => {
  const { GraphAdamW } = await import("../../src/runtime/index");
  const shapes = new Map<string, readonly number[]>([["w", [2, 2]], ["b", [2]]]);
  const opts = { lr: 0.05, weightDecay: 0.1, clipNorm: 0.5, decays: (n: string) => n === "w" };
  const start = () => new Map([["w", Float32Array.of(1, -1, 0.5, 2)], ["b", Float32Array.of(0.1, -0.2)]]);
  const [pj, pg] = [start(), start()];
  const js = new AdamW(opts);
  const graph = new GraphAdamW(shapes, opts);
  for (const gr of [[0.3, -0.1, 0.2, 0.9, 0.5, -0.4], [-0.2, 0.4, 0.1, -0.3, 0.05, 0.6]]) {
    const grads = new Map([["w", Float32Array.from(gr.slice(0, 4))], ["b", Float32Array.from(gr.slice(4))]]);
    const a = js.step(pj, grads);
    const b = await graph.step(pg, grads);
    close(b.gradNorm, a.gradNorm, 1e-5);
  }
  for (const name of ["w", "b"]) pj.get(name)!.forEach((v, i) => close(pg.get(name)![i], v, 1e-5));
  await graph.dispose();
});
