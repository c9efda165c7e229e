/**
 * Scores of one trace file, column by column (one Float64Array per reward), so a million samples
 * cost a few megabytes. Batches from the sandbox are appended in file order; `finish` adds weighted
 * totals and GRPO group advantages.
 */
import type { TraceLineError } from "../trace/types";
import { SlotStatus, type BatchResult } from "./sandbox/protocol";
import { columnStats, numberedGroupAdvantages, pearson, type GroupAdvantageOptions, type RewardStats } from "./stats";
import type { RewardInfo } from "./validate";

/** What scoring adds to one sample (these keys are merged into output lines). */
export interface SampleScores {
  rewards: Record<string, number | null>;
  /** Weighted total over rewards with a value; null when none has one. */
  reward: number | null;
  /** GRPO advantage, present when the sample has a group. */
  advantage?: number | null;
  reward_errors?: Record<string, string>;
  step_rewards?: Record<string, (number | null)[]>;
  reward_metrics?: Record<string, number>;
}

/**
 * How a process reward's step scores agree with the data's step labels (PRM800K-style +1/0/-1).
 * A step score >= 0.5 counts as "good". `agreement` is over steps labelled +1 or -1.
 */
export interface StepLabelAgreement {
  steps: number;
  agreement: number | null;
  /** Rows: the label; columns: what the reward said. */
  confusion: Record<"+1" | "0" | "-1", { good: number; bad: number }>;
}

export interface ScoreSummary {
  samples: number;
  malformed_lines: number;
  rewards: Record<string, RewardStats>;
  total: RewardStats;
  /** Pearson correlation of each pair of rewards, keyed `a|b`. */
  correlations: Record<string, number | null>;
  /** For process rewards scored on data with step labels. */
  step_labels?: Record<string, StepLabelAgreement>;
}

interface SampleFailure {
  reward: string;
  message: string;
  location?: string;
}

function grow<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(array: T, needed: number, fill?: number): T {
  if (needed <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(needed, array.length * 2));
  next.set(array);
  if (fill !== undefined) next.fill(fill, array.length);
  return next;
}

/**
 * Sample ids as the batches sent them (one concatenated string each) until someone reads them:
 * only error listings do, so scoring never pays for a hundred thousand small strings.
 */
class IdColumn {
  private readonly done: string[] = [];
  private pending: { text: string; ends: Int32Array; skip: ReadonlyMap<number, unknown> | undefined }[] = [];

  /** Adds a batch's ids; slots in `skip` (malformed lines) are not samples. */
  append(text: string, ends: Int32Array, skip: ReadonlyMap<number, unknown> | undefined): void {
    this.pending.push({ text, ends, skip });
  }

  all(): string[] {
    for (const { text, ends, skip } of this.pending) {
      for (let slot = 0, start = 0; slot < ends.length; start = ends[slot++]) {
        if (!skip?.has(slot)) this.done.push(text.slice(start, ends[slot]));
      }
    }
    this.pending = [];
    return this.done;
  }
}

export class ScoreTable {
  size = 0;
  lines = new Int32Array(1024);
  lengths = new Int32Array(1024);
  /** Group number of each sample (-1: none), an index into `groupNames`. */
  groupIds = new Int32Array(1024);
  /** Distinct groups, numbered in order of first appearance. */
  groupNames: string[] = [];
  private readonly groupNumbers = new Map<string, number>();
  values: Float64Array[];
  status: Uint8Array[];
  errors = new Map<number, SampleFailure[]>();
  stepScores = new Map<number, Record<string, (number | null)[]>>();
  /** The step labels (+1 / 0 / -1, null: unlabelled) of samples whose steps carry any, for the process-reward metrics. */
  stepLabels = new Map<number, (number | null)[]>();
  metrics = new Map<number, Record<string, number>>();
  malformed: TraceLineError[] = [];
  stepAgreement = new Map<string, StepLabelAgreement>();
  /** With timing on (`SandboxOptions.timing`): each reward's time on each sample in ms, one column per reward (NaN: not timed). */
  times: Float32Array[] | undefined;
  totals: Float64Array = new Float64Array(0);
  advantages: Float64Array = new Float64Array(0);

  /** For merged tables: where each source file's samples start. */
  private sources: { start: number; file: string }[] = [];
  private readonly idColumn = new IdColumn();

  constructor(readonly rewards: readonly RewardInfo[], readonly file: string) {
    this.values = rewards.map(() => new Float64Array(1024).fill(NaN));
    this.status = rewards.map(() => new Uint8Array(1024));
  }

  /** Makes room for `capacity` samples at once (growing column by column copies them repeatedly). */
  reserve(capacity: number): void {
    this.lines = grow(this.lines, capacity);
    this.lengths = grow(this.lengths, capacity);
    this.groupIds = grow(this.groupIds, capacity);
    this.values = this.values.map((v) => grow(v, capacity, NaN));
    this.status = this.status.map((s) => grow(s, capacity));
    if (this.times) this.times = this.times.map((t) => grow(t, capacity, NaN));
  }

  /** Appends a batch's samples (malformed lines are recorded, not appended). */
  append(batch: BatchResult): void {
    const lineNumbers = batch.lineNumbers;
    const malformed = batch.parseErrors.length > 0 ? new Map(batch.parseErrors.map((e) => [e.slot, e.message])) : undefined;
    const base = this.size;
    const needed = base + batch.size - (malformed?.size ?? 0);
    this.reserve(needed);
    this.idColumn.append(batch.idText, batch.idEnds, malformed);
    const groupIndex = batch.groupIndex;
    const groupOf = new Int32Array(batch.groupNames.length);
    for (let g = 0; g < groupOf.length; g++) groupOf[g] = this.groupNumber(batch.groupNames[g]);
    let sampleOf: Int32Array | undefined;
    if (!malformed) {
      // The common case: every slot is a sample, so whole columns copy at once.
      this.lines.set(lineNumbers, base);
      this.lengths.set(batch.lengths, base);
      for (let r = 0; r < this.rewards.length; r++) {
        this.values[r].set(batch.values[r], base);
        this.status[r].set(batch.status[r], base);
      }
      for (let slot = 0; slot < batch.size; slot++) this.groupIds[base + slot] = groupIndex[slot] < 0 ? -1 : groupOf[groupIndex[slot]];
      this.size = needed;
    } else {
      sampleOf = new Int32Array(batch.size).fill(-1);
      for (let slot = 0; slot < batch.size; slot++) {
        const message = malformed.get(slot);
        if (message !== undefined) {
          this.malformed.push({ file: this.file, line: lineNumbers[slot], message });
          continue;
        }
        const i = this.size++;
        sampleOf[slot] = i;
        this.lines[i] = lineNumbers[slot];
        this.lengths[i] = batch.lengths[slot];
        this.groupIds[i] = groupIndex[slot] < 0 ? -1 : groupOf[groupIndex[slot]];
        for (let r = 0; r < this.rewards.length; r++) {
          this.values[r][i] = batch.values[r][slot];
          this.status[r][i] = batch.status[r][slot];
        }
      }
    }
    const rowOf = (slot: number) => (sampleOf ? sampleOf[slot] : base + slot);
    for (const failure of batch.errors) {
      const i = rowOf(failure.slot);
      const list = this.errors.get(i) ?? [];
      list.push({ reward: this.rewards[failure.reward].name, message: failure.message, ...(failure.location ? { location: failure.location } : {}) });
      this.errors.set(i, list);
    }
    if (batch.times) {
      const times = (this.times ??= this.rewards.map(() => new Float32Array(this.lines.length).fill(NaN)));
      for (const t of batch.times) if (!malformed?.has(t.slot)) times[t.reward][rowOf(t.slot)] = t.ms;
    }
    for (const entry of batch.stepScores) {
      const i = rowOf(entry.slot);
      const record = this.stepScores.get(i) ?? {};
      record[this.rewards[entry.reward].name] = entry.scores;
      this.stepScores.set(i, record);
      if (entry.labels) {
        this.stepLabels.set(i, entry.labels);
        this.countAgreement(this.rewards[entry.reward].name, entry.scores, entry.labels);
      }
    }
    for (const metric of batch.metrics) {
      const i = rowOf(metric.slot);
      const record = this.metrics.get(i) ?? {};
      record[metric.name] = metric.value;
      this.metrics.set(i, record);
    }
  }

  private agreementOf(reward: string): StepLabelAgreement {
    let stats = this.stepAgreement.get(reward);
    if (!stats) {
      stats = { steps: 0, agreement: null, confusion: { "+1": { good: 0, bad: 0 }, "0": { good: 0, bad: 0 }, "-1": { good: 0, bad: 0 } } };
      this.stepAgreement.set(reward, stats);
    }
    return stats;
  }

  /** Adds another table's counts for `reward` (merging files). */
  addAgreement(reward: string, other: StepLabelAgreement): void {
    const stats = this.agreementOf(reward);
    stats.steps += other.steps;
    for (const key of ["+1", "0", "-1"] as const) {
      stats.confusion[key].good += other.confusion[key].good;
      stats.confusion[key].bad += other.confusion[key].bad;
    }
    updateAgreement(stats);
  }

  private countAgreement(reward: string, scores: readonly (number | null)[], labels: readonly (number | null)[]): void {
    const stats = this.agreementOf(reward);
    scores.forEach((score, k) => {
      const label = labels[k];
      if (score === null || label === null || label === undefined) return;
      const row = stats.confusion[label > 0 ? "+1" : label < 0 ? "-1" : "0"];
      if (score >= 0.5) row.good++;
      else row.bad++;
      stats.steps++;
    });
    updateAgreement(stats);
  }

  /** Computes weighted totals and group advantages. Call once every batch is appended. */
  finish(advantage: GroupAdvantageOptions = {}): this {
    const totals = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) totals[i] = this.totalOf(i);
    this.totals = totals;
    this.advantages = numberedGroupAdvantages(totals, this.groupIds.subarray(0, this.size), this.groupNames.length, advantage);
    return this;
  }

  /** Sample `i`'s weighted total over the rewards with a value; NaN when none has one. */
  totalOf(i: number): number {
    let sum = 0, any = false;
    for (let r = 0; r < this.rewards.length; r++) {
      const v = this.values[r][i];
      if (v === v) {
        sum += this.rewards[r].weight * v;
        any = true;
      }
    }
    return any ? sum : NaN;
  }

  /** Each sample's group, "" for none (a new array on each call). */
  get groups(): string[] {
    return Array.from(this.groupIds.subarray(0, this.size), (g) => (g < 0 ? "" : this.groupNames[g]));
  }

  /** The number of a group name, numbering it when new. */
  groupNumber(name: string): number {
    let number = this.groupNumbers.get(name);
    if (number === undefined) {
      number = this.groupNames.push(name) - 1;
      this.groupNumbers.set(name, number);
    }
    return number;
  }

  /** Sample ids (the record's `id`, or `#<line>`), in table order. */
  get ids(): string[] {
    return this.idColumn.all();
  }

  /** The trace file sample `i` came from. */
  fileOf(i: number): string {
    for (let k = this.sources.length - 1; k >= 0; k--) if (i >= this.sources[k].start) return this.sources[k].file;
    return this.file;
  }

  /** Number of samples on which any reward failed. */
  get failedSamples(): number {
    return this.errors.size;
  }

  summary(): ScoreSummary {
    const rewards: Record<string, RewardStats> = {};
    this.rewards.forEach((reward, r) => {
      let nulls = 0, errors = 0;
      const status = this.status[r];
      for (let i = 0; i < this.size; i++) {
        if (status[i] === SlotStatus.Null) nulls++;
        else if (status[i] === SlotStatus.Error) errors++;
      }
      rewards[reward.name] = columnStats(this.values[r], this.size, nulls, errors);
    });
    const correlations: Record<string, number | null> = {};
    for (let a = 0; a < this.rewards.length; a++) {
      for (let b = a + 1; b < this.rewards.length; b++) {
        correlations[`${this.rewards[a].name}|${this.rewards[b].name}`] = pearson(this.values[a], this.values[b], this.size);
      }
    }
    let noTotal = 0;
    for (let i = 0; i < this.size; i++) if (this.totals[i] !== this.totals[i]) noTotal++;
    const summary: ScoreSummary = { samples: this.size, malformed_lines: this.malformed.length, rewards, total: columnStats(this.totals, this.size, noTotal, 0), correlations };
    if (this.stepAgreement.size > 0) summary.step_labels = Object.fromEntries(this.stepAgreement);
    return summary;
  }

  /**
   * The keys scoring adds to sample `i`. `total` and `advantage` default to what `finish` computed
   * (`ScoredLineStream` passes them before then, for groups already complete).
   */
  /**
   * `JSON.stringify(this.sampleScores(i, total, advantage))` without its opening brace, written
   * directly for the common row (numbers only, no errors, step scores or metrics): `score --out`
   * appends it to every line, and building and serialising an object per line was the main
   * thread's largest cost there.
   */
  scoresJsonTail(i: number, total = this.totals[i], advantage = this.advantages[i]): string {
    const keys = (this.rewardKeys ??= plainKeys(this.rewards.map((r) => r.name)));
    if (!keys || this.errors.has(i) || this.stepScores.has(i) || this.metrics.has(i)) return JSON.stringify(this.sampleScores(i, total, advantage)).slice(1);
    let out = '"rewards":{';
    for (let r = 0; r < keys.length; r++) out += keys[r] + jsonNumber(this.values[r][i]);
    out += '},"reward":' + jsonNumber(total);
    if (this.groupIds[i] >= 0) out += ',"advantage":' + jsonNumber(advantage);
    return out + "}";
  }

  /** `"name":` per reward (`,"name":` after the first); null when an object would not keep them all in order. */
  private rewardKeys: string[] | null | undefined;

  sampleScores(i: number, total = this.totals[i], advantage = this.advantages[i]): SampleScores {
    const rewards: Record<string, number | null> = {};
    this.rewards.forEach((reward, r) => {
      const v = this.values[r][i];
      rewards[reward.name] = v === v ? v : null;
    });
    const scores: SampleScores = { rewards, reward: total === total ? total : null };
    if (this.groupIds[i] >= 0) {
      scores.advantage = advantage === advantage ? advantage : null;
    }
    const errors = this.errors.get(i);
    if (errors) scores.reward_errors = Object.fromEntries(errors.map((e) => [e.reward, e.message]));
    const steps = this.stepScores.get(i);
    if (steps) scores.step_rewards = steps;
    const metrics = this.metrics.get(i);
    if (metrics) scores.reward_metrics = metrics;
    return scores;
  }
}

/** A number as JSON writes it (NaN and infinities are null). */
function jsonNumber(v: number): string {
  return v - v === 0 ? String(v) : "null";
}

/**
 * The `"name":` key texts of an object built by assigning `names` in order, or null when that
 * object would not hold each name once in that order (a repeated name, `__proto__`, or names that
 * look like array indices, which objects list first).
 */
function plainKeys(names: readonly string[]): string[] | null {
  if (new Set(names).size !== names.length || names.some((n) => n === "__proto__" || /^(?:0|[1-9]\d*)$/.test(n))) return null;
  return names.map((n, k) => `${k === 0 ? "" : ","}${JSON.stringify(n)}:`);
}

function updateAgreement(stats: StepLabelAgreement): void {
  const { "+1": pos, "-1": neg } = stats.confusion;
  const decided = pos.good + pos.bad + neg.good + neg.bad;
  stats.agreement = decided === 0 ? null : (pos.good + neg.bad) / decided;
}

/**
 * One table holding the samples of several scored files, for summaries across files. Totals and
 * advantages are kept as each file computed them (groups never span files).
 */
export function mergeTables(tables: readonly ScoreTable[]): ScoreTable {
  if (tables.length === 1) return tables[0];
  const rewards = tables[0]?.rewards ?? [];
  const merged = new ScoreTable(rewards, "");
  const size = tables.reduce((n, t) => n + t.size, 0);
  const concat = <T extends Float64Array | Int32Array | Uint8Array>(make: (n: number) => T, pick: (t: ScoreTable) => T) => {
    const out = make(size);
    let at = 0;
    for (const t of tables) {
      out.set(pick(t).subarray(0, t.size), at);
      at += t.size;
    }
    return out;
  };
  merged.size = size;
  merged.lines = concat((n) => new Int32Array(n), (t) => t.lines);
  merged.lengths = concat((n) => new Int32Array(n), (t) => t.lengths);
  merged.totals = concat((n) => new Float64Array(n), (t) => t.totals);
  merged.advantages = concat((n) => new Float64Array(n), (t) => t.advantages);
  merged.values = rewards.map((_, r) => concat((n) => new Float64Array(n), (t) => t.values[r]));
  merged.status = rewards.map((_, r) => concat((n) => new Uint8Array(n), (t) => t.status[r]));
  merged.groupIds = new Int32Array(size);
  const ids = merged.ids;
  let offset = 0;
  for (const t of tables) {
    merged["sources"].push({ start: offset, file: t.file });
    for (const id of t.ids) ids.push(id);
    const numbers = t.groupNames.map((name) => merged.groupNumber(`${t.file}#${name}`));
    for (let i = 0; i < t.size; i++) merged.groupIds[offset + i] = t.groupIds[i] < 0 ? -1 : numbers[t.groupIds[i]];
    for (const [i, v] of t.errors) merged.errors.set(i + offset, v);
    for (const [i, v] of t.stepScores) merged.stepScores.set(i + offset, v);
    for (const [i, v] of t.stepLabels) merged.stepLabels.set(i + offset, v);
    for (const [i, v] of t.metrics) merged.metrics.set(i + offset, v);
    merged.malformed.push(...t.malformed);
    for (const [name, stats] of t.stepAgreement) merged.addAgreement(name, stats);
    offset += t.size;
  }
  return merged;
}
