import { test } from "node:test";
import assert from "node:assert/strict";
import { rewardTiming, timesOf } from "../../src/reward/timing";
import type { ScoreTable } from "../../src/reward/table";

test("timesOf: nearest-rank p50 / p99, mean, max; a budget flags the p99", () => {
  const values = Array.from({ length: 200 }, (_, i) => (i === 199 ? 500 : i === 198 ? 300 : 1 + (i % 10) / 10));
  const t = timesOf(values, 100)!;
  assert.equal(t.samples, 200);
  assert.equal(t.max_ms, 500);
  assert.equal(t.p99_ms, 300, "rank floor(0.99 * 200) = 198 of the sorted values");
  assert.equal(t.p50_ms, 1.5, "rank 100: the 1.5s fill ranks 100-119");
  assert.equal(t.over_budget, true);
  assert.equal(timesOf(values)!.over_budget, undefined);
  assert.equal(timesOf([]), null);
});

test("rewardTiming: per reward over every table, slowest samples with file and line, untimed samples skipped", () => {
  const table = (file: string, columns: number[][]) =>
    ({
      file,
      size: columns[0].length,
      rewards: [{ name: "a" }, { name: "b" }],
      times: columns.map((c) => Float32Array.from(c)),
      ids: columns[0].map((_, i) => `${file}-${i}`),
      lines: Int32Array.from(columns[0], (_, i) => i + 1),
    }) as unknown as ScoreTable;
  const many = Array.from({ length: 50 }, (_, i) => i / 10);
  const timing = rewardTiming([table("x", [many, many.map(() => NaN)]), table("y", [[9, 0.5], [7, 40]])], 5, 3);
  assert.deepEqual(Object.keys(timing.rewards), ["a", "b"]);
  assert.equal(timing.rewards.a.samples, 52);
  assert.equal(timing.rewards.b.samples, 2, "NaN: not timed");
  assert.deepEqual(timing.slowest.map((s) => [s.reward, s.id, s.line, s.ms]), [["b", "y-1", 2, 40], ["a", "y-0", 1, 9], ["b", "y-0", 1, 7]]);
  assert.equal(timing.rewards.b.over_budget, true);
  assert.equal(timing.budget_ms, 5);
});
