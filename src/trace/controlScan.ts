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

/** A piece's bytes as copied into the scanner, and the offsets of its control characters. */
export interface ScannedPiece {
  /** The copy (decode from it: it is not shared memory, and the copy just pulled it into the cache); valid until the next scan. */
  bytes: Buffer;
  /** Offsets of bytes below 0x20 other than line breaks ('\n', and '\r' before '\n'), ascending. */
  controls: number[];
}

/**
 * Copies `bytes` into the scanner and finds their control characters, or returns null when no scan
 * is possible here (then treat every line as unchecked).
 */
export function scanControls(bytes: Uint8Array): ScannedPiece | null {
  const kernel = instance();
  if (!kernel) return null;
  const need = bytes.length + SLACK - kernel.memory.buffer.byteLength;
  try {
    if (need > 0) kernel.memory.grow(Math.ceil(need / PAGE));
  } catch {
    return null; // out of memory for a huge piece: its lines just take JSON.parse
  }
  const copy = Buffer.from(kernel.memory.buffer, 0, bytes.length);
  copy.set(bytes);
  const controls: number[] = [];
  for (let at = kernel.firstControl(0, bytes.length); at !== -1; at = kernel.firstControl(at + 1, bytes.length)) controls.push(at);
  return { bytes: copy, controls };
}
