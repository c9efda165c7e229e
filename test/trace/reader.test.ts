import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { CompressedFileError, parseTraceRecord, readLines, readTrace, TraceParseError, type TextLine, type TraceEntry } from "../../src/trace/reader";

const dir = mkdtempSync(join(tmpdir(), "rewardlab-reader-"));
let fileCount = 0;

function fileWith(content: string | Buffer): string {
  const path = join(dir, `f${fileCount++}.trace.jsonl`);
  writeFileSync(path, content);
  return path;
}

async function collect<T>(lines: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

test("readLines yields lines with 1-based numbers and byte offsets, skipping blank lines", async () => {
  const path = fileWith('{"a":1}\n\n   \n{"b":2}\n');
  assert.deepEqual(await collect(readLines(path)), [
    { line: 1, text: '{"a":1}', offset: 0 },
    { line: 4, text: '{"b":2}', offset: 13 },
  ]);
});

test("readLines handles CRLF and a last line without a newline", async () => {
  const path = fileWith("one\r\ntwo\r\n\r\nthree");
  assert.deepEqual(await collect(readLines(path)), [
    { line: 1, text: "one", offset: 0 },
    { line: 2, text: "two", offset: 5 },
    { line: 4, text: "three", offset: 12, unterminated: true },
  ]);
});

test("readLines strips a UTF-8 byte-order mark", async () => {
  const path = fileWith("\uFEFF{}\n{}\n");
  assert.deepEqual((await collect(readLines(path))).map((l) => l.text), ["{}", "{}"]);
});

test("readLines decodes multi-byte characters straddling chunk boundaries, at every chunk size", async () => {
  const lines = ["héllo wörld ✓", "日本語のテキスト", "emoji 🎉🎉 done", "", "ascii"];
  const content = lines.join("\n");
  const path = fileWith(content);
  const expected: TextLine[] = [];
  let offset = 0;
  lines.forEach((text, i) => {
    if (text !== "") expected.push({ line: i + 1, text, offset, ...(i === lines.length - 1 ? { unterminated: true as const } : {}) });
    offset += Buffer.byteLength(text) + 1;
  });
  for (const highWaterMark of [1, 2, 3, 5, 7, 64]) {
    assert.deepEqual(await collect(readLines(path, { highWaterMark })), expected, `highWaterMark ${highWaterMark}`);
  }
});

test("readLines offsets point at each line's first byte", async () => {
  const text = "α\r\nβγ\n\nδ\n";
  const path = fileWith(text);
  const bytes = Buffer.from(text);
  for (const { text: line, offset } of await collect(readLines(path, { highWaterMark: 2 }))) {
    assert.equal(bytes.subarray(offset, offset + Buffer.byteLength(line)).toString(), line);
  }
});

test("readLines decompresses a gzip file (known by its magic bytes) and names the file when it is cut off", async () => {
  const content = ['{"a":1}', "", '{"b":"ü"}'].join("\n") + "\n";
  const path = fileWith("");
  writeFileSync(path, gzipSync(content));
  for (const highWaterMark of [1, 7, 1 << 20]) {
    assert.deepEqual(await collect(readLines(path, { highWaterMark })), [
      { line: 1, text: '{"a":1}', offset: 0 },
      { line: 3, text: '{"b":"ü"}', offset: 9 },
    ]);
  }
  writeFileSync(path, gzipSync(content.repeat(50)).subarray(0, 30));
  await assert.rejects(collect(readLines(path)), (error: Error) => error instanceof CompressedFileError && error.message.startsWith(`${path}: cannot decompress (gzip)`) && /cut off/.test(error.message));
});

test("readLines of an empty file yields nothing", async () => {
  assert.deepEqual(await collect(readLines(fileWith(""))), []);
});

test("readLines stops with an AbortError when its signal aborts", async () => {
  const path = fileWith("a\nb\nc\n");
  const controller = new AbortController();
  await assert.rejects(async () => {
    for await (const line of readLines(path, { signal: controller.signal, highWaterMark: 1 })) {
      if (line.line === 1) controller.abort();
    }
  }, { name: "AbortError" });
});

test("readLines rejects with ENOENT for a missing file", async () => {
  await assert.rejects(collect(readLines(join(dir, "missing.jsonl"))), { code: "ENOENT" });
});

test("parseTraceRecord returns the parsed object itself, unknown keys untouched", () => {
  const record = parseTraceRecord('{"id": 7, "completion": "x", "custom": {"deep": [1, null]}, "rewards": {"a": 1, "b": null}}', "t.jsonl", 1);
  assert.deepEqual(record, { id: 7, completion: "x", custom: { deep: [1, null] }, rewards: { a: 1, b: null } });
});

test("parseTraceRecord keeps a string id as-is and accepts the DESIGN.md example", () => {
  const line = JSON.stringify({
    id: "s-17-3", group: "p-17", step: 12, prompt: "How many?", images: ["images/0017.png"],
    completion: "<think>...</think><answer>3</answer>", answer: "3",
    regions: [{ box: [10, 12, 22, 24], label: "red circle", frame: "pixel" }],
    tokens: [{ text: "<think>", logprob: -0.02, entropy: 0.1 }], rewards: { format: 1, accuracy: 0 }, meta: {},
    steps: [{ text: "a", label: 1 }, { text: "b", label: null }, { text: "c" }],
  });
  assert.equal(parseTraceRecord(line, "t.jsonl", 1).id, "s-17-3");
});

test("parseTraceRecord defaults a ground-truth region's frame to pixel", () => {
  const record = parseTraceRecord('{"completion": "", "regions": [{"box": [1, 2, 3, 4]}]}', "t.jsonl", 1);
  assert.equal(record.regions?.[0].frame, "pixel");
});

function parseError(text: string, line = 17): TraceParseError {
  try {
    parseTraceRecord(text, "file.trace.jsonl", line);
  } catch (error) {
    assert.ok(error instanceof TraceParseError);
    return error;
  }
  assert.fail(`expected ${text} to be rejected`);
}

test("parseTraceRecord reports invalid JSON with file and line", () => {
  const error = parseError("{nope");
  assert.equal(error.file, "file.trace.jsonl");
  assert.equal(error.line, 17);
  assert.match(error.message, /^file\.trace\.jsonl:17: invalid JSON: /);
  assert.match(error.detail, /^invalid JSON: /);
});

test("parseTraceRecord requires an object with a string completion", () => {
  assert.match(parseError("[1, 2]").message, /^file\.trace\.jsonl:17: a trace line must be a JSON object, got an array of 2$/);
  assert.match(parseError("null").message, /must be a JSON object, got null/);
  assert.match(parseError('"text"').message, /must be a JSON object, got string "text"/);
  assert.match(parseError('{"id": 1}').message, /^file\.trace\.jsonl:17: "completion" must be a string, got nothing \(missing\)$/);
  assert.match(parseError('{"completion": 5}').message, /"completion" must be a string, got number 5/);
});

test("parseTraceRecord names the invalid optional key", () => {
  const cases: [string, RegExp][] = [
    ['{"completion": "", "id": true}', /"id" must be a string or number/],
    ['{"completion": "", "group": {}}', /"group" must be a string or number/],
    ['{"completion": "", "step": "3"}', /"step" must be a number/],
    ['{"completion": "", "images": "a.png"}', /"images" must be an array of strings/],
    ['{"completion": "", "images": ["a.png", 3]}', /"images\[1\]" must be a string/],
    ['{"completion": "", "regions": {}}', /"regions" must be an array/],
    ['{"completion": "", "regions": [{"box": [1, 2, 3, 4]}, {"box": [1, 2, 3]}]}', /"regions\[1\]\.box" must be 4 numbers/],
    ['{"completion": "", "regions": [{"box": [1, 2, 3, "4"]}]}', /"regions\[0\]\.box" must be 4 numbers/],
    ['{"completion": "", "regions": [{"box": [1, 2, 3, 4], "frame": "norm"}]}', /"regions\[0\]\.frame" must be/],
    ['{"completion": "", "regions": [{"box": [1, 2, 3, 4], "label": 1}]}', /"regions\[0\]\.label" must be a string/],
    ['{"completion": "", "regions": [{"box": [1, 2, 3, 4], "image": -1}]}', /"regions\[0\]\.image" must be a non-negative integer/],
    ['{"completion": "", "regions": [null]}', /"regions\[0\]" must be an object/],
    ['{"completion": "", "steps": [{"text": 1}]}', /"steps\[0\]\.text" must be a string/],
    ['{"completion": "", "steps": [{"text": "a", "label": "good"}]}', /"steps\[0\]\.label" must be a number or null/],
    ['{"completion": "", "tokens": {}}', /"tokens" must be an array/],
    ['{"completion": "", "rewards": [1]}', /"rewards" must be an object/],
    ['{"completion": "", "rewards": {"acc": "1"}}', /"rewards\.acc" must be a number or null/],
    ['{"completion": "", "meta": "x"}', /"meta" must be an object/],
  ];
  for (const [line, message] of cases) assert.match(parseError(line).message, message, line);
});

test("readTrace yields records and errors with correct line numbers and keeps going", async () => {
  const path = fileWith(['{"completion": "a"}', "", "{broken", '{"completion": 1}', "\r", '{"completion": "b", "x": 1}'].join("\n"));
  const entries: TraceEntry[] = await collect(readTrace(path));
  assert.deepEqual(
    entries.map((e) => ("record" in e ? `${e.line}:ok` : `${e.line}:${e.error.message.split(":")[0]}`)),
    ["1:ok", "3:invalid JSON", '4:"completion" must be a string, got number 1', "6:ok"],
  );
  const last = entries[3];
  assert.ok("record" in last);
  assert.deepEqual(last, { line: 6, record: { completion: "b", x: 1 } });
  const broken = entries[1];
  assert.ok("error" in broken);
  assert.equal(broken.error.file, path);
  assert.equal(broken.error.line, 3);
});
