import assert from "node:assert/strict";
import { test } from "node:test";
import type { SampleRow } from "../../src/protocol/traceViewer";
import { fillGroupAdvantages, queryRows, totalReward } from "../../src/extension/traces/rows";

function row(index: number, total: number | null, extra: Partial<SampleRow> = {}): SampleRow {
  return { index, line: index + 1, id: `s${index}`, rewards: { acc: total }, total, advantage: null, length: 10 * index, ...extra };
}

test("totalReward weights non-null rewards and is null when none applies", () => {
  assert.equal(totalReward({ a: 1, b: null, c: 0.5 }, { c: 2 }), 2);
  assert.equal(totalReward({ a: null }), null);
  assert.equal(totalReward({}), null);
});

test("fillGroupAdvantages normalises totals within each group and keeps stored advantages", () => {
  const rows = [row(0, 1, { group: "g" }), row(1, 0, { group: "g" }), row(2, 5, { group: "h", advantage: 0.3 }), row(3, 1)];
  fillGroupAdvantages(rows, (r) => r.index === 2);
  assert.ok(Math.abs((rows[0].advantage as number) - 1) < 1e-5);
  assert.ok(Math.abs((rows[1].advantage as number) + 1) < 1e-5);
  assert.equal(rows[2].advantage, 0.3);
  assert.equal(rows[3].advantage, null, "no group, no advantage");
});

test("queryRows sorts by a key with nulls last in both directions, ties in file order", () => {
  const rows = [row(0, 0.5), row(1, null), row(2, 1), row(3, 0.5)];
  assert.deepEqual([...queryRows(rows, { sort: { key: "total", descending: true }, filter: {} })], [2, 0, 3, 1]);
  assert.deepEqual([...queryRows(rows, { sort: { key: "total", descending: false }, filter: {} })], [0, 3, 2, 1]);
  assert.deepEqual([...queryRows(rows, { sort: { key: "reward:acc", descending: true }, filter: {} })], [2, 0, 3, 1]);
});

test("queryRows filters by search, errors and a value range", () => {
  const rows = [row(0, 0.5, { group: "p-1" }), row(1, 0.9, { error: "boom" }), row(2, 1, { group: "p-2" })];
  const all = { key: "index" as const, descending: false };
  assert.deepEqual([...queryRows(rows, { sort: all, filter: { search: "P-2" } })], [2]);
  assert.deepEqual([...queryRows(rows, { sort: all, filter: { errorsOnly: true } })], [1]);
  assert.deepEqual([...queryRows(rows, { sort: all, filter: { range: { key: "total", min: 0.8 } } })], [1, 2]);
  assert.deepEqual([...queryRows(rows, { sort: { key: "index", descending: true }, filter: {} })], [2, 1, 0]);
});
