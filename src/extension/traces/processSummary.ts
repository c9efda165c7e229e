/**
 * The trace viewer's process-reward summary: how each process reward of the workspace finds the
 * wrong steps a trace's step labels mark (PRM800K, Math-Shepherd, ProcessBench, ... imports), per
 * split. The metrics are `rewardlab prm-eval`'s, fed from a scored table through the same
 * `ProcessEvaluation`, so the viewer and the CLI print the same numbers for the same file and
 * rewards. No vscode, no DOM.
 */
import type { ProcessSummary, ProcessSummaryRow } from "../../protocol/traceViewer";
import { ALL_SPLITS, ProcessEvaluation } from "../../reward/stepMetrics";
import type { ScoreTable } from "../../reward/table";

/** prm-eval's default: a step is flagged when its score is below 0.5 (ProcessBench's argmax rule). */
export const SUMMARY_THRESHOLD = 0.5;

/** A record's split as prm-eval reads it: `meta.split` when it is a non-empty string, else "all". */
export function splitOfMeta(meta: Readonly<Record<string, unknown>> | undefined): string {
  const split = meta?.split;
  return typeof split === "string" && split !== "" ? split : ALL_SPLITS;
}

/**
 * The summary of `table`'s process rewards against its samples' step labels; `splitOf(i)` is
 * sample `i`'s split. Undefined when no sample has labelled steps or no process reward scored
 * them (the viewer then shows no summary).
 */
export function processSummary(table: ScoreTable, splitOf: (sample: number) => string, threshold = SUMMARY_THRESHOLD): ProcessSummary | undefined {
  const process = table.rewards.filter((reward) => reward.kind === "process").map((reward) => reward.name);
  if (process.length === 0 || table.stepLabels.size === 0) return undefined;
  const evaluation = new ProcessEvaluation(threshold);
  // Labels are inserted in table (file) order, as prm-eval reads the samples.
  for (const [sample, labels] of table.stepLabels) {
    const scores = table.stepScores.get(sample);
    if (!scores) continue;
    for (const reward of process) {
      const rewardScores = scores[reward];
      if (rewardScores) evaluation.add(reward, splitOf(sample), rewardScores, labels);
    }
  }
  const report = evaluation.report();
  const rows: ProcessSummaryRow[] = [];
  const matched = new Set<string>();
  for (const { reward, split, metrics: m } of report) {
    if (m.samples === 0) continue;
    matched.add(reward);
    rows.push({
      reward,
      split,
      samples: m.samples,
      erroneous_samples: m.erroneous_samples,
      correct_samples: m.correct_samples,
      error_accuracy: m.error_accuracy,
      correct_accuracy: m.correct_accuracy,
      processbench_f1: m.processbench_f1,
      step_precision: m.step_precision,
      step_recall: m.step_recall,
      step_f1: m.step_f1,
      macro_f1: m.macro_f1,
      auc: m.auc,
      auc_exact: m.auc_exact,
    });
  }
  if (rows.length === 0) return undefined;
  return { threshold, rows, unmatched: process.filter((reward) => !matched.has(reward)) };
}
