import { test } from "node:test";
import assert from "node:assert/strict";
import { linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertNotSameFile, createAtomicWriter, OutputWriteError, SameFileError, writeFileAtomic } from "../../src/trace/io";

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), "rewardlab-io-"));
}

test("writeFileAtomic writes strings and bytes, replacing an existing file and keeping its mode", async () => {
  const dir = freshDir();
  const path = join(dir, "out.jsonl");
  await writeFileAtomic(path, "first\n");
  assert.equal(readFileSync(path, "utf8"), "first\n");
  chmodSync(path, 0o640);
  await writeFileAtomic(path, new Uint8Array([104, 105]));
  assert.equal(readFileSync(path, "utf8"), "hi");
  assert.equal(statSync(path).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(dir), ["out.jsonl"], "no temp files left behind");
});

test("the atomic writer shows nothing at the path until commit", async () => {
  const dir = freshDir();
  const path = join(dir, "scores.jsonl");
  const writer = createAtomicWriter(path);
  for (let i = 0; i < 1000; i++) await writer.write(`{"i": ${i}, "text": "ünïcödé"}\n`);
  await writer.write(Buffer.from("bytes\n"));
  assert.deepEqual(readdirSync(dir).filter((name) => name === "scores.jsonl"), []);
  await writer.commit();
  const lines = readFileSync(path, "utf8").split("\n");
  assert.equal(lines.length, 1002);
  assert.equal(lines[999], '{"i": 999, "text": "ünïcödé"}');
  assert.equal(lines[1000], "bytes");
  assert.deepEqual(readdirSync(dir), ["scores.jsonl"]);
});

test("a large streamed write (several flushes) is complete", async () => {
  const dir = freshDir();
  const path = join(dir, "big.txt");
  const writer = createAtomicWriter(path);
  const chunk = "x".repeat(300_000);
  for (let i = 0; i < 10; i++) await writer.write(chunk);
  await writer.commit();
  assert.equal(statSync(path).size, 3_000_000);
});

test("abort leaves no file and keeps an existing target untouched", async () => {
  const dir = freshDir();
  const fresh = createAtomicWriter(join(dir, "new.jsonl"));
  await fresh.write("partial");
  await fresh.abort();
  await fresh.abort(); // idempotent
  assert.deepEqual(readdirSync(dir), []);

  const existing = join(dir, "keep.jsonl");
  writeFileSync(existing, "original");
  const writer = createAtomicWriter(existing);
  await writer.write("replacement");
  await writer.abort();
  assert.equal(readFileSync(existing, "utf8"), "original");
  assert.deepEqual(readdirSync(dir), ["keep.jsonl"]);
  await assert.rejects(writer.write("more"), /already aborted/);
  await assert.rejects(writer.commit(), /already aborted/);
});

test("abort before any write and commit of nothing are fine", async () => {
  const dir = freshDir();
  await createAtomicWriter(join(dir, "a")).abort();
  const empty = createAtomicWriter(join(dir, "empty"));
  await empty.commit();
  assert.equal(readFileSync(join(dir, "empty"), "utf8"), "");
  await assert.rejects(empty.write("x"), /already committed/);
});

test("a failed commit removes the temp file", async () => {
  const dir = freshDir();
  const target = join(dir, "target");
  const writer = createAtomicWriter(join(target, "inside.jsonl")); // parent directory does not exist
  await assert.rejects(writer.write("x").then(() => writer.commit()), { code: "ENOENT" });
  assert.deepEqual(readdirSync(dir), []);
});

test("assertNotSameFile refuses the same path, a relative spelling, a symlink and a hard link", () => {
  const dir = freshDir();
  const input = join(dir, "data.trace.jsonl");
  writeFileSync(input, "{}\n");
  symlinkSync(input, join(dir, "link.jsonl"));
  linkSync(input, join(dir, "hard.jsonl"));
  for (const out of [input, join(dir, ".", "sub", "..", "data.trace.jsonl"), join(dir, "link.jsonl"), join(dir, "hard.jsonl")]) {
    assert.throws(() => assertNotSameFile(out, ["other.jsonl", input]), (error: unknown) => {
      assert.ok(error instanceof SameFileError);
      assert.match(error.message, /^Refusing to write ".*": it is the input file ".*data\.trace\.jsonl", which would be overwritten\. Choose a different output path\.$/);
      return true;
    });
  }
  assertNotSameFile(join(dir, "scored.jsonl"), [input]);
  assertNotSameFile(join(dir, "missing-dir", "x.jsonl"), [input, join(dir, "missing-input")]);
});

test("writers refuse an input path before writing anything", async () => {
  const dir = freshDir();
  const input = join(dir, "in.jsonl");
  writeFileSync(input, "precious");
  assert.throws(() => createAtomicWriter(input, { inputs: [input] }), SameFileError);
  await assert.rejects(writeFileAtomic(input, "clobber", { inputs: [input] }), SameFileError);
  assert.equal(readFileSync(input, "utf8"), "precious");
  assert.deepEqual(readdirSync(dir), ["in.jsonl"]);
});

test("writing through a symlink replaces its target and keeps the link", async () => {
  const dir = freshDir();
  const real = join(dir, "real.jsonl");
  writeFileSync(real, "old");
  symlinkSync(real, join(dir, "link.jsonl"));
  await writeFileAtomic(join(dir, "link.jsonl"), "new");
  assert.equal(readFileSync(real, "utf8"), "new");
  assert.ok(readdirSync(dir).includes("link.jsonl"));
});

test("a write that fails (here: the output's folder is a file) names the output and leaves nothing behind", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-io-fail-"));
  try {
    const notAFolder = join(dir, "file.txt");
    writeFileSync(notAFolder, "x");
    const out = join(notAFolder, "out.jsonl");
    const writer = createAtomicWriter(out);
    await writer.write("{}\n");
    await assert.rejects(writer.commit(), (error: Error) => error instanceof OutputWriteError && error.message.startsWith(`cannot write ${out}: `) && /ENOTDIR/.test(error.message));
    assert.deepEqual(readdirSync(dir), ["file.txt"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
