import { test } from "node:test";
import assert from "node:assert/strict";
import { alignedData, CHARTS, RunPoints } from "../../webview/dashboard/chartSpecs";

const points = (...rows: Record<string, number>[]) => {
  const run = new RunPoints();
  run.add(rows.map((row) => ({ step: row.step, ...row })));
  return run;
};

test("alignedData: x is every step with a value; gaps are null; the overlay run aligns on steps", () => {
  const main = points({ step: 0, "eval/accuracy": 0.3 }, { step: 1, "reward/total/mean": 0.5 }, { step: 2, "reward/total/mean": 0.7 });
  const other = points({ step: 2, "reward/total/mean": 0.1 }, { step: 3, "reward/total/mean": 0.2 });
  const data = alignedData(
    [
      { key: "reward/total/mean", label: "total", run: "main" },
      { key: "reward/total/mean", label: "total", run: "overlay" },
    ],
    main,
    other,
  );
  assert.deepEqual(data, [
    [1, 2, 3],
    [0.5, 0.7, null],
    [null, 0.1, 0.2],
  ]);
});

test("RunPoints: a step written twice keeps its last line; keys are collected", () => {
  const run = points({ step: 2, a: 1 }, { step: 1, a: 0 }, { step: 2, a: 5, b: 1 });
  assert.deepEqual(run.sorted.map((p) => [p.step, p.a]), [[1, 0], [2, 5]]);
  assert.deepEqual([...run.keys].sort(), ["a", "b"]);
});

test("chart specs: per-component rewards found by name, total excluded; absent keys hide a chart", () => {
  const keys = new Set(["reward/total/mean", "reward/format/mean", "reward/accuracy/mean", "actor/kl"]);
  const components = CHARTS.find((chart) => chart.id === "components")!;
  assert.deepEqual(components.series(keys).map((s) => s.label), ["accuracy", "format"]);
  const advantage = CHARTS.find((chart) => chart.id === "advantage")!;
  assert.deepEqual(advantage.series(keys), []);
});
