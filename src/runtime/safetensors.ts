// safetensors (huggingface/safetensors): 8-byte little-endian header length, a JSON header
// `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {...} }`, then the raw
// little-endian tensor bytes. Written here directly: the format is small and a dependency is not.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface SafeTensor {
  dtype: "F32" | "I64";
  shape: number[];
  data: Float32Array | BigInt64Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Serialises tensors (in insertion order) plus string metadata. */
export function encodeSafetensors(tensors: ReadonlyMap<string, SafeTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: "${name}" has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  // Pad the header with spaces so the data starts 8-byte aligned (what the reference writer does).
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8 };

/** One header entry, checked: known dtype, a shape of whole numbers, offsets inside the data whose length matches the shape. */
function checkEntry(entry: unknown, name: string, dataLength: number): HeaderEntry {
  const e = entry as Partial<HeaderEntry> | null;
  const bad = (why: string) => new Error(`safetensors: tensor "${name}": ${why}`);
  if (!e || typeof e !== "object") throw bad("its header entry is not an object");
  if (typeof e.dtype !== "string" || !(e.dtype in DTYPE_BYTES)) throw bad(`unsupported dtype ${String(e.dtype)} (F32, F16, BF16, I64 are read)`);
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`shape must be a list of whole numbers >= 0 (got ${JSON.stringify(e.shape)})`);
  const offsets = e.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw bad(`data_offsets must be [begin, end] with 0 <= begin <= end (got ${JSON.stringify(offsets)})`);
  }
  if (offsets[1] > dataLength) throw bad(`data_offsets end ${offsets[1]} is past the end of the data (${dataLength} bytes)`);
  const expected = e.shape.reduce((n, d) => n * d, 1) * DTYPE_BYTES[e.dtype];
  if (offsets[1] - offsets[0] !== expected) throw bad(`${offsets[1] - offsets[0]} bytes, but shape [${e.shape.join(", ")}] of ${e.dtype} needs ${expected}`);
  return e as HeaderEntry;
}

/** Copies one tensor's bytes into an aligned array, widening F16/BF16 to F32. */
function decodeTensor(bytes: Uint8Array, entry: HeaderEntry, name: string): SafeTensor {
  const [begin, end] = entry.data_offsets;
  // Copy (aligned, detached from the file). Not `bytes.slice`: on a Node Buffer that is a view
  // into the shared pool, not a copy.
  const raw = new Uint8Array(bytes.subarray(begin, end));
  const view = new DataView(raw.buffer);
  switch (entry.dtype) {
    case "F32":
      return { dtype: "F32", shape: entry.shape, data: new Float32Array(raw.buffer) };
    case "I64":
      return { dtype: "I64", shape: entry.shape, data: new BigInt64Array(raw.buffer) };
    case "F16":
      return { dtype: "F32", shape: entry.shape, data: Float32Array.from({ length: raw.length / 2 }, (_, i) => f16ToF32(view.getUint16(2 * i, true))) };
    case "BF16": {
      const data = new Float32Array(raw.length / 2);
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < data.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return { dtype: "F32", shape: entry.shape, data };
    }
    default:
      throw new Error(`safetensors: tensor "${name}" has unsupported dtype ${entry.dtype} (F32, F16, BF16, I64 are read)`);
  }
}

/** Parses safetensors bytes. */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error("safetensors: file shorter than its 8-byte header length");
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`safetensors: header length ${headerLength} exceeds the file size`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new Error(`safetensors: the header is not valid JSON (${(error as Error).message})`);
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) throw new Error("safetensors: the header is not a JSON object");
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!entry || typeof entry !== "object" || Object.values(entry).some((v) => typeof v !== "string")) throw new Error("safetensors: __metadata__ must map names to strings");
      metadata = entry as Record<string, string>;
      continue;
    }
    const checked = checkEntry(entry, name, data.length);
    spans.push([checked.data_offsets[0], checked.data_offsets[1], name]);
    tensors.set(name, decodeTensor(data, checked, name));
  }
  // Tensors may not share bytes (a corrupt or crafted file could alias two of them).
  spans.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw new Error(`safetensors: tensors "${spans[i - 1][2]}" and "${spans[i][2]}" overlap (bytes ${spans[i][0]}..${spans[i - 1][1]})`);
  }
  return { tensors, metadata };
}

/** Writes float32 parameters as a .safetensors file. */
export function saveSafetensors(path: string, params: ReadonlyMap<string, Float32Array>, shapes: ReadonlyMap<string, readonly number[]>, metadata: Record<string, string> = {}): void {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, data] of params) {
    const shape = shapes.get(name) ?? [data.length];
    tensors.set(name, { dtype: "F32", shape: [...shape], data });
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}

/** Reads a .safetensors file. */
export function loadSafetensors(path: string): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  try {
    return decodeSafetensors(readFileSync(path));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
