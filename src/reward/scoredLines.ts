/**
 * The lines `rewardlab score --out` writes: each input record as written, with the scores added.
 *
 * A reward worker that parsed a line also cuts it for splicing (`spliceHead`) and says where the cut
 * line's bytes are in the chunk the main thread read, so the main thread neither reads, decodes and
 * splits the input a second time nor encodes its text again: `ScoredLineStream` copies each sample's
 * bytes, appends its scores and writes the lines in file order. A sample's `advantage` needs its
 * whole group scored, so lines wait until their group is complete.
 */
import { LinePart, type ScoredLineParts } from "./sandbox/protocol";
import { numberedGroupAdvantages, type GroupAdvantageOptions } from "./stats";
import type { SampleScores, ScoreTable } from "./table";

/**
 * The line as written without its closing brace (and the spaces after it), to which the scores are
 * appended without parsing the record again (the workers already checked that the line is a JSON
 * object). Null when the record may already hold a key the scores write (it is then merged through
 * a parse: `scoredLine`), or its text is unusual: a byte-order mark, a `\u` escape (which could
 * spell such a key), an empty object.
 */
export function spliceHead(text: string): string | null {
  const body = text.trimEnd();
  if (!body.endsWith("}") || body.charCodeAt(0) === 0xfeff || /"(?:reward|advantage|step_rewards)|\\u/.test(body) || isEmptyObject(body)) return null;
  return body.slice(0, -1);
}

/** Whether `body` (a JSON object's text, trimmed at its end) is `{}` with only whitespace inside. */
function isEmptyObject(body: string): boolean {
  let k = body.indexOf("{") + 1;
  for (let c = body.charCodeAt(k); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = body.charCodeAt(++k));
  return body.charCodeAt(k) === 0x7d;
}

/** A `spliceHead` plus the scores (or their JSON without the opening brace: `ScoreTable.scoresJsonTail`): one output line. */
export function splicedLine(head: string, scores: SampleScores | string): string {
  return `${head},${typeof scores === "string" ? scores : JSON.stringify(scores).slice(1)}\n`;
}

/** A record plus its scores as one output line; rewards the record already had are kept unless rescored. */
export function scoredLine(record: Record<string, unknown>, scores: SampleScores): string {
  const previous = record.rewards && typeof record.rewards === "object" ? record.rewards : {};
  return JSON.stringify({ ...record, ...scores, rewards: { ...previous, ...scores.rewards } }) + "\n";
}

/** A whole line that `spliceHead` refused, its scores and its line number: the output line (parsing it). */
export type MergeLine = (text: string, scores: SampleScores, line: number) => string;

/** Why a `ScoredLineStream` gave up; the caller writes the file from the input again instead. */
export type StreamGiveUp = "group-recurs" | "group-too-large";

export interface ScoredLineStreamOptions {
  /** The engine's advantage settings (they must match the table's `finish`). */
  advantage?: GroupAdvantageOptions;
  /** Writes output bytes in order (the stream does not touch them again); awaited, so a slow disk holds the scoring back. */
  write: (bytes: Uint8Array) => Promise<void>;
  merge: MergeLine;
  /** Bytes (characters, for lines given as text) of waiting lines beyond which the stream gives up (default 32 Mi). */
  maxPendingChars?: number;
}

const DEFAULT_MAX_PENDING_CHARS = 32 * 1024 * 1024;
/** Output bytes per line beyond its input's, to size a batch's buffer (the scores of a few rewards). */
const TAIL_BYTES_GUESS = 96;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/**
 * Writes one trace file's scored lines as its batches arrive (in file order, from the engine's
 * `scoreFile` `lines` sink), from the parts of lines the workers sent back.
 *
 * Lines without a group are final at once. A grouped line's advantage is final once its group is
 * complete; the stream takes a group to be complete when the next group starts, which holds for
 * rollout files whose groups are contiguous (verl, TRL, OpenRLHF and our own traces write them so).
 * Until then it and every line after it wait. If a group shows up again after another began, or the
 * waiting lines grow past `maxPendingChars` (one group spanning much of a huge file), lines already
 * written may be wrong or memory would grow with the file: the stream gives up (`gaveUp`), writes
 * nothing more, and the caller must write this file another way.
 */
export class ScoredLineStream {
  private gaveUpWith: StreamGiveUp | undefined;
  /** Group number of the group whose lines wait (-1: none yet). */
  private openGroup = -1;
  private readonly pending = new PendingLines();
  private readonly maxPendingChars: number;

  constructor(private readonly options: ScoredLineStreamOptions) {
    this.maxPendingChars = options.maxPendingChars ?? DEFAULT_MAX_PENDING_CHARS;
  }

  get gaveUp(): StreamGiveUp | undefined {
    return this.gaveUpWith;
  }

  /**
   * Takes one batch: `table` rows from `firstRow` on were just appended, `parts` says where their
   * lines are, in `chunk` (the bytes the batch was scored from) or in `parts.text`. The stream is
   * done with `chunk` when the returned promise settles (it copies what it keeps).
   */
  async add(table: ScoreTable, firstRow: number, parts: ScoredLineParts, chunk: Uint8Array): Promise<void> {
    if (this.gaveUpWith) return;
    const out = new OutputBytes(chunk.length + (table.size - firstRow) * TAIL_BYTES_GUESS);
    const pending = this.pending;
    for (let k = 0, row = firstRow; row < table.size; k++, row++) {
      const group = table.groupIds[row];
      if (group >= 0 && group !== this.openGroup) {
        // Groups are numbered by first appearance: a lower number is a group seen before.
        if (group < this.openGroup) return this.giveUp("group-recurs");
        this.flush(table, out);
        this.openGroup = group;
      }
      const kind = parts.kind[k] as LinePart;
      const source = kind === LinePart.ChunkHead ? chunk : parts.text.slice(parts.starts[k], parts.ends[k]);
      const start = kind === LinePart.ChunkHead ? parts.starts[k] : 0;
      const end = kind === LinePart.ChunkHead ? parts.ends[k] : source.length;
      if (this.openGroup < 0) this.line(out, table, row, kind, source, start, end, table.totalOf(row), NaN);
      else pending.hold(row, kind, source, start, end);
    }
    if (pending.size > this.maxPendingChars) return this.giveUp("group-too-large");
    // `chunk` is read again by the reader once this batch is done.
    pending.copyOut(chunk);
    if (out.length > 0) await this.options.write(out.bytes());
  }

  /** Writes the lines still waiting; `table` must be finished (its advantages computed). */
  async end(table: ScoreTable): Promise<void> {
    if (this.gaveUpWith) return;
    const pending = this.pending;
    const out = new OutputBytes(pending.size + pending.rows.length * TAIL_BYTES_GUESS);
    for (let p = 0; p < pending.rows.length; p++) {
      const row = pending.rows[p];
      this.line(out, table, row, pending.kinds[p], pending.sources[p], pending.starts[p], pending.ends[p], table.totals[row], table.advantages[row]);
    }
    pending.clear();
    if (out.length > 0) await this.options.write(out.bytes());
  }

  /**
   * Writes the waiting lines, now final: their group is complete. Its advantages are computed as
   * the table's `finish` computes them (same sums in the same order, so the same numbers).
   */
  private flush(table: ScoreTable, out: OutputBytes): void {
    const pending = this.pending;
    const rows = pending.rows;
    const totals = new Float64Array(rows.length);
    let members = 0;
    for (const row of rows) if (table.groupIds[row] === this.openGroup) totals[members++] = table.totalOf(row);
    const advantages = numberedGroupAdvantages(totals.subarray(0, members), new Int32Array(members), 1, this.options.advantage ?? {});
    for (let p = 0, m = 0; p < rows.length; p++) {
      const row = rows[p];
      const advantage = table.groupIds[row] === this.openGroup ? advantages[m++] : NaN;
      this.line(out, table, row, pending.kinds[p], pending.sources[p], pending.starts[p], pending.ends[p], table.totalOf(row), advantage);
    }
    pending.clear();
  }

  /** Appends one output line: the head plus the scores, or a merged line. */
  private line(out: OutputBytes, table: ScoreTable, row: number, kind: LinePart, source: Uint8Array | string, start: number, end: number, total: number, advantage: number): void {
    if (kind === LinePart.Merge) return out.text(this.options.merge(source as string, table.sampleScores(row, total, advantage), table.lines[row]));
    if (typeof source === "string") out.text(source);
    else out.copy(source, start, end);
    out.byte(COMMA);
    out.text(table.scoresJsonTail(row, total, advantage));
    out.byte(NEWLINE);
  }

  private giveUp(reason: StreamGiveUp): void {
    this.gaveUpWith = reason;
    this.pending.clear();
  }
}

/** Lines waiting for their group to complete: per line its row, `LinePart` and where its part is. */
class PendingLines {
  readonly rows: number[] = [];
  readonly kinds: LinePart[] = [];
  /** The bytes a head is in (a batch's chunk until `copyOut`), or the text of a text part. */
  readonly sources: (Uint8Array | string)[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** Bytes (or characters) held. */
  size = 0;

  hold(row: number, kind: LinePart, source: Uint8Array | string, start: number, end: number): void {
    this.rows.push(row);
    this.kinds.push(kind);
    this.sources.push(source);
    this.starts.push(start);
    this.ends.push(end);
    this.size += end - start;
  }

  /** Copies the heads still in `chunk` out of it (the lines of the last group of a batch). */
  copyOut(chunk: Uint8Array): void {
    for (let p = 0; p < this.rows.length; p++) {
      if (this.sources[p] !== chunk) continue;
      this.sources[p] = chunk.slice(this.starts[p], this.ends[p]);
      this.ends[p] -= this.starts[p];
      this.starts[p] = 0;
    }
  }

  clear(): void {
    this.rows.length = 0;
    this.kinds.length = 0;
    this.sources.length = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.size = 0;
  }
}

/** A batch's output lines as UTF-8 bytes, in one buffer that grows when the guess was short. */
class OutputBytes {
  length = 0;
  private buffer: Buffer;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(256, capacity));
  }

  copy(source: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    this.buffer.set(source.subarray(start, end), this.length);
    this.length += end - start;
  }

  /** Appends `text` as UTF-8 (a lone surrogate becomes U+FFFD, as Buffer.from writes it). */
  text(text: string): void {
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length);
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + more));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
