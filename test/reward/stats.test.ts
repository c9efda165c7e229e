import { test } from "node:test";
import assert from "node:assert/strict";
import { columnStats, groupAdvantages, pearson } from "../../src/reward/stats";
import { aggregateSteps } from "../../src/reward/sandbox/runner";

const f64 = (xs: number[]) => Float64Array.from(xs);

test("column stats skip missing values (NaN) and use the population std", () => {
  const s = columnStats(f64([1, NaN, 3]), 3, 1, 0);
  assert.deepEqual(s, { mean: 2, std: 1, min: 1, max: 3, count: 2, nulls: 1, errors: 0 });
  assert.equal(columnStats(f64([NaN]), 1).mean, null);
});

test("GRPO advantages follow verl: unbiased group std + 1e-6; single-sample group keeps its reward", () => {
  const totals = f64([1, 0, 0, 0, 5]);
  const a = groupAdvantages(totals, ["g", "g", "g", "g", "solo"], 5);
  const std = Math.sqrt((0.75 ** 2 + 3 * 0.25 ** 2) / 3);
  assert.ok(Math.abs(a[0] - 0.75 / (std + 1e-6)) < 1e-12);
  assert.ok(Math.abs(a[1] + 0.25 / (std + 1e-6)) < 1e-12);
  assert.ok(Math.abs(a[4] - 5 / (1 + 1e-6)) < 1e-12);
});

test("Dr.GRPO advantages subtract the group mean only; ungrouped or unscored samples get NaN", () => {
  const a = groupAdvantages(f64([1, 0, NaN, 2]), ["g", "g", "g", ""], 4, { normByStd: false });
  assert.deepEqual([a[0], a[1]], [0.5, -0.5]);
  assert.ok(Number.isNaN(a[2]) && Number.isNaN(a[3]));
});

test("equal rewards in a group give zero advantage, not NaN", () => {
  const a = groupAdvantages(f64([1, 1, 1]), ["g", "g", "g"], 3);
  assert.deepEqual(Array.from(a), [0, 0, 0]);
});

test("pearson correlation", () => {
  assert.ok(Math.abs(pearson(f64([1, 2, 3]), f64([2, 4, 6.5]), 3)! - 0.9986) < 1e-3);
  assert.equal(pearson(f64([1, 1]), f64([2, 3]), 2), null);
  assert.equal(pearson(f64([1, NaN, 2]), f64([NaN, 1, 2]), 3), null);
});

test("process aggregation: min, mean, last, prod, sum; nulls skipped", () => {
  const steps = [1, null, 0.5];
  assert.equal(aggregateSteps(steps, "min"), 0.5);
  assert.equal(aggregateSteps(steps, "mean"), 0.75);
  assert.equal(aggregateSteps(steps, "last"), 0.5);
  assert.equal(aggregateSteps(steps, "prod"), 0.5);
  assert.equal(aggregateSteps(steps, "sum"), 1.5);
  assert.equal(aggregateSteps([null], "mean"), null);
  assert.equal(aggregateSteps([], "min"), null);
});
