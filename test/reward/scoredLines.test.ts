import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardEngine } from "../../src/reward/engine";
import { ScoredLineStream, scoredLine, spliceHead, splicedLine } from "../../src/reward/scoredLines";
import type { ScoreTable } from "../../src/reward/table";

const reward = `export default { name: "len", weight: 0.5, score: (s) => s.completion.length % 7 };\n`;

/** Scores `lines` in many small batches on two workers, streaming the output; returns it, the table and the stream. */
async function stream(lines: string[], maxPendingChars?: number) {
  const dir = mkdtempSync(join(tmpdir(), "rl-lines-"));
  writeFileSync(join(dir, "r.reward.ts"), reward);
  writeFileSync(join(dir, "t.trace.jsonl"), lines.join("\n") + "\n");
  const engine = new RewardEngine({ rewards: join(dir, "r.reward.ts"), workers: 2, chunkBytes: 256 });
  try {
    await engine.load();
    let written = "";
    const sink = new ScoredLineStream({ write: async (text) => void (written += text), merge: (text, scores) => scoredLine(JSON.parse(text), scores), ...(maxPendingChars ? { maxPendingChars } : {}) });
    const table = await engine.scoreFile(join(dir, "t.trace.jsonl"), { lines: sink });
    await sink.end(table);
    return { written, table, sink };
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

test("ScoredLineStream gives up when a group recurs after another began, or one group outgrows its limit", async () => {
  const recurring = ["a", "b", "a"].map((group, i) => JSON.stringify({ id: `s${i}`, completion: "xy", group }));
  const gaveUp = await stream(recurring);
  assert.equal(gaveUp.sink.gaveUp, "group-recurs");
  const huge = Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `s${i}`, completion: "x".repeat(40), group: "one" }));
  const large = await stream(huge, 2_000);
  assert.equal(large.sink.gaveUp, "group-too-large");
  assert.equal(large.written, "", "nothing of the open group was written");
});
