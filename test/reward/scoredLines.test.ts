import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardEngine } from "../../src/reward/engine";
import { ScoredLineStream, scoredLine, spliceHead, splicedLine } from "../../src/reward/scoredLines";
import type { ScoreTable } from "../../src/reward/table";
import { readLines } from "../../src/trace/reader";

const reward = `export default { name: "len", weight: 0.5, score: (s) => s.completion.length % 7 };\n`;

/**
 * Scores a trace file holding `lines` (or exactly `content`'s bytes) in many small batches on two
 * workers, streaming the output; returns it, the table, the stream and the file.
 */
async function stream(lines: string[] | Buffer, maxPendingChars?: number, chunkBytes = 256) {
  const dir = mkdtempSync(join(tmpdir(), "rl-lines-"));
  writeFileSync(join(dir, "r.reward.ts"), reward);
  const file = join(dir, "t.trace.jsonl");
  writeFileSync(file, Buffer.isBuffer(lines) ? lines : lines.join("\n") + "\n");
  const engine = new RewardEngine({ rewards: join(dir, "r.reward.ts"), workers: 2, chunkBytes });
  try {
    await engine.load();
    const written: Buffer[] = [];
    const sink = new ScoredLineStream({ write: async (bytes) => void written.push(Buffer.from(bytes)), merge: (text, scores) => scoredLine(JSON.parse(text), scores), ...(maxPendingChars ? { maxPendingChars } : {}) });
    const table = await engine.scoreFile(file, { lines: sink });
    await sink.end(table);
    return { written: Buffer.concat(written).toString("utf8"), bytes: Buffer.concat(written), table, sink, file };
  } finally {
    engine.dispose();
  }
}

/** What the output must be: each sample's line with the finished table's scores. */
function reference(lines: string[], table: ScoreTable): string {
  return table.groups.map((_, i) => {
    const text = lines[table.lines[i] - 1];
    const head = spliceHead(text);
    return head !== null ? splicedLine(head, table.sampleScores(i)) : scoredLine(JSON.parse(text), table.sampleScores(i));
  }).join("");
}

test("ScoredLineStream writes each group once it is complete, in file order, across many batches and two workers", async () => {
  const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: `s${i}`, completion: "x".repeat(i % 23), ...(i % 10 === 9 ? {} : { group: `g${Math.floor(i / 6)}` }), ...(i % 17 === 0 ? { note: "\u00e9" } : {}) }).replace("\u00e9", "\\u00e9"));
  const { written, table, sink } = await stream(lines);
  assert.equal(sink.gaveUp, undefined);
  assert.equal(table.size, 300);
  assert.equal(written, reference(lines, table));
});

/** What the output must be, from a second read of the file as `score --out` did before the stream: each sample's line text, re-encoded. */
async function referenceBytes(file: string, table: ScoreTable): Promise<Buffer> {
  const out: string[] = [];
  let i = 0;
  for await (const { line, text } of readLines(file)) {
    if (i >= table.size || line !== table.lines[i]) continue;
    const head = spliceHead(text);
    out.push(head !== null ? splicedLine(head, table.sampleScores(i)) : scoredLine(JSON.parse(text), table.sampleScores(i)));
    i++;
  }
  return Buffer.from(out.join(""));
}

test("ScoredLineStream writes each line's own bytes: multi-byte UTF-8 at chunk and piece edges, bad UTF-8, BOM, CRLF, trailing spaces", async () => {
  const words = ["plain", "\u00e9t\u00e9", "\u6570\u5b66", "\u{1F600}", "na\u00efve", "\u2028", "tab\there", "\u00e9"];
  const parts: Buffer[] = [Buffer.from("\ufeff")];
  for (let i = 0; i < 2400; i++) {
    // Stretches of ASCII lines longer than a 64 KiB piece around a stretch of others: the cursor
    // finds byte offsets both ways (pieces that are ASCII and pieces that are not).
    const word = Math.floor(i / 800) % 2 === 0 ? "ascii" : words[i % words.length];
    const record = { id: `s${i}`, completion: "x".repeat((i * 37) % 190), ...(i % 11 === 0 ? {} : { group: `g${Math.floor(i / 5)}` }), note: word };
    let line = Buffer.from(JSON.stringify(record));
    if (i % 29 === 3) line = Buffer.concat([line.subarray(0, 8), Buffer.from([0xff, 0xe2, 0x82]), line.subarray(8)]); // not UTF-8, in the id
    const end = ["", "  ", "\r", " \t", ""][i % 5];
    parts.push(line, Buffer.from(`${end}\n`));
    if (i % 97 === 0) parts.push(Buffer.from(`{"id":"m${i}","completion":"y","rewards":{"old":1},"note":"\u00e9"}\n`));
    if (i % 89 === 0) parts.push(Buffer.from(" \n"));
  }
  const content = Buffer.concat(parts);
  for (const chunkBytes of [256, 300, 1 << 20]) {
    const { bytes, table, sink, file } = await stream(content, undefined, chunkBytes);
    assert.equal(sink.gaveUp, undefined);
    assert.equal(table.size + table.malformed.length, 2400 + 25, `malformed: ${table.malformed.map((m) => m.message).join("; ")}`);
    assert.equal(table.malformed.length, 0);
    const expected = await referenceBytes(file, table);
    assert.ok(bytes.equals(expected), `chunkBytes ${chunkBytes}: first difference at byte ${bytes.findIndex((b, k) => b !== expected[k])}`);
  }
});

test("ScoredLineStream gives up when a group recurs after another began, or one group outgrows its limit", async () => {
  const recurring = ["a", "b", "a"].map((group, i) => JSON.stringify({ id: `s${i}`, completion: "xy", group }));
  const gaveUp = await stream(recurring);
  assert.equal(gaveUp.sink.gaveUp, "group-recurs");
  const huge = Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `s${i}`, completion: "x".repeat(40), group: "one" }));
  const large = await stream(huge, 2_000);
  assert.equal(large.sink.gaveUp, "group-too-large");
  assert.equal(large.written, "", "nothing of the open group was written");
});

test("ScoreTable.scoresJsonTail is the sample's scores as JSON.stringify writes them, for every kind of row", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-tail-"));
  const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ id: `s${i}`, completion: "y".repeat(i), ...(i % 4 === 3 ? {} : { group: `g${i >> 3}` }) }));
  writeFileSync(join(dir, "t.trace.jsonl"), lines.join("\n") + "\n");
  // Plain names (the written fast path), then a name an object would list first (the fallback).
  for (const names of [["len_7", "thrower", "m.x"], ["zz", "b", "7"]]) {
    writeFileSync(join(dir, "r.reward.ts"), `export default [
      { name: "${names[0]}", weight: 0.25, score: (s) => (s.completion.length % 3 === 0 ? null : s.completion.length / 7) },
      { name: "${names[1]}", score: (s) => { if (s.completion.length % 5 === 0) throw new Error("no"); return -0; } },
      { name: "${names[2]}", weight: -2, score: (s, ctx) => { if (s.completion.length % 2) ctx.log.metric("n", s.completion.length); return 1e-7 * s.completion.length; } },
    ];\n`);
    const engine = new RewardEngine({ rewards: join(dir, "r.reward.ts"), workers: 1 });
    try {
      const load = await engine.load();
      assert.deepEqual(load.errors, []);
      const table = await engine.scoreFile(join(dir, "t.trace.jsonl"));
      assert.equal(table.size, 60);
      assert.ok(table.metrics.size > 0 && table.metrics.size < 60 && table.errors.size > 0, "rows with and without metrics and errors");
      for (let i = 0; i < table.size; i++) assert.equal(table.scoresJsonTail(i), JSON.stringify(table.sampleScores(i)).slice(1), `${names.join(",")}: row ${i}`);
      assert.equal(table.scoresJsonTail(0, NaN, Infinity), JSON.stringify(table.sampleScores(0, NaN, Infinity)).slice(1));
    } finally {
      engine.dispose();
    }
  }
});

test("spliceHead refuses empty objects however much space they hold, and cuts a record before its closing brace", () => {
  for (const empty of ["{}", "{ }", "  {\t\n }  ", `{${" ".repeat(200)}}`]) assert.equal(spliceHead(empty), null, JSON.stringify(empty));
  assert.equal(spliceHead('{"id":"a"}  '), '{"id":"a"');
  assert.equal(spliceHead(` {${" ".repeat(100)}"id":"a"}`), ` {${" ".repeat(100)}"id":"a"`);
  assert.equal(spliceHead('{"id":"a","reward":1}'), null, "a key the scores write");
});
