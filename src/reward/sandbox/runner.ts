/**
 * Runs loaded rewards over one batch of samples inside a sandbox worker. One reward failing on one
 * sample records an error for that (reward, sample) and everything else still scores.
 */
import type { RewardContext, RewardSample, Score, StepAggregate } from "../api/types";
import { imageSizeReader, type TraceSample } from "../sample";
import type { BatchResult, RewardFailure } from "./protocol";
import { PROGRESS, SlotStatus } from "./protocol";
import { describeError, locateError, type LoadedReward } from "./loader";

/** A batch slot: a parsed sample, or null where the line was malformed. */
export type Slot = TraceSample | null;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";

/** Scores every slot with every reward. `progress` is the shared cell a timeout reads to name the culprit. */
export async function runBatch(rewards: readonly LoadedReward[], slots: readonly Slot[], file: string, progress: Int32Array, lineNumbers?: Int32Array): Promise<BatchResult> {
  const size = slots.length;
  const result: BatchResult = {
    size,
    lineNumbers: lineNumbers ?? Int32Array.from(slots, (s) => s?.line ?? 0),
    ids: slots.map((s) => s?.id ?? ""),
    groups: slots.map((s) => s?.group ?? ""),
    lengths: Int32Array.from(slots, (s) => s?.completion.length ?? 0),
    values: rewards.map(() => new Float64Array(size).fill(NaN)),
    status: rewards.map(() => new Uint8Array(size)),
    parseErrors: [],
    errors: [],
    stepScores: [],
    metrics: [],
  };
  const imageSize = imageSizeReader(file);
  for (let r = 0; r < rewards.length; r++) {
    Atomics.store(progress, PROGRESS.reward, r);
    const status = result.status[r];
    for (let i = 0; i < size; i++) if (slots[i] === null) status[i] = SlotStatus.Malformed;
    const scorer = new RewardScorer(rewards[r], r, result, imageSize, file);
    if (rewards[r].definition.kind === "batch") await scorer.scoreBatch(slots, progress);
    else await scorer.scoreEach(slots, progress);
  }
  return result;
}

class RewardScorer {
  private slot = 0;
  private sample: RewardSample | null = null;
  readonly ctx: RewardContext;

  constructor(
    private readonly reward: LoadedReward,
    private readonly index: number,
    private readonly result: BatchResult,
    imageSize: (sample: RewardSample, index: number) => ReturnType<RewardContext["imageSize"]>,
    file: string,
  ) {
    const metricPrefix = `${reward.info.name}/`;
    this.ctx = {
      file,
      imageSize: (image = 0) => (this.sample ? imageSize(this.sample, image) : null),
      log: {
        metric: (name, value) => {
          if (typeof value === "number" && Number.isFinite(value)) result.metrics.push({ slot: this.slot, name: metricPrefix + String(name), value });
        },
      },
    };
  }

  async scoreEach(slots: readonly Slot[], progress: Int32Array): Promise<void> {
    const { definition } = this.reward;
    if (definition.kind === "batch") return;
    for (let i = 0; i < slots.length; i++) {
      const sample = slots[i];
      if (sample === null) continue;
      this.slot = i;
      this.sample = sample;
      Atomics.store(progress, PROGRESS.line, sample.line);
      try {
        let out: unknown = definition.score(sample, this.ctx);
        if (isThenable(out)) out = await out;
        if (definition.kind === "process") this.recordSteps(i, sample, out, definition.aggregate);
        else this.record(i, checkScore(out, "score"));
      } catch (error) {
        this.fail(i, error);
      }
    }
  }

  async scoreBatch(slots: readonly Slot[], progress: Int32Array): Promise<void> {
    const { definition } = this.reward;
    if (definition.kind !== "batch") return;
    const samples = slots.filter((s): s is TraceSample => s !== null);
    const positions = slots.flatMap((s, i) => (s === null ? [] : [i]));
    Atomics.store(progress, PROGRESS.line, samples[0]?.line ?? 0);
    this.sample = null;
    try {
      let out: unknown = definition.scoreBatch(samples, this.ctx);
      if (isThenable(out)) out = await out;
      if (!Array.isArray(out)) throw new TypeError(`scoreBatch returned ${describeValue(out)}; return an array with one score per sample`);
      if (out.length !== samples.length) throw new TypeError(`scoreBatch returned ${out.length} scores for ${samples.length} samples`);
      out.forEach((value, k) => {
        try {
          this.record(positions[k], checkScore(value, `score #${k}`));
        } catch (error) {
          this.fail(positions[k], error);
        }
      });
    } catch (error) {
      for (const i of positions) this.fail(i, error);
    }
  }

  private record(slot: number, score: Score): void {
    if (score === null) this.result.status[this.index][slot] = SlotStatus.Null;
    else this.result.values[this.index][slot] = score;
  }

  private recordSteps(slot: number, sample: RewardSample, out: unknown, aggregate: StepAggregate): void {
    if (out === null) return this.record(slot, null);
    if (!Array.isArray(out)) throw new TypeError(`process reward returned ${describeValue(out)}; return an array with one score per step (or null)`);
    if (out.length !== sample.steps.length) throw new TypeError(`process reward returned ${out.length} scores for ${sample.steps.length} steps`);
    const scores = out.map((value, k) => checkScore(value, `step ${k + 1}`));
    const labels = sample.steps.some((step) => typeof step.label === "number") ? sample.steps.map((step) => step.label ?? null) : undefined;
    this.result.stepScores.push({ reward: this.index, slot, scores, ...(labels ? { labels } : {}) });
    this.record(slot, aggregateSteps(scores, aggregate));
  }

  private fail(slot: number, error: unknown): void {
    const failure: RewardFailure = { reward: this.index, slot, message: describeError(error) };
    const location = locateError(error);
    if (location) failure.location = location;
    this.result.errors.push(failure);
    this.result.status[this.index][slot] = SlotStatus.Error;
  }
}

/** Accepts a finite number or null; anything else is an error saying what came back. */
function checkScore(value: unknown, what: string): Score {
  if (value === null) return null;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    throw new TypeError(`${what} is ${value}; return a finite number, or null when the reward does not apply`);
  }
  throw new TypeError(`${what} is ${describeValue(value)}; return a finite number, or null when the reward does not apply`);
}

function describeValue(value: unknown): string {
  if (value === undefined) return "undefined (missing return?)";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return "an array";
  return `${typeof value} ${String(value)}`.slice(0, 80);
}

/** Combines per-step scores; nulls (step not applicable) are skipped; no scored steps gives null. */
export function aggregateSteps(scores: readonly Score[], aggregate: StepAggregate): Score {
  const values = scores.filter((s): s is number => s !== null);
  if (values.length === 0) return null;
  switch (aggregate) {
    case "min":
      return Math.min(...values);
    case "mean":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "sum":
      return values.reduce((a, b) => a + b, 0);
    case "prod":
      return values.reduce((a, b) => a * b, 1);
    case "last":
      return scores[scores.length - 1] ?? null;
  }
}
