// Trainer: one compiled forward+backward graph per shape bucket, gradients written by ORT straight
// into persistent Float32Arrays, then an in-place JS optimizer step (see optim.ts for why JS).

import { type GraphBuilder, type Tensor, grad } from "../ir/index";
import { type Optimizer, type StepStats } from "./optim";
import { type ParamStore, initParams } from "./params";
import { CompiledGraph, type CompileOptions, type HostTensor } from "./session";

export interface TrainerOptions extends CompileOptions {
  optimizer: Optimizer;
  /** Existing parameters (e.g. a loaded checkpoint); default: fresh ones from `seed`. */
  params?: ParamStore;
  seed?: number;
  /** Names of the parameters to train; default: all. Others are fed but get no gradient. */
  trainable?: readonly string[];
  /** Extra outputs (metrics) computed with the loss, returned by `step`. */
  metrics?: Readonly<Record<string, Tensor>>;
}

export interface TrainStep extends StepStats {
  loss: number;
  metrics: Record<string, HostTensor>;
}

/** The gradient output name for a parameter. */
export const gradName = (param: string) => `grad:${param}`;

/** Trains the parameters of `graph` to minimise the scalar `loss`. */
export class Trainer {
  readonly params: ParamStore;
  /** Latest gradients, by parameter name (ORT writes into these arrays). */
  readonly grads: ParamStore = new Map();
  readonly trainGraph: CompiledGraph;
  private evalGraph: CompiledGraph | null = null;

  constructor(
    readonly graph: GraphBuilder,
    readonly loss: Tensor,
    private readonly options: TrainerOptions,
  ) {
    this.params = options.params ?? initParams(graph, options.seed ?? 0);
    const names = options.trainable ?? [...graph.params.keys()];
    const gradTensors = grad(graph, loss, names.map((n) => graph.params.get(n)!.tensor));
    const outputs: Record<string, Tensor> = { loss, ...options.metrics };
    names.forEach((n, i) => {
      outputs[gradName(n)] = gradTensors[i];
      this.grads.set(n, new Float32Array(this.params.get(n)!.length));
    });
    this.trainGraph = new CompiledGraph(graph, outputs, options);
  }

  /**
   * Runs forward and backward; gradients land in `this.grads` (ORT writes them there directly).
   * With `accumulate`, they are added to what `this.grads` holds instead (micro-batches: call
   * `zeroGrads()`, accumulate, then `optimizer.step(params, grads)` yourself).
   */
  async computeGradients(
    feeds: Readonly<Record<string, HostTensor>>,
    accumulate = false,
  ): Promise<{ loss: number; metrics: Record<string, HostTensor> }> {
    const target = accumulate ? this.scratchGrads() : this.grads;
    const into = Object.fromEntries([...target].map(([n, a]) => [gradName(n), a]));
    const out = await this.trainGraph.run(feeds, this.params, into);
    if (accumulate) {
      for (const [name, g] of this.grads) addInto(g, target.get(name)!);
    }
    const metrics: Record<string, HostTensor> = {};
    for (const name of Object.keys(this.options.metrics ?? {})) metrics[name] = out[name];
    return { loss: (out.loss.data as Float32Array)[0], metrics };
  }

  /** Sets every gradient to zero (before accumulating micro-batches). */
  zeroGrads(): void {
    for (const g of this.grads.values()) g.fill(0);
  }

  private scratch: ParamStore | null = null;
  private scratchGrads(): ParamStore {
    this.scratch ??= new Map([...this.grads].map(([n, g]) => [n, new Float32Array(g.length)]));
    return this.scratch;
  }

  /** One optimisation step on a batch. `lrScale` multiplies the learning rate (schedules). */
  async step(feeds: Readonly<Record<string, HostTensor>>, lrScale = 1): Promise<TrainStep> {
    const { loss, metrics } = await this.computeGradients(feeds);
    const stats = await this.options.optimizer.step(this.params, this.grads, lrScale);
    return { loss, metrics, ...stats };
  }

  /** Forward only: the loss and metrics without gradients (a separate, smaller graph). */
  async evaluate(feeds: Readonly<Record<string, HostTensor>>): Promise<{ loss: number; metrics: Record<string, HostTensor> }> {
    this.evalGraph ??= new CompiledGraph(this.graph, { loss: this.loss, ...this.options.metrics }, this.options);
    const out = await this.evalGraph.run(feeds, this.params);
    const { loss, ...metrics } = out;
    return { loss: (loss.data as Float32Array)[0], metrics };
  }

  async dispose(): Promise<void> {
    await this.trainGraph.dispose();
    await this.evalGraph?.dispose();
    await this.options.optimizer.dispose?.();
  }
}

function addInto(acc: Float32Array, x: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += x[i];
}

/** Default weight-decay filter: matrices decay; biases, norm gains (rank 1) do not. */
export function decayMatrices(graph: GraphBuilder): (name: string) => boolean {
  return (name) => (graph.params.get(name)?.shape.length ?? 0) >= 2;
}
