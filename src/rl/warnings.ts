/**
 * Reward-hacking signatures in a run's metrics, each explained in one sentence. Every detector
 * compares an early window of the run with a late one (window means, so single noisy steps do not
 * trigger anything) against the thresholds below. They flag what deserves a look at the rollouts;
 * they prove nothing on their own.
 */
import type { MetricRow } from "./runs";

export type WarningKind = "reward-without-accuracy" | "length-blowup" | "lone-component" | "entropy-collapse" | "answer-collapse";

export interface TrainingWarning {
  kind: WarningKind;
  /** A few words for the warning's heading. */
  title: string;
  /** One sentence: what the numbers did and why that is suspicious. */
  message: string;
  /** The steps the comparison spans (first step of the early window to the last step seen). */
  fromStep: number;
  toStep: number;
  /** The metric keys the warning is about, for pointing at their charts. */
  metrics: string[];
}

/**
 * The thresholds. Absolute reward thresholds assume rewards of order 1 (the usual 0/1 outcome and
 * format rewards, IoU, process scores in [0, 1]).
 */
export const WARNING_THRESHOLDS = {
  /** Points of a training series needed before its trend is judged; fewer are mostly noise. */
  minPoints: 8,
  /** Share of a series' points in each of the early and late windows (at least 2 points each). */
  windowShare: 0.25,
  /** Mean total reward must rise by at least this much to count as "reward went up". */
  rewardRise: 0.1,
  /** Held-out accuracy gaining at most this much (absolute) counts as flat. */
  accuracyFlat: 0.02,
  /** Mean response length growing by this factor or more is a blow-up ... */
  lengthGrowth: 2,
  /** ... provided it also grew by at least this many tokens (10 -> 20 tokens is not a blow-up). */
  lengthMinGrowth: 32,
  /** Or: this share of responses cut at the length limit in the late window (it was lower early). */
  lengthClipRatio: 0.2,
  /** A reward component rising by at least this much is "rising" ... */
  componentRise: 0.1,
  /** ... and the others changing by at most this much (or falling) are "flat". */
  componentFlat: 0.02,
  /** Entropy in the late window at or below this share of the early window's is a collapse ... */
  entropyShare: 0.25,
  /** ... and so is entropy under this many nats per token, from an early window above it. */
  entropyFloor: 0.05,
  /** One answer taking at least this share of a question type's held-out answers ... */
  answerShare: 0.6,
  /** ... having grown by at least this much since the first evaluation (the base policy) is an answer collapse. */
  answerRise: 0.2,
} as const;

type Thresholds = { [K in keyof typeof WARNING_THRESHOLDS]: number };

interface Trend {
  early: number;
  late: number;
  fromStep: number;
  toStep: number;
}

/** Runs every detector over `rows` (one per step, any order; eval-only rows are fine). */
export function detectWarnings(rows: readonly MetricRow[], thresholds: Thresholds = WARNING_THRESHOLDS): TrainingWarning[] {
  const sorted = [...rows].sort((a, b) => a.step - b.step);
  return [rewardWithoutAccuracy(sorted, thresholds), lengthBlowup(sorted, thresholds), loneComponent(sorted, thresholds), entropyCollapse(sorted, thresholds), answerCollapse(sorted, thresholds)].filter(
    (warning): warning is TrainingWarning => warning !== undefined,
  );
}

interface Windows {
  minPoints: number;
  windowShare: number;
  /** Smallest window, in points. */
  minWindow: number;
}

/** Training series: windows of a quarter of the points, at least 2. */
const trainingWindows = (t: Thresholds): Windows => ({ minPoints: t.minPoints, windowShare: t.windowShare, minWindow: 2 });
/** Evaluation runs every N steps: a handful of points, so first vs last (two each from 8 points on). */
const evalWindows: Windows = { minPoints: 2, windowShare: 0.25, minWindow: 1 };

/** Early- and late-window means of `key` over the rows that have it, or undefined with too few points. */
function trend(rows: readonly MetricRow[], key: string, windows: Windows): Trend | undefined {
  const points = rows.filter((row) => row[key] !== undefined);
  if (points.length < windows.minPoints) return undefined;
  const size = Math.max(windows.minWindow, Math.floor(points.length * windows.windowShare));
  const mean = (part: readonly MetricRow[]) => part.reduce((sum, row) => sum + row[key], 0) / part.length;
  return { early: mean(points.slice(0, size)), late: mean(points.slice(-size)), fromStep: points[0].step, toStep: points[points.length - 1].step };
}

function rewardWithoutAccuracy(rows: readonly MetricRow[], t: Thresholds): TrainingWarning | undefined {
  const reward = trend(rows, "reward/total/mean", trainingWindows(t));
  const accuracy = trend(rows, "eval/accuracy", evalWindows);
  if (!reward || !accuracy || reward.late - reward.early < t.rewardRise || accuracy.late - accuracy.early > t.accuracyFlat) return undefined;
  const direction = accuracy.late < accuracy.early - t.accuracyFlat ? "fell" : "stayed flat";
  return {
    kind: "reward-without-accuracy",
    title: "Reward up, held-out accuracy not",
    message:
      `Training reward rose from ${fixed(reward.early)} to ${fixed(reward.late)} while held-out accuracy ${direction} (${fixed(accuracy.early)} → ${fixed(accuracy.late)}): ` +
      "the policy is earning reward without getting better at the task, the classic sign of reward hacking.",
    fromStep: Math.min(reward.fromStep, accuracy.fromStep),
    toStep: Math.max(reward.toStep, accuracy.toStep),
    metrics: ["reward/total/mean", "eval/accuracy"],
  };
}

function lengthBlowup(rows: readonly MetricRow[], t: Thresholds): TrainingWarning | undefined {
  const length = trend(rows, "response_length/mean", trainingWindows(t));
  const clip = trend(rows, "response_length/clip_ratio", trainingWindows(t));
  const grew = length !== undefined && length.late >= t.lengthGrowth * length.early && length.late - length.early >= t.lengthMinGrowth;
  const clipped = clip !== undefined && clip.late >= t.lengthClipRatio && clip.early < t.lengthClipRatio;
  if (!grew && !clipped) return undefined;
  const parts: string[] = [];
  if (grew) parts.push(`Mean response length grew ${(length.late / length.early).toFixed(1)}× (${Math.round(length.early)} → ${Math.round(length.late)} tokens)`);
  if (clipped) parts.push(`${grew ? "and " : ""}${percent(clip.late)} of responses now hit the length limit (${percent(clip.early)} early on)`);
  const span = length ?? clip!;
  return {
    kind: "length-blowup",
    title: "Response length blow-up",
    message: `${parts.join(" ")}: a reward that pays for length (or for steps, or for tokens it can match) lets the policy pad its answers, and cut-off answers cannot be right.`,
    fromStep: span.fromStep,
    toStep: span.toStep,
    metrics: ["response_length/mean", ...(clipped ? ["response_length/clip_ratio"] : [])],
  };
}

function loneComponent(rows: readonly MetricRow[], t: Thresholds): TrainingWarning | undefined {
  const names = componentNames(rows);
  if (names.length < 2) return undefined;
  const trends = names.map((name) => ({ name, trend: trend(rows, `reward/${name}/mean`, trainingWindows(t)) })).filter((c): c is { name: string; trend: Trend } => c.trend !== undefined);
  if (trends.length < 2) return undefined;
  const rise = (c: { trend: Trend }) => c.trend.late - c.trend.early;
  const rising = trends.filter((c) => rise(c) >= t.componentRise);
  const others = trends.filter((c) => !rising.includes(c));
  if (rising.length !== 1 || !others.every((c) => rise(c) <= t.componentFlat)) return undefined;
  // The one rising component is the task when held-out accuracy rises with it (a good run whose
  // format reward is already at its maximum looks the same otherwise).
  const accuracy = trend(rows, "eval/accuracy", evalWindows);
  if (accuracy && accuracy.late - accuracy.early > t.accuracyFlat) return undefined;
  const [lone] = rising;
  return {
    kind: "lone-component",
    title: `Only "${lone.name}" improves`,
    message:
      `Only the "${lone.name}" reward rose (${fixed(lone.trend.early)} → ${fixed(lone.trend.late)}) while ${others.map((c) => `"${c.name}"`).join(", ")} did not: ` +
      "the policy is optimising the easiest component instead of the task; check its rollouts, or lower its weight.",
    fromStep: lone.trend.fromStep,
    toStep: lone.trend.toStep,
    metrics: trends.map((c) => `reward/${c.name}/mean`),
  };
}

function entropyCollapse(rows: readonly MetricRow[], t: Thresholds): TrainingWarning | undefined {
  const entropy = trend(rows, "actor/entropy", trainingWindows(t));
  if (!entropy || entropy.early <= 0) return undefined;
  const collapsed = entropy.late <= t.entropyShare * entropy.early || (entropy.late < t.entropyFloor && entropy.early >= t.entropyFloor);
  if (!collapsed) return undefined;
  return {
    kind: "entropy-collapse",
    title: "Entropy collapse",
    message:
      `Policy entropy fell from ${fixed(entropy.early)} to ${fixed(entropy.late)} nats per token: the policy has become nearly deterministic, ` +
      "so the samples of a group look alike, their advantages vanish and it stops exploring (clip-higher or an entropy bonus help).",
    fromStep: entropy.fromStep,
    toStep: entropy.toStep,
    metrics: ["actor/entropy"],
  };
}

function answerCollapse(rows: readonly MetricRow[], t: Thresholds): TrainingWarning | undefined {
  // Against the first evaluation alone: that is the base policy (step 0), and an answer collapse is
  // often under way by the second one.
  const share = trend(rows, "eval/answer_top_share", evalWindows);
  const base = rows.find((row) => row["eval/answer_top_share"] !== undefined)?.["eval/answer_top_share"];
  if (!share || base === undefined || share.late < t.answerShare || share.late - base < t.answerRise) return undefined;
  return {
    kind: "answer-collapse",
    title: "One answer for everything",
    message:
      `One answer now makes up ${percent(share.late)} of the held-out answers to a question type (${percent(base)} at step ${share.fromStep}): ` +
      "the policy may be giving the most common answer instead of solving the task, so accuracy can rise without any new skill; " +
      "rewardlab eval lists each type's most common answer, and the eval rollouts show it.",
    fromStep: share.fromStep,
    toStep: share.toStep,
    metrics: ["eval/answer_top_share", "eval/accuracy"],
  };
}

/** Reward component names with a `reward/<name>/mean` series, "total" excluded. */
export function componentNames(rows: readonly MetricRow[]): string[] {
  const names = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      const match = /^reward\/(.+)\/mean$/.exec(key);
      if (match && match[1] !== "total") names.add(match[1]);
    }
  }
  return [...names].sort();
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function fixed(value: number): string {
  return value.toFixed(2);
}
