import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { changedRewards, describeChanges, TraceIndex } from "../../src/extension/traces/traceIndex";
import { queryRows } from "../../src/extension/traces/rows";

function traceFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "rewardlab-index-")), "t.trace.jsonl");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

test("an index keeps one row per non-blank line and reads records back by offset", async () => {
  const file = traceFile([
    JSON.stringify({ id: "a", group: "g", completion: "héllo ✓", rewards: { acc: 1 } }),
    "",
    "{not json",
    JSON.stringify({ id: "b", group: "g", completion: "x", rewards: { acc: 0, fmt: 0.5 }, tokens: [{ text: "x" }] }),
  ]);
  const index = await TraceIndex.build(file);
  assert.equal(index.sampleCount, 3);
  assert.deepEqual(index.rows.map((r) => r.line), [1, 3, 4]);
  assert.match(index.rows[1].error ?? "", /invalid JSON/);
  assert.deepEqual(index.rewardNames, ["acc", "fmt"]);
  assert.equal(index.rows[2].length, 1, "length in tokens when the record has tokens");
  assert.ok((index.rows[0].advantage as number) > 0 && (index.rows[2].advantage as number) < 0, "group advantages");
  const loaded = await index.load(0);
  assert.ok("record" in loaded && loaded.record.completion === "héllo ✓", "multi-byte text survives the byte offsets");
  const last = await index.load(2);
  assert.ok("record" in last && last.record.id === "b");
  assert.equal(index.indexOfLine(4), 2);
  assert.equal(index.indexOfLine(2), -1);
  assert.deepEqual(index.groupMembers("g"), [0, 2]);
});

test("engine scores replace the totals, advantages and errors; the trace's own rewards stay beside them as logged columns", async () => {
  const file = traceFile([JSON.stringify({ id: "a", completion: "x", rewards: { score: 1, fresh: 0.1 } })]);
  const index = await TraceIndex.build(file);
  index.applyEngineScores(new Map([[0, { rewards: { fresh: 0.5 }, total: 0.5, advantage: null, error: "fresh: boom", stepScores: { fresh: [1, 0] } }]]));
  assert.deepEqual(index.rows[0].rewards, { fresh: 0.5, "logged:score": 1 }, "verl said 1, my reward says 0.5: one sort away; a stored value of a reward the engine scored is replaced");
  assert.equal(index.rows[0].total, 0.5, "the total is the user's rewards' only");
  assert.equal(index.rows[0].error, "fresh: boom");
  assert.deepEqual(index.rewardNames, ["fresh", "logged:score"]);
  assert.deepEqual(index.engineStepScores(0), { fresh: [1, 0] });
});

test("a re-score records which rewards changed (before -> after); the first engine scoring records none", async () => {
  const file = traceFile([
    JSON.stringify({ id: "a", completion: "x", rewards: { acc: 1, format: 1, score: 1 } }),
    JSON.stringify({ id: "b", completion: "y", rewards: { acc: 0, format: 1 } }),
  ]);
  const index = await TraceIndex.build(file);
  const scored = (acc: [number, number], format: [number | null, number | null]) =>
    new Map([0, 1].map((i) => [i, { rewards: { acc: acc[i], format: format[i] }, total: acc[i], advantage: null }]));
  index.applyEngineScores(scored([1, 0], [1, 1]));
  assert.equal(index.rows.filter((row) => row.changed).length, 0, "the first engine scoring is not an edit");
  index.applyEngineScores(scored([1, 1], [0.5, null]));
  assert.deepEqual(index.rows[0].changed, { format: [1, 0.5] });
  assert.deepEqual(index.rows[1].changed, { acc: [0, 1], format: [1, null] });
  assert.equal(describeChanges(index.rows), "format: 1 sample 1 → 0.5, 1 sample 1 → null; acc: 1 sample 0 → 1");
  assert.deepEqual([...queryRows(index.rows, { sort: { key: "index", descending: false }, filter: { changedOnly: true } })], [0, 1]);
  index.applyEngineScores(scored([1, 1], [0.5, null]));
  assert.equal(index.rows.filter((row) => row.changed).length, 0, "nothing changed since the last edit");
  assert.deepEqual(changedRewards({ a: 0.1 + 0.2 }, { a: 0.3 }), undefined, "within 1e-9 is the same");
});

test("building reports the rows read so far (a screenful first) and lets other work run meanwhile", async () => {
  const file = traceFile(Array.from({ length: 1200 }, (_, i) => JSON.stringify({ id: `s${i}`, group: `g${i >> 2}`, completion: "x".repeat(i % 9), rewards: { acc: i % 2 } })));
  const seen: { count: number; length: number; firstId: string }[] = [];
  let ranDuring = -1;
  const index = await TraceIndex.build(file, {
    firstProgressAt: 100,
    progressEvery: 500,
    onProgress: (count, rows) => {
      seen.push({ count, length: rows.length, firstId: rows[0].id });
      // A task queued now (a viewer's row request) must run before the build ends.
      if (count === 100) setImmediate(() => (ranDuring = rows.length));
    },
  });
  assert.deepEqual(seen.map((s) => s.count), [100, 500, 1000]);
  assert.ok(seen.every((s) => s.length === s.count && s.firstId === "s0"), "the live rows as read");
  assert.ok(ranDuring >= 100 && ranDuring < 1200, `queued work ran at ${ranDuring} rows read, before the end`);
  assert.equal(index.sampleCount, 1200);
});
