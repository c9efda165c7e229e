import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from "../../src/runtime/index";

test("safetensors: encode/decode round-trips tensors and metadata; data is 8-byte aligned", () => {
  const tensors = new Map<string, SafeTensor>([
    ["a.w", { dtype: "F32", shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 0, 1e-8, -7) }],
    ["ids", { dtype: "I64", shape: [3], data: BigInt64Array.of(1n, -2n, 1n << 40n) }],
  ]);
  const bytes = encodeSafetensors(tensors, { format: "pt" });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLen) % 8, 0);
  const back = decodeSafetensors(bytes);
  assert.deepEqual(back.metadata, { format: "pt" });
  assert.deepEqual([...back.tensors.keys()], ["a.w", "ids"]);
  assert.deepEqual(back.tensors.get("a.w"), tensors.get("a.w"));
  assert.deepEqual(back.tensors.get("ids"), tensors.get("ids"));
});

test("safetensors: reads BF16 and F16 as float32", () => {
  const header = JSON.stringify({ h: { dtype: "F16", shape: [2], data_offsets: [0, 4] }, b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] } });
  const bytes = new Uint8Array(8 + header.length + 6);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(header.length), true);
  bytes.set(new TextEncoder().encode(header), 8);
  const base = 8 + header.length;
  view.setUint16(base, 0x3c00, true); // 1.0
  view.setUint16(base + 2, 0xc000, true); // -2.0
  view.setUint16(base + 4, 0x4040, true); // bf16 3.0
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual([...tensors.get("h")!.data], [1, -2]);
  assert.deepEqual([...tensors.get("b")!.data], [3]);
});

