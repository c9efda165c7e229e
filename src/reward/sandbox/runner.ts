/**
 * Runs loaded rewards over one batch of samples inside a sandbox worker. One reward failing on one
 * sample records an error for that (reward, sample) and everything else still scores.
 */
import type { BatchReward, ProcessReward, RewardContext, RewardDefinition, RewardSample, Score, StepAggregate } from "../api/types";
import { imageSizeReader, type TraceSample } from "../sample";
import type { BatchResult, DisabledReward, RewardFailure } from "./protocol";
import { PROGRESS, SlotStatus } from "./protocol";
import { describeError, locateError, type LoadedReward } from "./loader";

/** A batch slot: a parsed sample, or null where the line was malformed. */
export type Slot = TraceSample | null;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";

/** A reward that needs every sample of the batch at once: a batch reward, or a process reward with `scoreBatch`. */
type WholeBatchReward = BatchReward | (ProcessReward & Required<Pick<ProcessReward, "scoreBatch">>);
const scoresWholeBatch = (definition: RewardDefinition): definition is WholeBatchReward =>
  definition.kind === "batch" || (definition.kind === "process" && typeof definition.scoreBatch === "function");

/** What a worker keeps of a scored batch so that `rescore` can score it again without re-parsing. */
export interface KeptBatch {
  slots: Slot[];
  lineNumbers: Int32Array;
  parseErrors: BatchResult["parseErrors"];
}

/**
 * Scores one batch as its samples arrive. Each sample goes through every reward as soon as it is
 * added (sample-major), so a parsed record is garbage right after it is scored and young-generation
 * collections stay cheap. A `batch` reward needs every sample at once: with one loaded, samples are
 * held and scored reward by reward in `finish` instead. Either way the results are the same.
 */
export class BatchScorer {
  size = 0;
  private readonly result: BatchResult;
  private readonly scorers: RewardScorer[];
  private readonly sampleMajor: boolean;
  /** Held when a batch reward needs them or the caller keeps them for re-scoring. */
  private readonly slots: Slot[] | undefined;
  /** Joined once at the end: a string built with += is a deep cons chain that posting must flatten (measured 3% of a worker). */
  private readonly ids: string[] = [];
  private idLength = 0;
  private readonly groupOf = new Map<string, number>();
  private lastGroup: string | undefined;
  private lastGroupIndex = -1;

  constructor(
    private readonly rewards: readonly LoadedReward[],
    file: string,
    private readonly progress: Int32Array,
    /** Expected number of slots; columns grow past it when needed. */
    capacity: number,
    keepSlots = false,
    disabled: readonly DisabledReward[] = [],
    timing = false,
  ) {
    capacity = Math.max(1, capacity);
    this.result = {
      size: 0,
      lineNumbers: new Int32Array(capacity),
      idText: "",
      idEnds: new Int32Array(capacity),
      groupNames: [],
      groupIndex: new Int32Array(capacity),
      lengths: new Int32Array(capacity),
      values: rewards.map(() => new Float64Array(capacity).fill(NaN)),
      status: rewards.map(() => new Uint8Array(capacity)),
      parseErrors: [],
      errors: [],
      stepScores: [],
      metrics: [],
      ...(timing ? { times: [] } : {}),
    };
    const imageSize = imageSizeReader(file);
    this.scorers = rewards.map((reward, r) => new RewardScorer(reward, r, this.result, imageSize, file, disabled.find((d) => d.reward === r)?.message));
    this.sampleMajor = rewards.every((reward) => !scoresWholeBatch(reward.definition));
    this.slots = keepSlots || !this.sampleMajor ? [] : undefined;
  }

  /** Adds a parsed sample and scores it with every reward. Returns a promise only when a reward was async. */
  add(sample: TraceSample): Promise<void> | undefined {
    const slot = this.open(sample.line);
    const result = this.result;
    this.ids.push(sample.id);
    this.idLength += sample.id.length;
    result.idEnds[slot] = this.idLength;
    result.groupIndex[slot] = this.groupIndexOf(sample.group);
    result.lengths[slot] = sample.completion.length;
    this.slots?.push(sample);
    return this.sampleMajor ? this.scoreSample(slot, sample) : undefined;
  }

  /** Adds a line that is not a valid record: every reward gets `Malformed` for it. */
  addMalformed(line: number, message: string): void {
    const slot = this.open(line);
    const result = this.result;
    result.idEnds[slot] = this.idLength;
    result.groupIndex[slot] = -1;
    for (const status of result.status) status[slot] = SlotStatus.Malformed;
    result.parseErrors.push({ slot, message });
    this.slots?.push(null);
  }

  /** The held samples, with copies of their line numbers and parse errors (the result's are transferred). */
  kept(): KeptBatch {
    if (!this.slots) throw new Error("internal: BatchScorer was not asked to keep its samples");
    return { slots: this.slots, lineNumbers: this.result.lineNumbers.slice(0, this.size), parseErrors: this.result.parseErrors.slice() };
  }

  /** Runs what is left (batch rewards, or every reward when one is a batch reward) and returns the columns. */
  async finish(): Promise<BatchResult> {
    const result = this.result;
    if (!this.sampleMajor) {
      const slots = this.slots!;
      for (let r = 0; r < this.scorers.length; r++) {
        Atomics.store(this.progress, PROGRESS.reward, r);
        const scorer = this.scorers[r];
        if (scoresWholeBatch(this.rewards[r].definition)) await scorer.scoreBatch(slots, this.progress);
        else await scorer.scoreEach(slots, this.progress);
      }
    }
    const size = (result.size = this.size);
    result.idText = this.ids.join("");
    result.lineNumbers = result.lineNumbers.subarray(0, size);
    result.idEnds = result.idEnds.subarray(0, size);
    result.groupIndex = result.groupIndex.subarray(0, size);
    result.lengths = result.lengths.subarray(0, size);
    result.values = result.values.map((v) => v.subarray(0, size));
    result.status = result.status.map((s) => s.subarray(0, size));
    return result;
  }

  /**
   * Every reward on one sample, in reward order; awaits only rewards that returned a promise.
   * Progress is written with plain stores: the pool reads it only to name the line and reward in a
   * timeout message, an aligned Int32Array element never tears, and Atomics.store (a full fence)
   * measured 1.1-1.8% of a worker here.
   */
  private scoreSample(slot: number, sample: TraceSample): Promise<void> | undefined {
    const progress = this.progress;
    progress[PROGRESS.line] = sample.line;
    for (let r = 0; r < this.scorers.length; r++) {
      progress[PROGRESS.reward] = r;
      const pending = this.scorers[r].scoreOne(slot, sample);
      if (pending) return this.scoreRestAsync(slot, sample, r, pending);
    }
    return undefined;
  }

  private async scoreRestAsync(slot: number, sample: TraceSample, from: number, pending: Promise<void>): Promise<void> {
    await pending;
    for (let r = from + 1; r < this.scorers.length; r++) {
      this.progress[PROGRESS.reward] = r;
      await this.scorers[r].scoreOne(slot, sample);
    }
  }

  /** Starts a slot, growing the columns when the capacity guess was short. */
  private open(line: number): number {
    const slot = this.size++;
    const result = this.result;
    if (slot === result.lineNumbers.length) {
      const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, fill?: number): T => {
        const next = new (a.constructor as new (n: number) => T)(a.length * 2);
        next.set(a);
        if (fill !== undefined) next.fill(fill, a.length);
        return next;
      };
      result.lineNumbers = grow(result.lineNumbers);
      result.idEnds = grow(result.idEnds);
      result.groupIndex = grow(result.groupIndex);
      result.lengths = grow(result.lengths);
      result.values = result.values.map((v) => grow(v, NaN));
      result.status = result.status.map((s) => grow(s));
    }
    result.lineNumbers[slot] = line;
    return slot;
  }

  /** Batches repeat a few group names many times (G samples per prompt): each is posted once. */
  private groupIndexOf(group: string | undefined): number {
    if (group === undefined) return -1;
    if (group === this.lastGroup) return this.lastGroupIndex;
    let index = this.groupOf.get(group);
    if (index === undefined) {
      index = this.result.groupNames.push(group) - 1;
      this.groupOf.set(group, index);
    }
    this.lastGroup = group;
    this.lastGroupIndex = index;
    return index;
  }
}

class RewardScorer {
  private slot = 0;
  private sample: RewardSample | null = null;
  /** While `scoreBatch` runs: each sample's slot, so metrics logged for a sample land on its row. */
  private batchSlots: Map<RewardSample, number> | undefined;
  readonly ctx: RewardContext;

  constructor(
    private readonly reward: LoadedReward,
    private readonly index: number,
    private readonly result: BatchResult,
    imageSize: (sample: RewardSample, index: number) => ReturnType<RewardContext["imageSize"]>,
    file: string,
    /** Set when the reward is disabled for the run: it is not called, every slot fails with this. */
    private readonly disabled?: string,
  ) {
    const metricPrefix = `${reward.info.name}/`;
    this.ctx = {
      file,
      imageSize: (image = 0) => (this.sample ? imageSize(this.sample, image) : null),
      log: {
        metric: (name, value, sample) => {
          const slot = (sample !== undefined ? this.batchSlots?.get(sample) : undefined) ?? this.slot;
          if (typeof value === "number" && Number.isFinite(value)) result.metrics.push({ slot, name: metricPrefix + String(name), value });
        },
      },
    };
  }

  /** Scores one sample; returns a promise only when the reward itself returned one. */
  scoreOne(slot: number, sample: TraceSample): Promise<void> | undefined {
    const { definition } = this.reward;
    if (this.disabled !== undefined) return this.skip(slot);
    if (definition.kind === "batch") return undefined;
    this.slot = slot;
    this.sample = sample;
    const started = this.result.times ? performance.now() : 0;
    try {
      const out: unknown = definition.score(sample, this.ctx);
      if (isThenable(out)) return this.settle(slot, sample, out, started);
      this.accept(slot, sample, out);
    } catch (error) {
      this.fail(slot, error);
    }
    if (this.result.times) this.result.times.push({ reward: this.index, slot, ms: performance.now() - started });
    return undefined;
  }

  /** Scores every non-null slot, one after another. */
  async scoreEach(slots: readonly Slot[], progress: Int32Array): Promise<void> {
    for (let i = 0; i < slots.length; i++) {
      const sample = slots[i];
      if (sample === null) continue;
      progress[PROGRESS.line] = sample.line; // plain store: see scoreSample
      const pending = this.scoreOne(i, sample);
      if (pending) await pending;
    }
  }

  private async settle(slot: number, sample: TraceSample, pending: PromiseLike<unknown>, started: number): Promise<void> {
    try {
      this.accept(slot, sample, await pending);
    } catch (error) {
      this.fail(slot, error);
    }
    if (this.result.times) this.result.times.push({ reward: this.index, slot, ms: performance.now() - started });
  }

  private accept(slot: number, sample: TraceSample, out: unknown): void {
    const { definition } = this.reward;
    if (definition.kind === "process") this.recordSteps(slot, sample, out, definition.aggregate);
    else this.record(slot, checkScore(out, "score"));
  }

  async scoreBatch(slots: readonly Slot[], progress: Int32Array): Promise<void> {
    if (this.disabled !== undefined) {
      slots.forEach((sample, slot) => sample !== null && this.skip(slot));
      return;
    }
    const { definition } = this.reward;
    if (!scoresWholeBatch(definition)) return;
    const samples = slots.filter((s): s is TraceSample => s !== null);
    const positions = slots.flatMap((s, i) => (s === null ? [] : [i]));
    Atomics.store(progress, PROGRESS.line, samples[0]?.line ?? 0);
    this.sample = null;
    this.batchSlots = new Map(samples.map((sample, k) => [sample, positions[k]]));
    const started = this.result.times ? performance.now() : 0;
    try {
      let out: unknown = definition.scoreBatch(samples, this.ctx);
      if (isThenable(out)) out = await out;
      if (!Array.isArray(out)) throw new TypeError(`scoreBatch returned ${describeValue(out)}; return an array with one score per sample`);
      if (out.length !== samples.length) throw new TypeError(`scoreBatch returned ${out.length} scores for ${samples.length} samples`);
      out.forEach((value, k) => {
        try {
          if (definition.kind === "process") this.recordSteps(positions[k], samples[k], value, definition.aggregate);
          else this.record(positions[k], checkScore(value, `score #${k}`));
        } catch (error) {
          this.fail(positions[k], error);
        }
      });
    } catch (error) {
      for (const i of positions) this.fail(i, error);
    } finally {
      this.batchSlots = undefined;
      if (this.result.times && positions.length > 0) {
        const each = (performance.now() - started) / positions.length;
        for (const slot of positions) this.result.times.push({ reward: this.index, slot, ms: each });
      }
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

  /** A disabled reward's slot: failed with the reason it was disabled, without calling it. */
  private skip(slot: number): undefined {
    this.result.errors.push({ reward: this.index, slot, message: this.disabled ?? "disabled" });
    this.result.status[this.index][slot] = SlotStatus.Error;
    return undefined;
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
