// Optimizers applied in JS to the parameter arrays, in place, after ORT computed the gradients.
//
// AdamW has three implementations, all measured by bench/autodiff.bench.ts on the reference decoder
// (3.27M params, 2 shared cores), ms per step: the WebAssembly SIMD kernel (simd/adamw.wat, the
// default: moments live in wasm memory, each parameter and gradient is copied in and the parameter
// out) ~12, the scalar JS loop below ~32 (bound by its float64 sqrt and divide), and the ORT graph
// (optim-graph.ts: params, m, v written as outputs into double buffers) 41-46. The scalar loop stays
// as the fallback and for the last n % 4 elements of each tensor; `GraphAdamW` is a drop-in.

import { type ParamStore } from "./params";
import { SimdMoments } from "./simd/adamw";

export interface ClipOptions {
  /** Clip the global L2 norm of all gradients to this value (no clipping when undefined). */
  clipNorm?: number;
}

export interface AdamWOptions extends ClipOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (Loshchilov & Hutter), applied as `p -= lr * wd * p`. */
  weightDecay?: number;
  /** Which parameters decay; default: all. Trainer passes "rank >= 2" (not biases, norm gains). */
  decays?: (name: string) => boolean;
  /**
   * Update with the WebAssembly SIMD kernel (default true; float32 arithmetic, as PyTorch's AdamW).
   * False, or a runtime without wasm SIMD, uses the scalar JS loop (float64 arithmetic).
   */
  simd?: boolean;
}

export interface SGDOptions extends ClipOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  decays?: (name: string) => boolean;
}

export interface StepStats {
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface Optimizer {
  /** Updates `params` from `grads` (in place, or by replacing the map's arrays); `lrScale`
   *  multiplies the learning rate (schedules). */
  step(params: ParamStore, grads: ParamStore, lrScale?: number): StepStats | Promise<StepStats>;
  /** Releases native resources (ORT sessions), if any. */
  dispose?(): Promise<void>;
}

/** Global L2 norm of all gradients. */
export function globalNorm(grads: ParamStore): number {
  let sum = 0;
  for (const gr of grads.values()) sum += sumOfSquares(gr);
  return Math.sqrt(sum);
}

// Four accumulators: one is bound by the latency of the float add (~4x slower on 3.27M values).
function sumOfSquares(a: Float32Array): number {
  let [s0, s1, s2, s3] = [0, 0, 0, 0];
  const n = a.length - (a.length % 4);
  for (let i = 0; i < n; i += 4) {
    s0 += a[i] * a[i];
    s1 += a[i + 1] * a[i + 1];
    s2 += a[i + 2] * a[i + 2];
    s3 += a[i + 3] * a[i + 3];
  }
  for (let i = n; i < a.length; i++) s0 += a[i] * a[i];
  return s0 + s1 + s2 + s3;
}

function clipScale(norm: number, clipNorm: number | undefined): number {
  return clipNorm !== undefined && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1;
}

// A separate monomorphic function (not a loop inside `step`) so V8 optimises it once for all
// tensors; inlined in `step` it ran ~5x slower in the first hundred steps. Scalars come as
// arguments (not an options object) and the divide by sqrt(1 - beta2^t) is a multiply: together
// 2x faster on the reference decoder (68 -> 34 ms per AdamW step for 3.27M parameters).
function adamwKernel(
  p: Float32Array,
  gr: Float32Array,
  m: Float32Array,
  v: Float32Array,
  scale: number,
  beta1: number,
  beta2: number,
  eps: number,
  decay: number,
  stepSize: number,
  invSqrtBc2: number,
): void {
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = gr[i] * scale;
    const mi = beta1 * m[i] + a1 * gi;
    const vi = beta2 * v[i] + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
  }
}

/** AdamW's resumable state: step count and first/second moments by parameter name. */
export interface AdamWState {
  t: number;
  m: ParamStore;
  v: ParamStore;
}

/** AdamW with bias correction, decoupled weight decay and global-norm clipping. */
export class AdamW implements Optimizer {
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private t = 0;
  /** Undefined until the first step; null when the SIMD kernel is not available. */
  private simd: SimdMoments | null | undefined;
  constructor(readonly options: AdamWOptions) {}

  step(params: ParamStore, grads: ParamStore, lrScale = 1): StepStats {
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decays = () => true } = this.options;
    const gradNorm = globalNorm(grads);
    const scale = clipScale(gradNorm, this.options.clipNorm);
    this.t++;
    const lr = this.options.lr * lrScale;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    const simd = this.options.simd === false ? null : this.simdFor(params, grads);
    for (const [name, p] of params) {
      const gr = grads.get(name);
      if (!gr) continue;
      const decay = decays(name) ? 1 - lr * weightDecay : 1;
      const [stepSize, invSqrtBc2] = [lr / bc1, 1 / Math.sqrt(bc2)];
      if (simd) {
        const [m, v] = [this.m.get(name)!, this.v.get(name)!];
        simd.update(name, p, gr, { scale, beta1, beta2, eps, decay, stepSize, invSqrtBc2 }, (from) =>
          adamwKernel(p.subarray(from), gr.subarray(from), m.subarray(from), v.subarray(from), scale, beta1, beta2, eps, decay, stepSize, invSqrtBc2),
        );
      } else {
        const m = this.state(this.m, name, p.length);
        const v = this.state(this.v, name, p.length);
        adamwKernel(p, gr, m, v, scale, beta1, beta2, eps, decay, stepSize, invSqrtBc2);
      }
    }
    return { gradNorm };
  }

  /** The SIMD moments, laid out again when a parameter with a gradient is not in them yet (first step, after importState). */
  private simdFor(params: ParamStore, grads: ParamStore): SimdMoments | null {
    if (this.simd === null) return null;
    const sizes = new Map<string, number>();
    let stale = this.simd === undefined;
    for (const [name, p] of params) {
      if (!grads.has(name)) continue;
      sizes.set(name, p.length);
      if (!stale && !this.simd!.holds(name, p.length, this.m)) stale = true;
    }
    if (stale) {
      // Keep moments of parameters without a gradient this step (another optimizer's, a frozen one).
      for (const [name, m] of this.m) if (!sizes.has(name)) sizes.set(name, m.length);
      this.simd = SimdMoments.layout(sizes, this.m, this.v);
    }
    return this.simd ?? null;
  }

  /** Step count and moments (copies), so a checkpoint can resume the optimizer exactly. */
  exportState(): AdamWState {
    const copy = (m: Map<string, Float32Array>) => new Map([...m].map(([k, a]) => [k, a.slice()]));
    return { t: this.t, m: copy(this.m), v: copy(this.v) };
  }

  /** Restores what `exportState` returned. */
  importState(state: AdamWState): void {
    this.t = state.t;
    this.m.clear();
    this.v.clear();
    for (const [k, a] of state.m) this.m.set(k, a.slice());
    for (const [k, a] of state.v) this.v.set(k, a.slice());
  }

  private state(map: Map<string, Float32Array>, name: string, n: number): Float32Array {
    let s = map.get(name);
    if (!s) map.set(name, (s = new Float32Array(n)));
    return s;
  }
}

/** SGD with optional momentum, decoupled weight decay and global-norm clipping. */
export class SGD implements Optimizer {
  private readonly velocity = new Map<string, Float32Array>();
  constructor(readonly options: SGDOptions) {}

  step(params: ParamStore, grads: ParamStore, lrScale = 1): StepStats {
    const { momentum = 0, weightDecay = 0, decays = () => true } = this.options;
    const gradNorm = globalNorm(grads);
    const scale = clipScale(gradNorm, this.options.clipNorm);
    const lr = this.options.lr * lrScale;
    for (const [name, p] of params) {
      const gr = grads.get(name);
      if (!gr) continue;
      const decay = decays(name) ? 1 - lr * weightDecay : 1;
      let buf = this.velocity.get(name);
      if (momentum > 0 && !buf) this.velocity.set(name, (buf = new Float32Array(p.length)));
      for (let i = 0; i < p.length; i++) {
        let d = gr[i] * scale;
        if (buf) d = buf[i] = momentum * buf[i] + d;
        p[i] = p[i] * decay - lr * d;
      }
    }
    return { gradNorm };
  }
}
