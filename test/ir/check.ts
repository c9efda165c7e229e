// Shared checks for IR tests: seeded data, ORT-vs-reference forward, finite-difference gradients.

import assert from "node:assert/strict";
import { type DType, GraphBuilder, type RefArray, type Tensor, evaluate, grad } from "../../src/ir/index";
import { CompiledGraph } from "../../src/runtime/session";
import { seededRandom } from "../../src/runtime/params";

/** Seeded generator for test data (the runtime's mulberry32). */
export const rng = seededRandom;

export function randArray(shape: number[], rand: () => number, lo = -1, hi = 1): RefArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float64Array.from({ length: n }, () => lo + (hi - lo) * rand()), shape };
}

/** One float input (random values in [lo, hi]) or a fixed int64 input. */
export type InputCase = { shape: number[]; lo?: number; hi?: number } | { shape: number[]; ints: number[] };

export interface OpCase {
  name: string;
  inputs: InputCase[];
  f: (g: GraphBuilder, xs: Tensor[]) => Tensor;
  /** Skip the gradient check (outputs that are not differentiable, e.g. comparisons). */
  noGrad?: boolean;
}

function makeInputs(c: OpCase, seed: number): { g: GraphBuilder; xs: Tensor[]; feeds: Record<string, RefArray> } {
  const g = new GraphBuilder();
  const rand = rng(seed);
  const feeds: Record<string, RefArray> = {};
  const xs = c.inputs.map((spec, i) => {
    const dtype: DType = "ints" in spec ? "int64" : "float32";
    feeds[`x${i}`] = "ints" in spec ? { data: Float64Array.from(spec.ints), shape: spec.shape } : randArray(spec.shape, rand, spec.lo, spec.hi);
    return g.input(`x${i}`, dtype, spec.shape);
  });
  return { g, xs, feeds };
}

function toHost(a: RefArray, dtype: DType) {
  const data = dtype === "int64" ? BigInt64Array.from(a.data, (v) => BigInt(v)) : Float32Array.from(a.data);
  return { data, shape: a.shape };
}

/** Runs `outputs` of `g` on onnxruntime and returns float64 copies. */
export async function runOrt(g: GraphBuilder, outputs: Tensor[], feeds: Record<string, RefArray>): Promise<RefArray[]> {
  const named = Object.fromEntries(outputs.map((t, i) => [`y${i}`, t]));
  const compiled = new CompiledGraph(g, named, { threads: 1 });
  const host = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toHost(v, g.inputs.get(k)!.dtype)]));
  const out = await compiled.run(host);
  await compiled.dispose();
  return outputs.map((_, i) => ({ data: Float64Array.from(out[`y${i}`].data as ArrayLike<number>, Number), shape: [...out[`y${i}`].shape] }));
}

export function assertClose(actual: RefArray, expected: RefArray, tol: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  for (let i = 0; i < expected.data.length; i++) {
    const [a, e] = [actual.data[i], expected.data[i]];
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) assert.fail(`${what}: element ${i} is ${a}, expected ${e} (tol ${tol})`);
  }
}

/** ORT float32 forward equals the float64 reference. */
export async function checkForward(c: OpCase, tol = 1e-5, seed = 1): Promise<void> {
  const { g, xs, feeds } = makeInputs(c, seed);
  const y = c.f(g, xs);
  const [ref] = evaluate(g, [y], feeds);
  const [got] = await runOrt(g, [y], feeds);
  assertClose(got, ref, tol, `${c.name} forward`);
}

/**
 * The gradient rules, evaluated in float64, match central finite differences of a random
 * projection of the output; the ORT (float32) backward graph matches them too.
 */
export async function checkGrad(c: OpCase, seed = 2, eps = 1e-6): Promise<void> {
  const { g, xs, feeds } = makeInputs(c, seed);
  const y = c.f(g, xs);
  const proj = g.input("proj", "float32", y.shape as number[]);
  feeds.proj = randArray(y.shape as number[], rng(seed + 100));
  const loss = g.sum(g.mul(y, proj));
  const floats = xs.filter((x) => x.dtype === "float32");
  const grads = grad(g, loss, floats);
  const analytic = evaluate(g, grads, feeds);
  floats.forEach((x, k) => {
    const name = `x${xs.indexOf(x)}`;
    const base = feeds[name];
    const numeric = base.data.map((_, i) => {
      const at = (delta: number) => {
        const data = Float64Array.from(base.data);
        data[i] += delta;
        return evaluate(g, [loss], { ...feeds, [name]: { data, shape: base.shape } })[0].data[0];
      };
      return (at(eps) - at(-eps)) / (2 * eps);
    });
    assertClose(analytic[k], { data: numeric, shape: base.shape }, 1e-5, `${c.name} d/d${name} (float64 vs finite differences)`);
  });
  const ort = await runOrt(g, grads, feeds);
  ort.forEach((got, k) => assertClose(got, analytic[k], 2e-4, `${c.name} d/dx${k} (ORT vs reference)`));
}
