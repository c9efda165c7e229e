import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeChunk, LineCursor, readLineChunks } from "../../src/trace/chunks";

function file(text: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), "rl-chunks-")), "t.jsonl");
  writeFileSync(path, text);
  return path;
}

async function collect(path: string, chunkBytes: number) {
  const chunks = [];
  for await (const chunk of readLineChunks(path, { chunkBytes })) {
    chunks.push({ text: Buffer.from(chunk.bytes).toString("utf8"), firstLine: chunk.firstLine, lines: chunk.lines, offset: chunk.offset });
    chunk.release();
  }
  return chunks;
}

test("chunks end on line boundaries, count lines, and cover the file exactly", async () => {
  const lines = Array.from({ length: 40 }, (_, i) => `{"id":"é${i}","completion":"${"x".repeat(i * 3)}"}`);
  const text = lines.join("\n") + "\nlast line without newline";
  for (const chunkBytes of [7, 64, 1000, 1 << 20]) {
    const chunks = await collect(file(text), chunkBytes);
    assert.equal(chunks.map((c) => c.text).join(""), text, `chunkBytes ${chunkBytes}`);
    let line = 1, offset = 0;
    for (const chunk of chunks) {
      assert.equal(chunk.firstLine, line);
      assert.equal(chunk.offset, offset);
      assert.ok(chunk.text.endsWith("\n") || chunk === chunks.at(-1));
      line += chunk.lines;
      offset += Buffer.byteLength(chunk.text);
    }
    assert.equal(line - 1, 41);
  }
});

test("with parallel consumers, chunks shrink near the end of the file so consumers finish together", async () => {
  const line = `{"completion":"${"z".repeat(200)}"}\n`; // 218 bytes
  const text = line.repeat(Math.ceil((6 << 20) / line.length)); // ~6 MiB
  const sizes: number[] = [];
  let joined = 0, lines = 0;
  for await (const chunk of readLineChunks(file(text), { chunkBytes: 1 << 20, consumers: 2 })) {
    sizes.push(chunk.bytes.length);
    assert.equal(chunk.offset, joined);
    joined += chunk.bytes.length;
    lines += chunk.lines;
    chunk.release();
  }
  assert.equal(joined, text.length);
  assert.equal(lines, text.length / line.length);
  assert.ok(sizes[0] > 1_000_000, `first chunk ${sizes[0]} bytes`);
  // The last chunks are at most a quarter of what is left, down to 64 KiB, not a full MiB.
  assert.ok(sizes.at(-1)! <= 64 * 1024 + line.length, `last chunk ${sizes.at(-1)} bytes`);
  assert.ok(sizes.slice(-4).every((n) => n < 512 * 1024), `last chunks ${sizes.slice(-4).join(", ")}`);
});

test("released buffers are reused; a chunk kept by its reader is never overwritten", async () => {
  const text = Array.from({ length: 50 }, (_, i) => `line ${i} ${"y".repeat(20)}`).join("\n") + "\n";
  const held: { bytes: Uint8Array; copy: string }[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let k = 0;
  for await (const chunk of readLineChunks(file(text), { chunkBytes: 64 })) {
    buffers.add(chunk.bytes.buffer);
    if (k++ % 2 === 0) held.push({ bytes: chunk.bytes, copy: Buffer.from(chunk.bytes).toString() });
    else chunk.release();
  }
  for (const { bytes, copy } of held) assert.equal(Buffer.from(bytes).toString(), copy);
  assert.ok(buffers.size < k, `${buffers.size} buffers for ${k} chunks`);
});

test("decodeChunk: ASCII, UTF-8, invalid bytes and a byte-order mark", () => {
  const bytes = (value: string | number[]) => new Uint8Array(typeof value === "string" ? Buffer.from(value) : value);
  assert.equal(decodeChunk(bytes('{"a":"plain"}\n')), '{"a":"plain"}\n');
  assert.equal(decodeChunk(bytes('{"a":"größe 数"}\n')), '{"a":"größe 数"}\n');
  assert.equal(decodeChunk(bytes([0x61, 0xff, 0x62])), "a\ufffdb");
  assert.equal(decodeChunk(bytes([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), "\ufeff{}", "the BOM is LineCursor's to drop");
});

test("LineCursor skips blank lines, strips CR and a first-line BOM, and numbers lines", () => {
  const lines = (text: string, firstLine = 1) => {
    const seen: [number, string][] = [];
    const cursor = new LineCursor(new Uint8Array(Buffer.from(text)), firstLine);
    while (cursor.next()) seen.push([cursor.lineNumber, cursor.line]);
    return seen;
  };
  assert.deepEqual(lines('\ufeff{"a":1}\r\n\n   \n{"b":2}\n{"c":3}'), [[1, '{"a":1}'], [4, '{"b":2}'], [5, '{"c":3}']]);
  assert.deepEqual(lines("\ufeffx\n", 7), [[7, "\ufeffx"]], "a BOM only counts on the file's first line");
});

test("LineCursor decodes piece by piece without splitting lines or characters", () => {
  // Over 64 KiB of lines with multi-byte characters, one line longer than a piece, blank lines.
  const texts = Array.from({ length: 3000 }, (_, i) => (i % 500 === 7 ? "" : `{"i":${i},"t":"${"é数".repeat(i % 40)}"}`));
  texts[1234] = `{"long":"${"x".repeat(200_000)}"}`;
  const cursor = new LineCursor(new Uint8Array(Buffer.from(texts.join("\n") + "\n")), 10);
  const seen: [number, string][] = [];
  while (cursor.next()) seen.push([cursor.lineNumber, cursor.line]);
  assert.deepEqual(seen, texts.flatMap((t, i) => (t ? [[i + 10, t] as [number, string]] : [])));
});
