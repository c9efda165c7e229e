/**
 * Which charts the dashboard draws and which metric keys each plots. A chart without any of its
 * keys in the run (no critic in GRPO, no eval yet) is hidden.
 */
import type { MetricPoint } from "../../src/protocol/dashboard";

export interface SeriesSpec {
  key: string;
  label: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  /** What the chart shows and how to read it (the title's tooltip). */
  hint: string;
  /** The series to plot, given every metric key seen (per-component rewards are found this way). */
  series(keys: ReadonlySet<string>): SeriesSpec[];
  /** Draw the compared run too: all series, or only the first (accuracy, not format rate and IoU). */
  overlay?: "all" | "first";
  /** Points are held-out evaluation steps: a click opens that step's eval rollouts. */
  eval?: boolean;
}

const fixed =
  (...pairs: [key: string, label: string][]) =>
  (keys: ReadonlySet<string>): SeriesSpec[] =>
    pairs.filter(([key]) => keys.has(key)).map(([key, label]) => ({ key, label }));

const COMPONENT = /^reward\/(.+)\/mean$/;

/** One series per metric key under `prefix`, labelled from the rest of the key, sorted. */
function byPrefix(keys: ReadonlySet<string>, prefix: string, label: (rest: string) => string): SeriesSpec[] {
  return [...keys]
    .filter((key) => key.startsWith(prefix))
    .sort()
    .map((key) => ({ key, label: label(key.slice(prefix.length)) }));
}

export const CHARTS: readonly ChartSpec[] = [
  { id: "reward", title: "Reward (total)", hint: "Mean weighted total reward of the step's rollouts.", series: fixed(["reward/total/mean", "total"]), overlay: "all" },
  {
    id: "components",
    title: "Reward components",
    hint: "Mean of each reward function over the step's rollouts. One rising alone while the others stay flat is a hacking signature.",
    series: (keys) =>
      [...keys]
        .filter((key) => COMPONENT.test(key) && key !== "reward/total/mean")
        .sort()
        .map((key) => ({ key, label: COMPONENT.exec(key)![1] })),
    overlay: "all",
  },
  {
    id: "accuracy",
    title: "Held-out accuracy",
    hint: "Accuracy on held-out prompts at evaluation steps (step 0 is the base policy). Click a point to open that step's eval rollouts.",
    series: fixed(["eval/accuracy", "accuracy"], ["eval/format_rate", "format rate"], ["eval/iou", "IoU"]),
    overlay: "first",
    eval: true,
  },
  {
    id: "accuracy-level",
    title: "Held-out accuracy by difficulty",
    hint: "Held-out accuracy of each difficulty level (meta.difficulty: steps to solve, objects in the image). A skill lifts the harder levels; a guess lifts none.",
    series: (keys) => byPrefix(keys, "eval/accuracy/level/", (level) => `level ${level}`),
    eval: true,
  },
  {
    id: "accuracy-type",
    title: "Held-out accuracy by question type",
    hint: "Held-out accuracy of each question type (meta.type). One type rising while the others fall is a policy trading answers, not learning. Shown for up to 8 types.",
    series: (keys) => {
      const series = byPrefix(keys, "eval/accuracy/type/", (type) => type);
      return series.length <= 8 ? series : [];
    },
    eval: true,
  },
  { id: "kl", title: "KL divergence", hint: "KL to the reference policy (actor/kl) and to the policy that sampled the rollouts (actor/ppo_kl).", series: fixed(["actor/kl", "to reference"], ["actor/ppo_kl", "to old policy"]) },
  { id: "entropy", title: "Entropy", hint: "Mean per-token entropy of the policy, in nats. A collapse means the policy stopped exploring.", series: fixed(["actor/entropy", "entropy"]) },
  { id: "clip", title: "Clip fraction", hint: "Share of tokens whose probability ratio was clipped by the PPO objective.", series: fixed(["actor/clip_frac", "clipped"]) },
  { id: "length", title: "Response length", hint: "Completion length in tokens. A blow-up often means the reward pays for length.", series: fixed(["response_length/mean", "mean"], ["response_length/max", "max"]) },
  { id: "advantage", title: "Advantage std", hint: "Spread of the advantages: near zero, the groups' samples all scored alike and nothing is learnt.", series: fixed(["critic/advantages/std", "std"]) },
  { id: "loss", title: "Losses", hint: "Policy-gradient loss, KL loss and (PPO) value loss.", series: fixed(["actor/pg_loss", "policy"], ["actor/kl_loss", "KL"], ["critic/vf_loss", "value"]) },
  {
    id: "timing",
    title: "Time per step (s)",
    hint: "Seconds spent sampling rollouts, scoring them, and updating the policy.",
    series: fixed(["timing/rollout_s", "rollout"], ["timing/reward_s", "reward"], ["timing/update_s", "update"], ["timing/step_s", "step"]),
  },
  {
    id: "memory",
    title: "Trainer memory (GB)",
    hint: "Peak resident memory of the trainer process so far (perf/cpu_memory_peak_gb). It should level off after the first steps; a steady climb is a leak.",
    series: fixed(["perf/cpu_memory_peak_gb", "peak RSS"]),
  },
];

/** The points of one run by step (a step written twice, as after a resume, keeps its last line). */
export class RunPoints {
  private readonly byStep = new Map<number, MetricPoint>();
  private sortedCache: MetricPoint[] | undefined;
  readonly keys = new Set<string>();

  add(points: readonly MetricPoint[]): void {
    for (const point of points) {
      this.byStep.set(point.step, point);
      for (const key of Object.keys(point)) if (key !== "step") this.keys.add(key);
    }
    this.sortedCache = undefined;
  }

  clear(): void {
    this.byStep.clear();
    this.keys.clear();
    this.sortedCache = undefined;
  }

  get sorted(): MetricPoint[] {
    return (this.sortedCache ??= [...this.byStep.values()].sort((a, b) => a.step - b.step));
  }

  get size(): number {
    return this.byStep.size;
  }
}

/** One line of a chart: a metric of this run, or of the run drawn over it. */
export interface PlotSeries extends SeriesSpec {
  run: "main" | "overlay";
}

/**
 * uPlot's aligned data for `series`: x is every step at which one of them has a value, each y has
 * null where its run has no value at that step.
 */
export function alignedData(series: readonly PlotSeries[], main: RunPoints, overlay: RunPoints | null): [number[], ...(number | null)[][]] {
  const steps = new Set<number>();
  const source = (s: PlotSeries) => (s.run === "main" ? main : overlay);
  for (const s of series) for (const point of source(s)?.sorted ?? []) if (point[s.key] !== undefined) steps.add(point.step);
  const xs = [...steps].sort((a, b) => a - b);
  const columns = series.map((s) => {
    const byStep = new Map((source(s)?.sorted ?? []).map((point) => [point.step, point[s.key]]));
    return xs.map((step) => byStep.get(step) ?? null);
  });
  return [xs, ...columns];
}
