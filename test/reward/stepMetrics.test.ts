// The process-reward benchmark metrics on samples small enough to count by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AucCounts, DEFAULT_SWEEP, MAX_DISTINCT_SCORES, ProcessEvaluation, StepMetricsAccumulator } from "../../src/reward/stepMetrics";

// [scores, labels]: +1 correct, 0 neutral, -1 wrong, null unlabelled (ProcessBench leaves the steps
// after the earliest error unlabelled).
const SAMPLES: [(number | null)[], (number | null)[]][] = [
  [[0.9, 0.2, 0.8], [1, -1, null]], // erroneous, first wrong 1, flagged first at 1: hit
  [[0.7, 0.4, 0.9], [1, 1, 1]], // correct, step 1 flagged: miss
  [[0.6, 0.1], [-1, null]], // erroneous at 0, flagged first at 1: miss
  [[0.8, 0.3, 0.55], [1, 0, 1]], // correct, the neutral step is flagged: miss
  [[0.9, 0.95], [1, 1]], // correct, nothing flagged: hit
];

const close = (actual: number | null, expected: number, what: string) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);

function accumulate(threshold: number, sweep: number[] = []): StepMetricsAccumulator {
  const accumulator = new StepMetricsAccumulator(threshold, sweep);
  for (const [scores, labels] of SAMPLES) accumulator.add(scores, labels);
  return accumulator;
}

test("ProcessBench earliest-error accuracies and their harmonic mean, at 0.5", () => {
  const m = accumulate(0.5).result();
  assert.equal(m.samples, 5);
  assert.equal(m.erroneous_samples, 2);
  assert.equal(m.correct_samples, 3);
  close(m.error_accuracy, 1 / 2, "error accuracy");
  close(m.correct_accuracy, 1 / 3, "correct accuracy");
  close(m.processbench_f1, (2 * (1 / 2) * (1 / 3)) / (1 / 2 + 1 / 3), "F1"); // 0.4
  close(m.processbench_f1, 0.4, "F1");
});

test("step-level precision / recall / F1 of finding wrong steps, the correct class's F1 and their macro mean", () => {
  const m = accumulate(0.5).result();
  // Wrong steps: 0.2 flagged (tp), 0.6 missed (fn). Correct steps: 0.4 flagged (fp), 7 passed (tn).
  // The neutral step and the unlabelled ones are not counted.
  assert.equal(m.wrong_steps, 2);
  assert.equal(m.correct_steps, 8);
  close(m.step_precision, 1 / 2, "precision");
  close(m.step_recall, 1 / 2, "recall");
  close(m.step_f1, 1 / 2, "F1");
  close(m.correct_step_f1, 7 / 8, "correct-class F1"); // precision 7/8 (tn / (tn + fn)), recall 7/8 (tn / (tn + fp))
  close(m.macro_f1, (1 / 2 + 7 / 8) / 2, "macro F1");
});

test("AUC: P(correct step scores above a wrong one), over labelled steps only", () => {
  // Correct: 0.9 0.7 0.4 0.9 0.8 0.55 0.9 0.95; wrong: 0.2 0.6. Pairs won: 2+2+1+2+2+1+2+2 = 14 of 16.
  close(accumulate(0.5).result().auc, 14 / 16, "AUC");
});

test("AUC counts ties as half, and is null without both kinds of step", () => {
  const ties = new AucCounts();
  for (const [score, wrong] of [[0.5, false], [0.5, false], [0.5, true]] as const) ties.add(score, wrong);
  close(ties.auc(), 0.5, "all tied");
  const partly = new AucCounts();
  for (const [score, wrong] of [[0.5, true], [0.2, true], [0.5, false]] as const) partly.add(score, wrong);
  close(partly.auc(), (1 + 0.5) / 2, "one win, one tie");
  const onlyCorrect = new AucCounts();
  onlyCorrect.add(0.3, false);
  assert.equal(onlyCorrect.auc(), null);
});

test("the AUC's counts stay bounded: past MAX_DISTINCT_SCORES distinct scores they are rounded to a 1e-4 grid", () => {
  const counts = new AucCounts();
  for (let i = 0; i <= MAX_DISTINCT_SCORES; i++) counts.add(0.5 + i * 1e-9, false);
  counts.add(0.1, true);
  assert.equal(counts.exact, false);
  close(counts.auc(), 1, "every correct step above the wrong one");
});

test("the threshold sweep: metrics at each threshold and the best one", () => {
  const m = accumulate(0.5, [0.3, 0.5, 0.65]).result();
  const f1 = Object.fromEntries(m.sweep!.map((row) => [row.threshold, row.processbench_f1]));
  // 0.3: error acc 1/2 (sample 3 flags step 1), correct acc 3/3 -> 2/3.
  close(f1[0.3], 2 / 3, "F1 at 0.3");
  close(f1[0.5], 0.4, "F1 at 0.5");
  // 0.65: error acc 2/2 (sample 3 flags step 0 = its first wrong step), correct acc 1/3 -> 1/2.
  close(f1[0.65], 1 / 2, "F1 at 0.65");
  assert.deepEqual(m.best!.processbench_f1, { threshold: 0.3, value: f1[0.3] });
  assert.equal(m.threshold, 0.5);
  close(m.processbench_f1, 0.4, "the reported threshold is unchanged by the sweep");
});

test("the default sweep is 0.05 to 0.95 in steps of 0.05", () => {
  assert.equal(DEFAULT_SWEEP.length, 19);
  assert.equal(DEFAULT_SWEEP[0], 0.05);
  assert.equal(DEFAULT_SWEEP[9], 0.5);
  assert.equal(DEFAULT_SWEEP[18], 0.95);
});

test("null scores are never flagged and not counted; samples without a scored, labelled step add nothing", () => {
  const accumulator = new StepMetricsAccumulator(0.5);
  accumulator.add([null, 0.1], [-1, 1]); // the wrong step is unscored: predicted error at 1, not 0
  accumulator.add([0.2, 0.3], [null, 0]); // nothing labelled +1/-1
  const m = accumulator.result();
  assert.equal(m.samples, 1);
  assert.equal(m.error_accuracy, 0);
  assert.equal(m.wrong_steps, 0);
  assert.equal(m.correct_steps, 1);
  assert.equal(m.step_recall, null);
  assert.equal(m.auc, null);
});

test("ProcessEvaluation reports each split and, with several, all of them together", () => {
  const evaluation = new ProcessEvaluation(0.5);
  evaluation.add("prm", "gsm8k", ...SAMPLES[0]);
  evaluation.add("prm", "math", ...SAMPLES[1]);
  evaluation.add("prm", "gsm8k", ...SAMPLES[4]);
  evaluation.add("other", "gsm8k", ...SAMPLES[0]);
  const rows = evaluation.report();
  assert.deepEqual(rows.map((r) => `${r.reward}/${r.split}:${r.metrics.samples}`), ["prm/gsm8k:2", "prm/math:1", "prm/all:3", "other/gsm8k:1"]);
});

test("ProcessEvaluation shows the all row when some samples have no split, even beside a single named split", () => {
  const evaluation = new ProcessEvaluation(0.5);
  evaluation.add("prm", "gsm8k", ...SAMPLES[0]);
  evaluation.add("prm", "all", ...SAMPLES[1]); // e.g. a PRM800K record: no meta.split
  assert.deepEqual(evaluation.report().map((r) => `${r.split}:${r.metrics.samples}`), ["gsm8k:1", "all:2"]);
  const single = new ProcessEvaluation(0.5);
  single.add("prm", "all", ...SAMPLES[1]);
  assert.deepEqual(single.report().map((r) => `${r.split}:${r.metrics.samples}`), ["all:1"]);
});
