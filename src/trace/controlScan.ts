// Finds raw control characters in chunk bytes with a WebAssembly SIMD scan (simd/control.wat), so
// that lines without any can take the fast JSON path (jsonLine.ts). ~0.05 ns per byte: a 64 KiB
// piece of a trace file costs a few microseconds, copying it into the scanner's memory included.

import { WASM_BASE64 } from "./simd/control.wasm";

// The WebAssembly JS API members used here (core layers compile without the DOM library, which is
// where TypeScript declares the API).
interface ScanExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  firstControl(from: number, end: number): number;
}
type Wasm = { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: unknown } };

const PAGE = 65536;
/** Bytes past the end that the scan may read (a '\r' checks the byte after it). */
const SLACK = 16;

let scanner: ScanExports | null | undefined;

/** This thread's scanner instance, or null where WebAssembly SIMD is unavailable. */
function instance(): ScanExports | null {
  if (scanner === undefined) {
    try {
      const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
      scanner = wasm ? (new wasm.Instance(new wasm.Module(Buffer.from(WASM_BASE64, "base64")), {}).exports as ScanExports) : null;
    } catch {
      scanner = null;
    }
  }
  return scanner;
}

/**
 * Control characters of one piece of bytes: `load` copies the piece in, `next` walks the offsets of
 * bytes below 0x20 other than line breaks ('\n', and '\r' before '\n').
 */
export class ControlScan {
  private length = 0;
  private kernel: ScanExports | null = null;

  /**
   * Copies `bytes` in and returns the copy (decode from it: it is not shared memory, and the copy
   * just pulled it into the cache), or null when no scan is possible here (then treat every line as
   * unchecked).
   */
  load(bytes: Uint8Array): Buffer | null {
    const kernel = instance();
    this.kernel = kernel;
    if (!kernel) return null;
    const need = bytes.length + SLACK - kernel.memory.buffer.byteLength;
    try {
      if (need > 0) kernel.memory.grow(Math.ceil(need / PAGE));
    } catch {
      this.kernel = null; // out of memory for a huge piece: its lines just take JSON.parse
      return null;
    }
    const copy = Buffer.from(kernel.memory.buffer, 0, bytes.length);
    copy.set(bytes);
    this.length = bytes.length;
    return copy;
  }

  /** Offset of the first control character at or after `from` in the loaded bytes, or -1. */
  next(from: number): number {
    return this.kernel && from < this.length ? this.kernel.firstControl(from, this.length) : -1;
  }
}
