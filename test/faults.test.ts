// Fault injection (issue 21): seeded, fast. Hostile trace lines, hostile reward return values and
// hostile importer rows must each end as a reported error that names the file and line (or the
// reward and sample), never as a crash, a hang or a silently dropped line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardEngine } from "../src/reward/engine";
import { importFile } from "../src/trace/importers/index";

/** A small deterministic generator (LCG): every run injects the same faults. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const VALID = (i: number) => JSON.stringify({ id: `s${i}`, group: `g${i % 4}`, prompt: "2+2? é ✓", completion: `<think>2+2=4</think><answer>${i % 5}</answer>`, answer: "4" });

/** One hostile variant of a valid line. */
function mutate(line: string, random: () => number): string {
  const at = Math.floor(random() * line.length);
  switch (Math.floor(random() * 10)) {
    case 0: return line.slice(0, at) + line.slice(at + 1); // a character dropped
    case 1: return line.slice(0, at) + "\"{[,:\\"[Math.floor(random() * 7)] + line.slice(at); // one inserted
    case 2: return line.slice(0, at); // cut off
    case 3: return line.replace("}", `,"deep":${"[".repeat(5000)}${"]".repeat(5000)}}`); // nested deep
    case 4: return line.replace('"answer":"4"', '"answer":1e400'); // a number JSON.parse makes Infinity
    case 5: return line.replace("2+2", "2+2\u0000\u0007"); // raw control characters
    case 6: return line.replace('"completion":', '"completion":null,"x":'); // completion not a string
    case 7: return `[${line}]`; // an array, not an object
    case 8: return line.replace('"id":', '"__proto__":{"polluted":1},"id":'); // prototype keys
    default: return "\uFEFF" + line + "   \t"; // BOM and trailing whitespace
  }
}

test("500 seeded hostile trace lines: every line is scored or reported with its line number; nothing throws", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-faults-"));
  const engine = new RewardEngine({ rewards: join(dir, "r.reward.ts"), workers: 2 });
  try {
    writeFileSync(join(dir, "r.reward.ts"), 'import { answerMatchReward, formatReward } from "rewardlab";\nexport default [answerMatchReward(), formatReward()];\n');
    const random = rng(21);
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) lines.push(random() < 0.5 ? mutate(VALID(i), random) : VALID(i));
    const file = join(dir, "hostile.trace.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");
    assert.deepEqual((await engine.load()).errors, []);
    const table = await engine.scoreFile(file);
    const blank = lines.filter((l) => l.trim() === "" || l.trim() === "\uFEFF").length;
    assert.equal(table.size + table.malformed.length, lines.length - blank, "no line silently dropped");
    for (const m of table.malformed) {
      assert.equal(m.file, file);
      assert.ok(m.line >= 1 && m.line <= lines.length, `line ${m.line}`);
      assert.ok(m.message.length > 0);
    }
    assert.ok(table.malformed.length > 50 && table.size > 250, `${table.size} scored, ${table.malformed.length} malformed`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
  } finally {
    engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("hostile reward return values fail their sample naming the reward; the other rewards still score", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-faults-"));
  const engine = new RewardEngine({ rewards: dir, workers: 1 });
  try {
    writeFileSync(join(dir, "good.reward.ts"), 'export default { name: "good", score: () => 1 };\n');
    writeFileSync(
      join(dir, "evil.reward.ts"),
      `const values = [undefined, "1", {}, [1], NaN, Infinity, -Infinity, 10n, Symbol("s"), () => 1,
  new Proxy({}, { get() { throw new Error("trap"); } }), Promise.reject(new Proxy({}, { get() { throw 1; } })),
  { then(resolve) { resolve("not a number"); } }];
export default { name: "evil", score: (s) => { const v = values[Number(s.id.slice(1)) % values.length]; if (v instanceof Promise) v.catch(() => {}); return v; } };
`,
    );
    const file = join(dir, "t.trace.jsonl");
    writeFileSync(file, Array.from({ length: 26 }, (_, i) => VALID(i)).join("\n") + "\n");
    assert.deepEqual((await engine.load()).errors, []);
    const table = await engine.scoreFile(file);
    assert.equal(table.size, 26);
    const summary = table.summary();
    assert.equal(summary.rewards.good.count, 26, "the other reward scored every sample");
    assert.equal(summary.rewards.evil.errors, 26, "every hostile value is an error, none a score");
    for (const [, failures] of table.errors) for (const f of failures) assert.equal(f.reward, "evil");
  } finally {
    engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("300 seeded hostile verl rows: each imports or is reported with its line; no exception escapes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-faults-"));
  try {
    const random = rng(7);
    const junk = [null, 1, "x", [], {}, true, -0, 1e308, "NaN", { target: [null, [1, [2]]] }];
    const pick = () => junk[Math.floor(random() * junk.length)];
    const rows = Array.from({ length: 300 }, (_, i) => {
      const row: Record<string, unknown> = { input: "q", output: "<answer>1</answer>", gts: "1", score: 1, step: 1 };
      if (i === 0) return JSON.stringify(row);
      for (const key of Object.keys(row)) if (random() < 0.3) row[key] = pick();
      if (random() < 0.2) row.uid = pick();
      return JSON.stringify(row).replace(/"score":1\b/, random() < 0.3 ? '"score":NaN' : '"score":1');
    });
    const file = join(dir, "3.jsonl");
    writeFileSync(file, rows.join("\n") + "\n");
    let records = 0;
    let errors = 0;
    for await (const item of importFile(file, { format: "verl" })) {
      if ("error" in item) {
        errors++;
        assert.match(item.error.message, /^verl: |invalid JSON/);
        assert.ok(item.error.line >= 1 && item.error.line <= rows.length);
      } else records++;
    }
    assert.equal(records + errors, rows.length, "every row accounted for");
    assert.ok(records > 0 && errors > 0, `${records} imported, ${errors} reported`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
