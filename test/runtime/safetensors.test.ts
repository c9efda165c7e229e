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


test("corrupt safetensors fail naming the tensor and what is wrong: offsets past the end, negative, overlapping, sizes that do not match", () => {
  const file = (header: Record<string, unknown>, dataBytes: number) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length + dataBytes);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    return bytes;
  };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ a: { dtype: "F32", shape: [4], data_offsets: [0, 32] } }, /tensor "a": data_offsets end 32 is past the end of the data \(16 bytes\)/],
    [{ a: { dtype: "F32", shape: [1], data_offsets: [-4, 0] } }, /tensor "a": data_offsets must be \[begin, end\] with 0 <= begin <= end \(got \[-4,0\]\)/],
    [{ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, /tensors "a" and "b" overlap/],
    [{ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, /tensor "a": 8 bytes, but shape \[3\] of F32 needs 12/],
    [{ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, /shape must be a list of whole numbers/],
    [{ a: { dtype: "Q4", shape: [1], data_offsets: [0, 4] } }, /unsupported dtype Q4/],
    [{ __metadata__: { step: 3 } }, /__metadata__ must map names to strings/],
  ];
  for (const [header, message] of cases) assert.throws(() => decodeSafetensors(file(header, 16)), message, JSON.stringify(header));
  const notJson = file({}, 0);
  notJson[8] = 0x7b + 1;
  assert.throws(() => decodeSafetensors(notJson), /the header is not valid JSON/);
});
