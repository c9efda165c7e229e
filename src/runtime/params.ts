// Parameter storage: one Float32Array per named parameter, fed to ORT zero-copy and updated in
// place by the optimizers.

import { type GraphBuilder, type ParamInit } from "../ir/index";

/** Named parameter arrays (the order is the graph's parameter order). */
export type ParamStore = Map<string, Float32Array>;

/** mulberry32: a small seeded generator, so initialisation is reproducible across runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fill(data: Float32Array, init: ParamInit, rand: () => number): void {
  switch (init.kind) {
    case "zeros":
      return;
    case "ones":
      data.fill(1);
      return;
    case "uniform":
      for (let i = 0; i < data.length; i++) data[i] = (2 * rand() - 1) * init.bound;
      return;
    case "normal":
      // Box-Muller; 1 - rand() keeps log away from 0.
      for (let i = 0; i < data.length; i++) {
        data[i] = init.std * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      }
  }
}

/** Fresh parameters for every `param` of `g`, initialised as declared, from `seed`. */
export function initParams(g: GraphBuilder, seed = 0): ParamStore {
  const rand = seededRandom(seed);
  const store: ParamStore = new Map();
  for (const spec of g.params.values()) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    fill(data, spec.init, rand);
    store.set(spec.name, data);
  }
  return store;
}

/** Total number of scalars in `store`. */
export function paramCount(store: ParamStore): number {
  let n = 0;
  for (const p of store.values()) n += p.length;
  return n;
}
