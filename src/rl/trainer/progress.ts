/**
 * What the editor (and the CLI's durations) say about a training run while it goes: "step 3/30 · rollout · ETA 40s" for the
 * progress notification and the status bar, the final notification's text, and one line per event
 * for the output channel. Pure (no vscode), so it is unit-tested.
 */
import * as path from "node:path";
import type { TrainEvent, TrainPhase } from "./protocol";

type Started = Extract<TrainEvent, { type: "started" }>;
export type FinalEvent = Extract<TrainEvent, { type: "done" | "error" }>;

/** Seconds as "42s", "3m05s" or "1h02m"; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A metric as people read it: 3 significant digits at most, "–" when absent. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}

/**
 * Follows the events of one run and says where it is. The ETA is the mean time of the steps this
 * process has trained (the step-0 evaluation and, on resume, the steps before excluded) times the
 * steps left; there is none before the first step ends.
 */
export class TrainingProgress {
  started: Started | undefined;
  step = 0;
  total = 0;
  phase: TrainPhase | undefined;
  /** Latest value of every metric (training and evaluation). */
  readonly latest: Record<string, number> = {};
  private firstStepAt: number | undefined;
  private stepsTimed = 0;
  private lastStepAt: number | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Takes one event from the trainer. */
  apply(event: TrainEvent): void {
    switch (event.type) {
      case "started":
        this.started = event;
        this.step = event.startStep;
        this.total = event.settings.total_steps;
        break;
      case "progress":
        this.phase = event.phase;
        this.total = event.total;
        if (event.phase === "rollout" && this.firstStepAt === undefined) this.firstStepAt = this.now();
        break;
      case "metrics":
        Object.assign(this.latest, event.metrics);
        if (event.step > (this.started?.startStep ?? 0)) {
          this.step = event.step;
          this.stepsTimed++;
          this.lastStepAt = this.now();
        }
        break;
    }
  }

  /** Seconds until the last step, or undefined before a step has been timed. */
  get etaSeconds(): number | undefined {
    if (this.firstStepAt === undefined || this.lastStepAt === undefined || this.stepsTimed === 0) return undefined;
    const perStep = (this.lastStepAt - this.firstStepAt) / 1000 / this.stepsTimed;
    return perStep * Math.max(0, this.total - this.step);
  }

  /** Fraction done, 0..1. */
  get fraction(): number {
    return this.total > 0 ? Math.min(1, this.step / this.total) : 0;
  }

  /** "step 3/30 · update · ETA 40s · reward 0.42" */
  message(): string {
    if (!this.started) return "starting (loading the policy, data and reward files)";
    const eta = this.etaSeconds;
    const parts = [`step ${this.step}/${this.total}`];
    if (this.phase) parts.push(this.phase === "eval" ? "evaluating" : this.phase);
    parts.push(eta === undefined ? "ETA after the first step" : `ETA ${formatDuration(eta)}`);
    const reward = this.latest["reward/total/mean"];
    if (reward !== undefined) parts.push(`reward ${formatMetric(reward)}`);
    return parts.join(" · ");
  }
}

/** The final notification: what happened, where the run is, and what to do next. */
export function finalMessage(event: FinalEvent, runId: string | undefined): { text: string; failed: boolean } {
  const run = runId ?? (event.runDir ? path.basename(event.runDir) : "");
  if (event.type === "error") {
    const message = event.message.trim().replace(/[.:;]?$/, ".");
    const kept = event.nonFinite ? " Training stopped at a non-finite loss; the last good checkpoint is kept: resume from it after lowering lr or fixing the reward." : "";
    return { text: `RewardLab: training${run ? ` run ${run}` : ""} failed: ${message}${kept}`, failed: true };
  }
  const best = event.best ? `; best held-out accuracy ${formatMetric(event.best.accuracy)} at step ${event.best.step}` : "";
  const what = event.status === "cancelled" ? `cancelled after step ${event.step} (checkpoint kept: resume it from the Runs view)` : `completed ${event.step} steps`;
  return { text: `RewardLab: run ${run} ${what}${best}.`, failed: false };
}

/** One output-channel line per event; undefined for the frequent progress events. */
export function eventLogLine(event: TrainEvent): string | undefined {
  switch (event.type) {
    case "started":
      return `Training: run ${event.runId} (${event.preset}) in ${event.runDir}, rewards ${event.rewards.join(", ")} (version ${event.rewardVersion})${event.startStep ? `, resuming after step ${event.startStep}` : ""}`;
    case "progress":
      return undefined;
    case "metrics": {
      const m = event.metrics;
      if (event.step === 0) return undefined; // the eval event says it
      return `Training: step ${event.step} reward ${formatMetric(m["reward/total/mean"])} kl ${formatMetric(m["actor/kl"])} entropy ${formatMetric(m["actor/entropy"])} length ${formatMetric(m["response_length/mean"])} (${formatMetric(m["timing/step_s"])} s)`;
    }
    case "eval":
      return `Training: eval @ step ${event.step}: accuracy ${formatMetric(event.metrics.accuracy)} format ${formatMetric(event.metrics.format_rate)} IoU ${formatMetric(event.metrics.iou)} length ${formatMetric(event.metrics.response_length)}`;
    case "log":
      return `Training: ${event.message}`;
    case "done":
      return `Training: ${event.status} after step ${event.step}; checkpoint ${event.checkpoint ?? "none"}${event.best ? `; best accuracy ${formatMetric(event.best.accuracy)} at step ${event.best.step}` : ""}`;
    case "error":
      return `Training failed: ${event.message}${event.runDir ? ` (run ${event.runDir})` : ""}`;
  }
}
