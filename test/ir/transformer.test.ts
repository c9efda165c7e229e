// A whole (tiny) decoder: gradients of every parameter vs central finite differences in float64,
// with symbolic batch/sequence dims, and ORT's float32 backward vs the float64 reference.

import { test } from "node:test";
import { type DecoderConfig, GraphBuilder, type RefArray, decoderLM, evaluate, grad } from "../../src/ir/index";
import { initParams, seededRandom } from "../../src/runtime/params";
import { CompiledGraph } from "../../src/runtime/session";
import { assertClose } from "./check";

const cfg: DecoderConfig = { vocab: 7, dModel: 8, layers: 1, heads: 2, maxSeq: 6, dHidden: 12 };
const bindings = { B: 2, T: 4 };
const tokens = [1, 5, 2, 6, 0, 3, 3, 4];
const targets = [5, 2, 6, 1, 3, 3, 4, 0];

test("decoder block: every parameter's gradient matches finite differences and ORT", async () => {
  const g = new GraphBuilder();
  const tok = g.input("tokens", "int64", ["B", "T"]);
  const tgt = g.input("targets", "int64", ["B", "T"]);
  const { loss } = decoderLM(g, cfg, tok, tgt);
  const names = [...g.params.keys()];
  const grads = grad(g, loss, names.map((n) => g.params.get(n)!.tensor));

  // Random (not the default) init so LayerNorm gains/biases and zero biases get non-trivial gradients.
  const params = initParams(g, 3);
  const rand = seededRandom(9);
  for (const p of params.values()) for (let i = 0; i < p.length; i++) p[i] += 0.3 * (rand() - 0.5);
  const feeds: Record<string, RefArray> = {
    tokens: { data: Float64Array.from(tokens), shape: [2, 4] },
    targets: { data: Float64Array.from(targets), shape: [2, 4] },
  };
  for (const [name, p] of params) feeds[name] = { data: Float64Array.from(p), shape: [...g.params.get(name)!.shape] };

  const analytic = evaluate(g, grads, feeds, bindings);
  const lossAt = (name: string, i: number, delta: number) => {
    const data = Float64Array.from(feeds[name].data);
    data[i] += delta;
    return evaluate(g, [loss], { ...feeds, [name]: { ...feeds[name], data } }, bindings)[0].data[0];
  };
  names.forEach((name, k) => {
    // A few seeded coordinates per parameter keep the check fast.
    for (let j = 0; j < 3; j++) {
      const i = Math.floor(rand() * feeds[name].data.length);
      if (name === "wpe" && i >= bindings.T * cfg.dModel) continue; // rows past T are unused: gradient 0
      const numeric = (lossAt(name, i, 1e-6) - lossAt(name, i, -1e-6)) / 2e-6;
      assertClose({ data: Float64Array.of(analytic[k].data[i]), shape: [1] }, { data: Float64Array.of(numeric), shape: [1] }, 1e-5, `d loss / d ${name}[${i}]`);
    }
  });

  const compiled = new CompiledGraph(g, Object.fromEntries(names.map((n, k) => [`grad:${n}`, grads[k]])), { threads: 1 });
  const out = await compiled.run(
    { tokens: { data: BigInt64Array.from(tokens, BigInt), shape: [2, 4] }, targets: { data: BigInt64Array.from(targets, BigInt), shape: [2, 4] } },
    params,
  );
  names.forEach((n, k) => assertClose({ data: Float64Array.from(out[`grad:${n}`].data as Float32Array), shape: [...out[`grad:${n}`].shape] }, analytic[k], 1e-3, `ORT d loss / d ${n}`));
  await compiled.dispose();
});
