// CompiledGraph: runs an IR graph on onnxruntime-node. One ONNX model and one InferenceSession per
// shape bucket (a binding of the symbolic dims), created on first use and cached.

import { writeFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { type DType, type DimBindings, type GraphBuilder, type Tensor, type TensorData, bindShape, emitOnnx, resolveShape } from "../ir/index";

/** A tensor value crossing the JS/ORT boundary. */
export interface HostTensor<T extends TensorData = TensorData> {
  data: T;
  shape: readonly number[];
}

export interface CompileOptions {
  /** ORT intra-op threads; default: ORT's choice (all cores). */
  threads?: number;
  /** Write each emitted model here (for Netron) when set. */
  dumpPath?: string;
  /**
   * Use ORT's CPU memory arena and memory patterns. Off by default: on the reference decoder's
   * training graph they raised peak RSS from ~490 MB to ~820 MB, and step times with and without
   * them were within noise of each other (interleaved runs, 2 shared cores: medians 0.86 s with,
   * 0.78 s without; one heavily loaded run favoured the arena by ~30%). The arena alone (patterns
   * off) keeps the decoder's RSS and removes its page faults, but each session keeps its own arena
   * at its peak: a 3-step GRPO run (one session per shape bucket) peaked at 3.9 GB with it, 1.4-1.6
   * GB without. The trainer process gets the page faults down with malloc settings instead
   * (`TRAINER_MALLOC_ENV` in src/rl/trainer/client.ts).
   */
  memoryArena?: boolean;
  /**
   * Let ORT's worker threads spin after each op waiting for the next (ORT's default). Off by
   * default here: spinning threads keep both cores busy between runs and slowed whatever else ran
   * (the reward workers, the PyTorch reference in the benchmark) 2-3x; the cost of waking the
   * threads instead is within noise on the reference decoder's step.
   */
  spinning?: boolean;
  /** Enable ORT's profiler; JSON traces go to files starting with this prefix. */
  profilePrefix?: string;
}

const ortType: Record<DType, "float32" | "int64" | "bool"> = { float32: "float32", int64: "int64", bool: "bool" };

/** Compiled graph with fixed outputs; call `run` with inputs and parameters by name. */
export class CompiledGraph {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly outputNames: string[];

  constructor(
    readonly graph: GraphBuilder,
    readonly outputs: Readonly<Record<string, Tensor>>,
    private readonly options: CompileOptions = {},
  ) {
    this.outputNames = Object.keys(outputs);
  }

  /** Symbol values implied by the input shapes (throws on inconsistent shapes). */
  bindingsFor(feeds: Readonly<Record<string, HostTensor>>): DimBindings {
    const bindings: Record<string, number> = {};
    for (const [name, spec] of this.graph.inputs) {
      const feed = feeds[name];
      if (feed) bindShape(spec.shape, feed.shape, bindings, `input "${name}"`);
    }
    return bindings;
  }

  /** The session for one shape bucket (emitted and created on first use). */
  session(bindings: DimBindings): Promise<ort.InferenceSession> {
    const key = Object.entries(bindings).sort().map(([k, v]) => `${k}=${v}`).join(",");
    let session = this.sessions.get(key);
    if (!session) {
      const { bytes } = emitOnnx(this.graph, { outputs: this.outputs, bindings });
      if (this.options.dumpPath) writeFileSync(this.options.dumpPath, bytes);
      session = ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: "all",
        executionMode: "sequential",
        enableCpuMemArena: this.options.memoryArena ?? false,
        enableMemPattern: this.options.memoryArena ?? false,
        extra: {
          session: { intra_op: { allow_spinning: this.options.spinning ? "1" : "0" } },
          // NOTE: ORT's MatMulAddFusion turns `x @ w + b` into a Gemm whose bias is first broadcast
          // into the output; in the reference decoder's training step those Gemms ran at ~80-100
          // GFLOP/s against ~130-160 for MatMuls of the same size, and the step was 2.5-5% faster
          // without the fusion (two trainers alternating in one process, 12-16 paired steps: 1.051x,
          // 1.025x; the same pairing with nothing disabled: 1.000x). Gemm with a bias has no other use here.
          optimization: { disable_specified_optimizers: "MatMulAddFusion" },
        },
        ...(this.options.profilePrefix ? { enableProfiling: true, profileFilePrefix: this.options.profilePrefix } : {}),
        ...(this.options.threads ? { intraOpNumThreads: this.options.threads, interOpNumThreads: 1 } : {}),
      });
      this.sessions.set(key, session);
    }
    return session;
  }

  /** Number of cached shape buckets. */
  get bucketCount(): number {
    return this.sessions.size;
  }

  /**
   * Runs the graph. `feeds` holds inputs by name; `params` the parameter arrays (fed zero-copy).
   * `into` may hold preallocated output arrays that ORT writes into directly (no copy back).
   */
  async run(
    feeds: Readonly<Record<string, HostTensor>>,
    params: ReadonlyMap<string, Float32Array> = new Map(),
    into: Readonly<Record<string, TensorData>> = {},
  ): Promise<Record<string, HostTensor>> {
    const bindings = this.bindingsFor(feeds);
    const session = await this.session(bindings);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const param = this.graph.params.get(name);
      if (param) {
        const data = params.get(name);
        if (!data) throw new Error(`missing parameter "${name}"`);
        ortFeeds[name] = new ort.Tensor("float32", data, param.shape);
      } else {
        const feed = feeds[name];
        if (!feed) throw new Error(`missing input "${name}"`);
        ortFeeds[name] = new ort.Tensor(ortType[this.graph.inputs.get(name)!.dtype], feed.data as Float32Array, feed.shape);
      }
    }
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of this.outputNames) {
      const t = this.outputs[name];
      const target = into[name];
      fetches[name] = target ? new ort.Tensor(ortType[t.dtype], target as Float32Array, resolveShape(t.shape, bindings)) : null;
    }
    const result = await session.run(ortFeeds, fetches);
    const out: Record<string, HostTensor> = {};
    for (const name of this.outputNames) {
      const r = result[name];
      out[name] = { data: r.data as TensorData, shape: r.dims };
    }
    return out;
  }

  /** Releases every cached session. */
  async dispose(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}
