import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LineIndex } from "../../src/trace/lineIndex";

function tempFile(name: string, content: string | Buffer): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "rl-lineindex-"));
  const file = join(dir, name);
  writeFileSync(file, content);
  return { dir, file };
}

const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ id: `s-${i}`, completion: "é✓".repeat(i % 7) + `#${i}` }));

test("indexes every line and reads any line back exactly, across chunk boundaries", async () => {
  const { dir, file } = tempFile("a.jsonl", lines.join("\n") + "\n");
  try {
    const index = await LineIndex.build(file, { sliceBytes: 1024, cacheDir: false });
    assert.equal(index.lineCount, 500);
    for (const i of [0, 1, 17, 250, 499]) assert.equal(await index.getLine(i), lines[i]);
    assert.deepEqual(await index.getLines(10, 14), lines.slice(10, 14));
    assert.equal(await index.getLine(500), undefined);
    await index.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("handles CRLF, blank lines, and a last line without a newline", async () => {
  const { dir, file } = tempFile("b.jsonl", 'a\r\n\r\n{"x":1}\nlast');
  try {
    const index = await LineIndex.build(file, { cacheDir: false });
    assert.equal(index.lineCount, 4);
    assert.deepEqual(await index.getLines(0, 10), ["a", "", '{"x":1}', "last"]);
    await index.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("empty file has no lines", async () => {
  const { dir, file } = tempFile("c.jsonl", "");
  try {
    const index = await LineIndex.build(file, { cacheDir: false });
    assert.equal(index.lineCount, 0);
    assert.equal(await index.getLine(0), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("first lines are readable before indexing completes, with progress reported", async () => {
  const many = Array.from({ length: 40 }, () => lines.join("\n")).join("\n"); // ~1.5 MB: several slices
  const { dir, file } = tempFile("d.jsonl", many);
  try {
    const progress: number[] = [];
    const index = LineIndex.open(file, { sliceBytes: 128 * 1024, cacheDir: false, onProgress: (p) => progress.push(p.bytesIndexed) });
    // The waiter wakes at the end of the first slice; its continuation runs as a microtask, before
    // the scan's next slice (a setImmediate), so `complete` is read deterministically here. (Reading
    // it after getLine() raced: the async file read lets the whole 1.5 MB scan finish first.)
    assert.equal(await index.waitForLine(2), true);
    assert.equal(index.complete, false, "line 2 was readable before the scan finished");
    assert.equal(await index.getLine(2), lines[2]);
    await index.ready;
    assert.equal(index.lineCount, 20_000);
    assert.ok(progress.length > 5, `progress reported ${progress.length} times`);
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
    await index.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an aborted build rejects and wakes waiting readers", async () => {
  const { dir, file } = tempFile("e.jsonl", lines.join("\n"));
  try {
    const controller = new AbortController();
    controller.abort();
    const index = LineIndex.open(file, { signal: controller.signal, cacheDir: false });
    await assert.rejects(index.ready, { name: "AbortError" });
    await assert.rejects(index.getLine(400), { name: "AbortError" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the saved index is reused while size and mtime match, and rebuilt when they change", async () => {
  const { dir, file } = tempFile("f.jsonl", lines.join("\n") + "\n");
  try {
    const cacheDir = join(dir, "cache");
    const first = await LineIndex.build(file, { cacheDir, cacheMinBytes: 0 });
    assert.equal(first.fromCache, false);
    assert.equal(readdirSync(cacheDir).length, 1);
    const second = await LineIndex.build(file, { cacheDir, cacheMinBytes: 0 });
    assert.equal(second.fromCache, true);
    assert.equal(second.lineCount, 500);
    assert.equal(await second.getLine(499), lines[499]);
    await second.close();
    writeFileSync(file, lines.slice(0, 3).join("\n"));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const third = await LineIndex.build(file, { cacheDir, cacheMinBytes: 0 });
    assert.equal(third.fromCache, false);
    assert.equal(third.lineCount, 3);
    assert.ok(existsSync(cacheDir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
