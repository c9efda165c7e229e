// AdamW's moments kept in WebAssembly memory and updated by a SIMD kernel (adamw.wat), four floats
// per instruction. On the reference decoder (3.27M parameters) the kernel takes ~4.5 ms against
// ~26 ms for the scalar JS loop, ~10.5 ms with copying each parameter and gradient in and the
// parameter out (the parameters stay plain Float32Arrays: ORT reads them zero-copy).

import { WASM_BASE64 } from "./adamw.wasm";

// The few WebAssembly JS API members used here (the ES/Node type libraries this layer compiles
// against do not declare the API; the DOM library does, and core layers stay off it).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  adamw(p: number, g: number, m: number, v: number, bytes: number, scale: number, beta1: number, beta2: number, a1: number, a2: number, eps: number, decay: number, step: number, inv: number): void;
}

/** AdamW's per-step scalars, as `adamwKernel` in ../optim.ts takes them. */
export interface AdamwScalars {
  scale: number;
  beta1: number;
  beta2: number;
  eps: number;
  decay: number;
  stepSize: number;
  invSqrtBc2: number;
}

/** Moments beyond this many bytes stay in JS (wasm32 memory tops out at 4 GiB). */
const MAX_BYTES = 2 ** 31;
const PAGE = 65536;

let compiled: object | null | undefined;

/** The compiled kernel, or null where this runtime lacks WebAssembly SIMD. */
function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasm ? new wasm.Module(Buffer.from(WASM_BASE64, "base64")) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

interface Slot {
  n: number;
  m: number;
  v: number;
}

/**
 * One wasm memory laid out as [staging p | staging g | m, v of each parameter]. It is sized once
 * for the parameters it is given; a parameter it has not seen means a new memory (moments copied).
 */
export class SimdMoments {
  private constructor(
    private readonly kernel: KernelExports,
    private readonly slots: Map<string, Slot>,
    private readonly stagingFloats: number,
  ) {}

  /**
   * Lays out moments for `sizes` (name -> element count), starting from the values in `m` and `v`
   * (missing ones start at zero), and replaces the maps' arrays with views into the new memory.
   * Returns null when WebAssembly SIMD is unavailable or the moments would not fit.
   */
  static layout(sizes: ReadonlyMap<string, number>, m: Map<string, Float32Array>, v: Map<string, Float32Array>): SimdMoments | null {
    const module = kernelModule();
    if (!module) return null;
    const largest = Math.max(4, ...sizes.values());
    let offset = 2 * align16(largest * 4);
    const slots = new Map<string, Slot>();
    for (const [name, n] of sizes) {
      const mOffset = offset;
      const vOffset = mOffset + align16(n * 4);
      offset = vOffset + align16(n * 4);
      slots.set(name, { n, m: mOffset, v: vOffset });
    }
    if (offset > MAX_BYTES) return null;
    const kernel = new wasm!.Instance(module, {}).exports as KernelExports;
    kernel.memory.grow(Math.ceil(offset / PAGE) - kernel.memory.buffer.byteLength / PAGE);
    const buffer = kernel.memory.buffer;
    for (const [name, slot] of slots) {
      const mView = new Float32Array(buffer, slot.m, slot.n);
      const vView = new Float32Array(buffer, slot.v, slot.n);
      const [oldM, oldV] = [m.get(name), v.get(name)];
      if (oldM?.length === slot.n) mView.set(oldM);
      if (oldV?.length === slot.n) vView.set(oldV);
      m.set(name, mView);
      v.set(name, vView);
    }
    return new SimdMoments(kernel, slots, align16(largest * 4) / 4);
  }

  /** Whether `name`'s moments of `n` elements live here and are the arrays in `m`. */
  holds(name: string, n: number, m: ReadonlyMap<string, Float32Array>): boolean {
    const slot = this.slots.get(name);
    const view = m.get(name);
    return slot !== undefined && slot.n === n && view !== undefined && view.buffer === this.kernel.memory.buffer && view.byteOffset === slot.m;
  }

  /**
   * One AdamW update of `p` from `grad`, in place. The first n - n % 4 elements go through the
   * SIMD kernel; `tail` updates the rest (the scalar JS kernel).
   */
  update(name: string, p: Float32Array, grad: Float32Array, s: AdamwScalars, tail: (from: number) => void): void {
    const slot = this.slots.get(name)!;
    const buffer = this.kernel.memory.buffer;
    const n = slot.n;
    const vectorised = n - (n % 4);
    const stagedP = new Float32Array(buffer, 0, n);
    const stagedG = new Float32Array(buffer, this.stagingFloats * 4, n);
    stagedP.set(p);
    stagedG.set(grad);
    this.kernel.adamw(0, this.stagingFloats * 4, slot.m, slot.v, vectorised * 4, s.scale, s.beta1, s.beta2, 1 - s.beta1, 1 - s.beta2, s.eps, s.decay, s.stepSize, s.invSqrtBc2);
    p.set(stagedP.subarray(0, vectorised));
    if (vectorised < n) tail(vectorised);
  }
}
