/**
 * How well a process reward finds wrong steps, measured the way the process-reward benchmarks
 * measure it. Pure counting: samples are folded in one at a time and dropped, so a benchmark of
 * any size costs the same memory (the AUC keeps one count pair per distinct score; see `AucCounts`).
 *
 * A step is predicted wrong when its score is below the threshold (a PRM's P(correct) < 0.5 is
 * ProcessBench's argmax rule). Labels are the trace's step labels: +1 correct, 0 neutral, -1 wrong,
 * null unlabelled (src/trace/types.ts `RecordStep`).
 *
 * - ProcessBench (Zheng et al. 2024, QwenLM/ProcessBench code/run_eval_prm_trl.py): a sample's
 *   predicted earliest error is its first step scored below the threshold (-1 when none). On
 *   erroneous samples (a step labelled -1) it must equal the first step labelled -1; on correct
 *   samples (none labelled -1) it must be -1. F1 is the harmonic mean of the two accuracies.
 * - Step level: precision / recall / F1 of detecting wrong steps (positive class: label -1,
 *   negative: +1; neutral and unlabelled steps are left out), the F1 of the correct class, and
 *   their mean, the macro F1 that VisualProcessBench (Wang et al. 2025, VisualPRM) reports.
 * - AUC: the probability that a correct step scores above a wrong one (ties count half), over all
 *   steps labelled +1 or -1; threshold-free.
 * Steps a reward scored null count as not flagged (they are never below the threshold) and are
 * left out of the step-level counts and the AUC.
 */

/** The default sweep: 0.05, 0.10, ..., 0.95. */
export const DEFAULT_SWEEP: readonly number[] = Array.from({ length: 19 }, (_, k) => Math.round((k + 1) * 5) / 100);

/** Counts at one threshold. */
interface ThresholdCounts {
  erroneous: number;
  erroneousHits: number;
  correct: number;
  correctHits: number;
  /** Wrong steps flagged / correct steps flagged / wrong steps missed / correct steps passed. */
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Metrics at one threshold (fractions in 0..1; null when there is nothing to divide by). */
export interface ThresholdMetrics {
  threshold: number;
  /** ProcessBench: accuracy of the predicted earliest error on samples with a wrong step. */
  error_accuracy: number | null;
  /** ProcessBench: share of samples without a wrong step where no step was flagged. */
  correct_accuracy: number | null;
  /** ProcessBench's F1: harmonic mean of the two accuracies above. */
  processbench_f1: number | null;
  /** Detecting wrong steps (positive class: label -1). */
  step_precision: number | null;
  step_recall: number | null;
  step_f1: number | null;
  /** F1 of the correct class (label +1 passed). */
  correct_step_f1: number | null;
  /** Mean of `step_f1` and `correct_step_f1` (VisualProcessBench's macro F1). */
  macro_f1: number | null;
}

export interface ProcessMetrics extends ThresholdMetrics {
  /** Samples with at least one step labelled +1 or -1 and scored by the reward. */
  samples: number;
  erroneous_samples: number;
  correct_samples: number;
  /** Steps labelled -1 / +1 that the reward scored. */
  wrong_steps: number;
  correct_steps: number;
  auc: number | null;
  /** False once the AUC's score counts were rounded to stay small (more than `MAX_DISTINCT_SCORES` distinct scores). */
  auc_exact: boolean;
  /** Present with a sweep: every threshold's metrics, and the thresholds with the best F1s. */
  sweep?: ThresholdMetrics[];
  best?: { processbench_f1: BestThreshold | null; step_f1: BestThreshold | null; macro_f1: BestThreshold | null };
}

export interface BestThreshold {
  threshold: number;
  value: number;
}

/** Distinct scores kept exactly for the AUC; past this, scores are rounded to `AUC_GRID` (bounded memory). */
export const MAX_DISTINCT_SCORES = 1 << 18;
const AUC_GRID = 1e-4;

/**
 * Counts of correct and wrong steps per distinct score: enough for an exact rank AUC with ties
 * averaged, in memory that grows with the number of distinct scores, not of steps.
 */
export class AucCounts {
  private counts = new Map<number, { correct: number; wrong: number }>();
  exact = true;

  add(score: number, wrong: boolean): void {
    const key = this.exact ? score : roundToGrid(score);
    let entry = this.counts.get(key);
    if (!entry) {
      entry = { correct: 0, wrong: 0 };
      this.counts.set(key, entry);
      if (this.exact && this.counts.size > MAX_DISTINCT_SCORES) this.coarsen();
    }
    if (wrong) entry.wrong++;
    else entry.correct++;
  }

  /** P(a correct step's score > a wrong step's score) + half the ties; null without both kinds. */
  auc(): number | null {
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    let wrongBelow = 0, pairs = 0, correctTotal = 0;
    for (const key of keys) {
      const { correct, wrong } = this.counts.get(key)!;
      pairs += correct * (wrongBelow + wrong / 2);
      wrongBelow += wrong;
      correctTotal += correct;
    }
    return correctTotal === 0 || wrongBelow === 0 ? null : pairs / (correctTotal * wrongBelow);
  }

  private coarsen(): void {
    const old = this.counts;
    this.counts = new Map();
    this.exact = false;
    for (const [score, { correct, wrong }] of old) {
      const key = roundToGrid(score);
      const entry = this.counts.get(key) ?? { correct: 0, wrong: 0 };
      entry.correct += correct;
      entry.wrong += wrong;
      this.counts.set(key, entry);
    }
  }
}

function roundToGrid(score: number): number {
  return Math.round(score / AUC_GRID) * AUC_GRID;
}

/** The metrics of one reward on one split, folded in sample by sample. */
export class StepMetricsAccumulator {
  private readonly thresholds: number[];
  private readonly counts: ThresholdCounts[];
  private readonly aucCounts = new AucCounts();
  private samples = 0;
  private erroneous = 0;
  private wrongSteps = 0;
  private correctSteps = 0;

  /** `threshold` is the reported one; `sweep` (may be empty) the thresholds swept. */
  constructor(readonly threshold: number, readonly sweep: readonly number[] = []) {
    this.thresholds = [threshold, ...sweep];
    this.counts = this.thresholds.map(() => ({ erroneous: 0, erroneousHits: 0, correct: 0, correctHits: 0, tp: 0, fp: 0, fn: 0, tn: 0 }));
  }

  /**
   * Adds one sample: its step scores (null: not scored) and labels, index by index. A sample
   * without any step that is both labelled +1/-1 and scored adds nothing.
   */
  add(scores: readonly (number | null)[], labels: readonly (number | null | undefined)[]): void {
    let firstWrong = -1, usable = 0;
    for (let k = 0; k < labels.length; k++) {
      const label = labels[k];
      if (firstWrong < 0 && typeof label === "number" && label < 0) firstWrong = k;
      const score = scores[k];
      if (score === null || score === undefined || typeof label !== "number" || label === 0) continue;
      usable++;
      if (label < 0) this.wrongSteps++;
      else this.correctSteps++;
      this.aucCounts.add(score, label < 0);
    }
    if (usable === 0) return;
    this.samples++;
    if (firstWrong >= 0) this.erroneous++;
    this.thresholds.forEach((threshold, t) => this.countAt(this.counts[t], threshold, scores, labels, firstWrong));
  }

  private countAt(c: ThresholdCounts, threshold: number, scores: readonly (number | null)[], labels: readonly (number | null | undefined)[], firstWrong: number): void {
    let predicted = -1;
    for (let k = 0; k < scores.length; k++) {
      const score = scores[k];
      const flagged = score !== null && score !== undefined && score < threshold;
      if (flagged && predicted < 0) predicted = k;
      const label = labels[k];
      if (score === null || score === undefined || typeof label !== "number" || label === 0) continue;
      if (label < 0) {
        if (flagged) c.tp++;
        else c.fn++;
      } else if (flagged) c.fp++;
      else c.tn++;
    }
    if (firstWrong >= 0) {
      c.erroneous++;
      if (predicted === firstWrong) c.erroneousHits++;
    } else {
      c.correct++;
      if (predicted < 0) c.correctHits++;
    }
  }

  /** The metrics so far (with the sweep and best thresholds when one was asked for). */
  result(): ProcessMetrics {
    const main = metricsAt(this.threshold, this.counts[0]);
    const metrics: ProcessMetrics = {
      ...main,
      samples: this.samples,
      erroneous_samples: this.erroneous,
      correct_samples: this.samples - this.erroneous,
      wrong_steps: this.wrongSteps,
      correct_steps: this.correctSteps,
      auc: this.aucCounts.auc(),
      auc_exact: this.aucCounts.exact,
    };
    if (this.sweep.length > 0) {
      const sweep = this.sweep.map((threshold, k) => metricsAt(threshold, this.counts[k + 1]));
      metrics.sweep = sweep;
      metrics.best = { processbench_f1: bestOf(sweep, "processbench_f1"), step_f1: bestOf(sweep, "step_f1"), macro_f1: bestOf(sweep, "macro_f1") };
    }
    return metrics;
  }
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function harmonic(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  return a + b === 0 ? 0 : (2 * a * b) / (a + b);
}

function metricsAt(threshold: number, c: ThresholdCounts): ThresholdMetrics {
  const errorAccuracy = ratio(c.erroneousHits, c.erroneous);
  const correctAccuracy = ratio(c.correctHits, c.correct);
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  const stepF1 = c.tp + c.fn === 0 ? null : harmonic(precision ?? 0, recall);
  // The correct class: "passed" (not flagged) is its positive prediction.
  const correctF1 = c.tn + c.fp === 0 ? null : harmonic(ratio(c.tn, c.tn + c.fn) ?? 0, ratio(c.tn, c.tn + c.fp));
  return {
    threshold,
    error_accuracy: errorAccuracy,
    correct_accuracy: correctAccuracy,
    processbench_f1: harmonic(errorAccuracy, correctAccuracy),
    step_precision: precision,
    step_recall: recall,
    step_f1: stepF1,
    correct_step_f1: correctF1,
    macro_f1: stepF1 === null || correctF1 === null ? null : (stepF1 + correctF1) / 2,
  };
}

/** The threshold with the highest value of `key` (the lowest such threshold on ties); null when none has one. */
function bestOf(sweep: readonly ThresholdMetrics[], key: "processbench_f1" | "step_f1" | "macro_f1"): BestThreshold | null {
  let best: BestThreshold | null = null;
  for (const row of sweep) {
    const value = row[key];
    if (value !== null && (best === null || value > best.value)) best = { threshold: row.threshold, value };
  }
  return best;
}

/** The split of samples whose data names none, and the name of the row over every split. */
export const ALL_SPLITS = "all";

/** One reward on one split. */
export interface SplitMetrics {
  reward: string;
  split: string;
  metrics: ProcessMetrics;
}

/** `StepMetricsAccumulator`s per reward and split, plus each reward over all its splits. */
export class ProcessEvaluation {
  private readonly byReward = new Map<string, Map<string, StepMetricsAccumulator>>();
  /** Rewards that saw samples without a split: those are only in their "all" row, so it is shown. */
  private readonly unsplit = new Set<string>();

  constructor(readonly threshold: number, readonly sweep: readonly number[] = []) {}

  add(reward: string, split: string, scores: readonly (number | null)[], labels: readonly (number | null | undefined)[]): void {
    let splits = this.byReward.get(reward);
    if (!splits) {
      splits = new Map([[ALL_SPLITS, new StepMetricsAccumulator(this.threshold, this.sweep)]]);
      this.byReward.set(reward, splits);
    }
    if (split === ALL_SPLITS) this.unsplit.add(reward);
    else {
      let accumulator = splits.get(split);
      if (!accumulator) splits.set(split, (accumulator = new StepMetricsAccumulator(this.threshold, this.sweep)));
      accumulator.add(scores, labels);
    }
    splits.get(ALL_SPLITS)!.add(scores, labels);
  }

  /**
   * Per reward (in first-seen order): each split in first-seen order, then "all" when there are
   * several, or samples without a split.
   */
  report(): SplitMetrics[] {
    const rows: SplitMetrics[] = [];
    for (const [reward, splits] of this.byReward) {
      const named = [...splits.keys()].filter((split) => split !== ALL_SPLITS);
      for (const split of named) rows.push({ reward, split, metrics: splits.get(split)!.result() });
      if (named.length !== 1 || this.unsplit.has(reward)) rows.push({ reward, split: ALL_SPLITS, metrics: splits.get(ALL_SPLITS)!.result() });
    }
    return rows;
  }
}
