// ORT's own MatMul throughput in this process: the kernel ceiling the autodiff benchmark is
// compared against (RECIPES.md: about 130-145 GFLOP/s for 1024^3 fp32 on 2 cores when idle).

import { GraphBuilder } from "../src/ir/index";
import { CompiledGraph } from "../src/runtime/index";

/** Median GFLOP/s of an `n x n @ n x n` float32 MatMul run by onnxruntime-node. */
export async function ortMatmulGflops(n = 1024, reps = 10, threads?: number): Promise<number> {
  const g = new GraphBuilder();
  const a = g.input("a", "float32", [n, n]);
  const b = g.input("b", "float32", [n, n]);
  const compiled = new CompiledGraph(g, { c: g.matmul(a, b) }, { threads });
  const data = Float32Array.from({ length: n * n }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  const feeds = { a: { data, shape: [n, n] }, b: { data, shape: [n, n] } };
  const out = new Float32Array(n * n);
  await compiled.run(feeds, undefined, { c: out });
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await compiled.run(feeds, undefined, { c: out });
    times.push(performance.now() - t0);
  }
  await compiled.dispose();
  times.sort((x, y) => x - y);
  return (2 * n ** 3) / (times[Math.floor(reps / 2)] / 1000) / 1e9;
}
