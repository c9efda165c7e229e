// AdamW as an ONNX graph (global-norm clipping included), run by ORT after the gradient graph.
// Measured against the JS optimizer in bench/autodiff.bench.ts (numbers in optim.ts); usable as the
// Trainer's optimizer. New params/moments are written into a second set of
// buffers that are then swapped in, because ORT must not overwrite inputs it is still reading.

import { GraphBuilder, type Tensor } from "../ir/index";
import { type AdamWOptions, type Optimizer, type StepStats } from "./optim";
import { type ParamStore } from "./params";
import { CompiledGraph } from "./session";

/** AdamW whose update runs in onnxruntime. `step` is async (ORT run). */
export class GraphAdamW implements Optimizer {
  private readonly compiled: CompiledGraph;
  private readonly state = new Map<string, { m: Float32Array; v: Float32Array; spare: Float32Array[] }>();
  private t = 0;

  constructor(
    shapes: ReadonlyMap<string, readonly number[]>,
    readonly options: AdamWOptions,
  ) {
    const g = new GraphBuilder();
    const scalar = (name: string) => g.input(name, "float32", []);
    const [lr, bc1, bc2] = [scalar("lr"), scalar("bc1"), scalar("bc2")];
    const ins = [...shapes].map(([name, shape]) => ({
      name,
      decays: options.decays?.(name) ?? true,
      p: g.input(`p:${name}`, "float32", shape),
      gr: g.input(`g:${name}`, "float32", shape),
      m: g.input(`m:${name}`, "float32", shape),
      v: g.input(`v:${name}`, "float32", shape),
    }));
    const norm = g.sqrt(ins.map((x) => g.sum(g.mul(x.gr, x.gr))).reduce((a, b) => g.add(a, b)));
    const scale = options.clipNorm === undefined ? g.scalar(1) : g.min(1, g.div(options.clipNorm, g.add(norm, 1e-6)));
    const outputs: Record<string, Tensor> = { norm };
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = options;
    for (const x of ins) {
      const gi = g.mul(x.gr, scale);
      const m = g.add(g.mul(x.m, beta1), g.mul(gi, 1 - beta1));
      const v = g.add(g.mul(x.v, beta2), g.mul(g.mul(gi, gi), 1 - beta2));
      const update = g.div(g.div(m, bc1), g.add(g.sqrt(g.div(v, bc2)), eps));
      const decayed = x.decays && weightDecay ? g.mul(x.p, g.sub(1, g.mul(lr, weightDecay))) : x.p;
      outputs[`p':${x.name}`] = g.sub(decayed, g.mul(lr, update));
      outputs[`m':${x.name}`] = m;
      outputs[`v':${x.name}`] = v;
    }
    this.compiled = new CompiledGraph(g, outputs);
  }

  async step(params: ParamStore, grads: ParamStore, lrScale = 1): Promise<StepStats> {
    this.t++;
    const { beta1 = 0.9, beta2 = 0.999 } = this.options;
    const scalar = (x: number) => ({ data: Float32Array.of(x), shape: [] });
    const feeds: Record<string, { data: Float32Array; shape: readonly number[] }> = {
      lr: scalar(this.options.lr * lrScale), bc1: scalar(1 - beta1 ** this.t), bc2: scalar(1 - beta2 ** this.t),
    };
    const into: Record<string, Float32Array> = {};
    for (const [name, p] of params) {
      const s = this.stateFor(name, p.length);
      const shape = [p.length];
      Object.assign(feeds, { [`p:${name}`]: { data: p, shape }, [`g:${name}`]: { data: grads.get(name)!, shape }, [`m:${name}`]: { data: s.m, shape }, [`v:${name}`]: { data: s.v, shape } });
      Object.assign(into, { [`p':${name}`]: s.spare[0], [`m':${name}`]: s.spare[1], [`v':${name}`]: s.spare[2] });
    }
    // Feeds are flat views; the graph was built with the real shapes, so reshape the views.
    for (const [name, spec] of this.compiled.graph.inputs) feeds[name] = { data: feeds[name].data, shape: spec.shape as number[] };
    const out = await this.compiled.run(feeds, new Map(), into);
    for (const [name, p] of params) {
      const s = this.state.get(name)!;
      const [np, nm, nv] = s.spare;
      s.spare = [p, s.m, s.v];
      s.m = nm;
      s.v = nv;
      params.set(name, np);
    }
    return { gradNorm: (out.norm.data as Float32Array)[0] };
  }

  private stateFor(name: string, n: number) {
    let s = this.state.get(name);
    if (!s) this.state.set(name, (s = { m: new Float32Array(n), v: new Float32Array(n), spare: [0, 1, 2].map(() => new Float32Array(n)) }));
    return s;
  }

  async dispose(): Promise<void> {
    await this.compiled.dispose();
  }
}
