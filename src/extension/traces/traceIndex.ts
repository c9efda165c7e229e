/**
 * A trace file as the extension sees it: one small row per sample (id, group, rewards, total,
 * advantage, length, error) plus the byte offset of its line, built by streaming the file once.
 * Full records are read back on demand, one line at a time, so a 1 GB file never sits in memory.
 * No vscode here: the views, the viewer and the annotations share one index per file.
 */
import { open, stat, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import type { SampleRow } from "../../protocol/traceViewer";
import { parseTraceRecord, readLines, TraceParseError } from "../../trace/reader";
import type { TraceRecord } from "../../trace/types";
import { completionLength, fillGroupAdvantages, storedAdvantage, totalReward } from "./rows";
import { searchableMeta, searchableText, textMatches, type TextTerm } from "./search";

export interface IndexOptions {
  signal?: AbortSignal;
  /**
   * Called after the first `firstProgressAt` samples (default 200: a screenful, so a viewer can
   * show them while the rest is read) and then every `progressEvery` (default 5,000), with the rows
   * read so far (a live array: it keeps growing; advantages are filled only at the end).
   */
  onProgress?: (sampleCount: number, rows: readonly SampleRow[]) => void;
  progressEvery?: number;
  firstProgressAt?: number;
}

export type LoadedRecord = { row: SampleRow; record: TraceRecord } | { row: SampleRow; error: string };

/**
 * Prefix of the rewards the trace itself carries (the trainer's logged `score`, TRL's reward
 * columns) under names the engine does not score, once its scores replace them: `logged:score`
 * stays beside the user's `accuracy`. `:` cannot occur in a reward name, so the two never collide.
 */
export const LOGGED_PREFIX = "logged:";

/** Reward names seen in rows, sorted. */
export function rewardNamesOf(rows: readonly SampleRow[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.rewards)) names.add(name);
  return [...names].sort();
}

export class TraceIndex {
  /** Reward names over all rows, sorted. */
  rewardNames: string[];
  /** Samples whose advantage was written by the trainer (kept when re-scoring). */
  private readonly storedAdvantages: Set<number>;
  private readonly stepScores = new Map<number, Record<string, (number | null)[]>>();
  /** The rewards each sample carried in the trace, kept when the engine scores (`LOGGED_PREFIX`). */
  private readonly logged = new Map<number, Record<string, number | null>>();
  private lastText: { key: string; hits: Uint8Array } | undefined;
  /** True once the reward engine's scores replaced the stored `rewards`. */
  engineScored = false;

  private constructor(
    readonly file: string,
    readonly rows: SampleRow[],
    /** Byte offset of each sample's line; one extra entry holds the file size. */
    private readonly offsets: number[],
    storedAdvantages: Set<number>,
    /** File modification time when indexed, to tell a stale index. */
    readonly mtimeMs: number,
  ) {
    this.rewardNames = rewardNamesOf(rows);
    this.storedAdvantages = storedAdvantages;
    for (const row of rows) if (Object.keys(row.rewards).length > 0) this.logged.set(row.index, row.rewards);
  }

  /** Streams `file` once and keeps one row per non-blank line (malformed lines become error rows). */
  static async build(file: string, options: IndexOptions = {}): Promise<TraceIndex> {
    const { mtimeMs, size } = await stat(file);
    const rows: SampleRow[] = [];
    const offsets: number[] = [];
    const stored = new Set<number>();
    const every = options.progressEvery ?? 5000;
    const first = options.firstProgressAt ?? 200;
    for await (const { line, text, offset } of readLines(file, { signal: options.signal })) {
      const index = rows.length;
      offsets.push(offset);
      const loaded = parseLine(text, file, line, index);
      rows.push(loaded.row);
      if ("record" in loaded && storedAdvantage(loaded.record) !== null) stored.add(index);
      if (options.onProgress && (rows.length % every === 0 || rows.length === first)) {
        options.onProgress(rows.length, rows);
        // Let the host answer what is waiting (a viewer asking for the rows read so far): reading a
        // cached file never waits on I/O, so without this nothing else runs until the end.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    offsets.push(size);
    fillGroupAdvantages(rows, (row) => stored.has(row.index));
    return new TraceIndex(file, rows, offsets, stored, mtimeMs);
  }

  get sampleCount(): number {
    return this.rows.length;
  }

  /** Reads and parses the line of sample `index` (a few bytes from disk, never the whole file). */
  async load(index: number): Promise<LoadedRecord> {
    const row = this.rows[index];
    if (!row) throw new RangeError(`${this.file}: no sample ${index} (the file has ${this.rows.length})`);
    return parseLine(await this.rawLine(index), this.file, row.line, index);
  }

  /** The text of sample `index`'s line as it stands in the file (trimmed). */
  async rawLine(index: number): Promise<string> {
    if (!this.rows[index]) throw new RangeError(`${this.file}: no sample ${index} (the file has ${this.rows.length})`);
    const handle = await open(this.file, "r");
    try {
      return await this.readAt(handle, index);
    } finally {
      await handle.close();
    }
  }

  /**
   * Writes the lines of `indices`, in that order, to a new file `out` (as they stand in the trace:
   * the stored rewards, not the viewer's re-scoring). Refuses to write over the trace itself.
   * @returns the number of samples written.
   */
  async writeSamples(indices: ArrayLike<number>, out: string): Promise<number> {
    if (resolve(out) === resolve(this.file)) throw new Error(`will not write the exported samples over the trace they come from (${this.file})`);
    const handle = await open(this.file, "r");
    const target = await open(out, "w");
    try {
      let chunk: string[] = [];
      for (let i = 0; i < indices.length; i++) {
        chunk.push(await this.readAt(handle, indices[i]));
        if (chunk.length === 1000) {
          await target.write(`${chunk.join("\n")}\n`);
          chunk = [];
        }
      }
      if (chunk.length > 0) await target.write(`${chunk.join("\n")}\n`);
      return indices.length;
    } finally {
      await Promise.all([handle.close(), target.close()]);
    }
  }

  private async readAt(handle: FileHandle, index: number): Promise<string> {
    const start = this.offsets[index];
    const length = this.offsets[index + 1] - start;
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    return buffer.toString("utf8").trim();
  }

  /**
   * Which samples pass the text terms of a search (1 = passes), reading the file once per new set
   * of terms (the last answer is kept). A line's raw text is checked first, so only lines that
   * could match are parsed; malformed lines never match.
   */
  async textMatches(terms: readonly TextTerm[], signal?: AbortSignal): Promise<Uint8Array> {
    const key = JSON.stringify(terms);
    if (this.lastText?.key === key) return this.lastText.hits;
    const hits = new Uint8Array(this.rows.length);
    // Raw JSON spells quotes, backslashes and control characters as escapes: the raw pre-check is
    // sound only for terms without them.
    const plain = terms.filter((term) => !term.negated && /^[\x20-\x7e]*$/.test(term.text) && !/["\\]/.test(term.text));
    let index = 0;
    for await (const { text } of readLines(this.file, { signal })) {
      if (index >= hits.length) break;
      const raw = text.toLowerCase();
      if (plain.every((term) => raw.includes(term.text))) {
        try {
          hits[index] = textMatches(searchableText(JSON.parse(text) as Record<string, unknown>), terms) ? 1 : 0;
        } catch {
          hits[index] = 0;
        }
      }
      index++;
    }
    this.lastText = { key, hits };
    return hits;
  }

  /** Sample indices by group, in file order. */
  groupMembers(group: string): number[] {
    const members: number[] = [];
    for (const row of this.rows) if (row.group === group) members.push(row.index);
    return members;
  }

  /** Index of the sample on 1-based `line`, or -1. */
  indexOfLine(line: number): number {
    let low = 0;
    let high = this.rows.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = this.rows[mid].line;
      if (at === line) return mid;
      if (at < line) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  /**
   * Replaces every sample's scores with the reward engine's (current reward files): rewards,
   * weighted total, group advantage, errors and per-step scores. Samples the engine did not score
   * (malformed lines) keep their error.
   */
  applyEngineScores(scores: ReadonlyMap<number, EngineScores>): void {
    this.stepScores.clear();
    // A re-score (the reward files changed): remember what moved, for the viewer's "changed" view.
    const rescoring = this.engineScored;
    for (const row of this.rows) {
      const score = scores.get(row.index);
      if (!score) continue;
      const changed = rescoring ? changedRewards(row.rewards, score.rewards) : undefined;
      if (changed) row.changed = changed;
      else delete row.changed;
      const logged = this.logged.get(row.index);
      row.rewards = { ...score.rewards };
      // A name the engine scored is the same reward scored before (RewardLab's own traces): the
      // fresh score replaces it. Other names are what the trainer logged (verl's `score`).
      if (logged) for (const [name, value] of Object.entries(logged)) if (!(name in score.rewards)) row.rewards[`${LOGGED_PREFIX}${name}`] = value;
      row.total = score.total;
      row.advantage = this.storedAdvantages.has(row.index) ? row.advantage : score.advantage;
      row.error = score.error;
      if (score.stepScores) this.stepScores.set(row.index, score.stepScores);
    }
    this.rewardNames = rewardNamesOf(this.rows);
    this.engineScored = true;
  }

  /** Per-step scores of sample `index` from the last engine run, if any. */
  engineStepScores(index: number): Record<string, (number | null)[]> | undefined {
    return this.stepScores.get(index);
  }
}

/** name -> [before, after] for the rewards whose value differs (a number within 1e-9 is the same). */
export function changedRewards(before: Readonly<Record<string, number | null>>, after: Readonly<Record<string, number | null>>): Record<string, [number | null, number | null]> | undefined {
  let changed: Record<string, [number | null, number | null]> | undefined;
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (name.startsWith(LOGGED_PREFIX)) continue;
    const [a, b] = [before[name] ?? null, after[name] ?? null];
    const same = a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9;
    if (!same) (changed ??= {})[name] = [a, b];
  }
  return changed;
}

/** "accuracy: 41 samples 0 -> 1, 3 samples 1 -> 0; format: 2 samples null -> 1", the most common moves first. */
export function describeChanges(rows: readonly SampleRow[], show = 3): string {
  const moves = new Map<string, Map<string, number>>();
  for (const row of rows) {
    for (const [name, [before, after]] of Object.entries(row.changed ?? {})) {
      const key = `${before === null ? "null" : Number(before.toFixed(3))} → ${after === null ? "null" : Number(after.toFixed(3))}`;
      const counts = moves.get(name) ?? new Map<string, number>();
      counts.set(key, (counts.get(key) ?? 0) + 1);
      moves.set(name, counts);
    }
  }
  return [...moves]
    .map(([name, counts]) => {
      const sorted = [...counts].sort((a, b) => b[1] - a[1]);
      const listed = sorted.slice(0, show).map(([move, n]) => `${n.toLocaleString("en-US")} sample${n === 1 ? "" : "s"} ${move}`);
      return `${name}: ${listed.join(", ")}${sorted.length > show ? `, ${sorted.length - show} more kinds` : ""}`;
    })
    .join("; ");
}

/** What the reward engine computed for one sample. */
export interface EngineScores {
  rewards: Record<string, number | null>;
  total: number | null;
  advantage: number | null;
  /** The rewards that failed, one message per reward. */
  error?: string;
  stepScores?: Record<string, (number | null)[]>;
}

function parseLine(text: string, file: string, line: number, index: number): LoadedRecord {
  try {
    const record = parseTraceRecord(text, file, line);
    const rewards = { ...(record.rewards ?? {}) };
    const id = record.id;
    const row: SampleRow = {
      index,
      line,
      id: typeof id === "string" || typeof id === "number" ? String(id) : `#${line}`,
      group: typeof record.group === "string" || typeof record.group === "number" ? String(record.group) : undefined,
      step: typeof record.step === "number" ? record.step : undefined,
      rewards,
      total: totalReward(rewards),
      advantage: storedAdvantage(record),
      length: completionLength(record),
    };
    const meta = searchableMeta(record.meta);
    if (meta) row.meta = meta;
    return { row, record };
  } catch (error) {
    if (!(error instanceof TraceParseError)) throw error;
    const row: SampleRow = { index, line, id: `#${line}`, rewards: {}, total: null, advantage: null, length: 0, error: error.detail };
    return { row, error: error.message };
  }
}
