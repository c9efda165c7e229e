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
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") metadata = entry as Record<string, string>;
    else tensors.set(name, decodeTensor(data, entry as HeaderEntry, name));
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
