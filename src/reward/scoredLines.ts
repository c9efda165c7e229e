/**
 * The lines `rewardlab score --out` writes: each input record as written, with the scores added.
 *
 * A reward worker that parsed a line also cuts it for splicing (`spliceHead`), so the main thread
 * does not read, decode and split the input a second time: `ScoredLineStream` appends each
 * sample's scores to the text its worker sent back and writes the lines in file order. A sample's
 * `advantage` needs its whole group scored, so lines wait until their group is complete.
 */
import type { ScoredLineTexts } from "./sandbox/protocol";
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
  /** Writes output text in order; awaited, so a slow disk holds the scoring back. */
  write: (text: string) => Promise<void>;
  merge: MergeLine;
  /** Characters of waiting lines beyond which the stream gives up (default 32 Mi). */
  maxPendingChars?: number;
}

const DEFAULT_MAX_PENDING_CHARS = 32 * 1024 * 1024;

/**
 * Writes one trace file's scored lines as its batches arrive (in file order, from the engine's
 * `scoreFile` `lines` sink), from the line texts the workers sent back.
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
  private readonly pendingRows: number[] = [];
  private readonly pendingTexts: string[] = [];
  private readonly pendingMerge: boolean[] = [];
  private pendingChars = 0;
  private readonly maxPendingChars: number;

  constructor(private readonly options: ScoredLineStreamOptions) {
    this.maxPendingChars = options.maxPendingChars ?? DEFAULT_MAX_PENDING_CHARS;
  }

  get gaveUp(): StreamGiveUp | undefined {
    return this.gaveUpWith;
  }

  /** Takes one batch: `table` rows from `firstRow` on were just appended, `lines` holds their texts. */
  async add(table: ScoreTable, firstRow: number, lines: ScoredLineTexts): Promise<void> {
    if (this.gaveUpWith) return;
    let out = "";
    for (let k = 0, row = firstRow; row < table.size; k++, row++) {
      const group = table.groupIds[row];
      if (group >= 0 && group !== this.openGroup) {
        // Groups are numbered by first appearance: a lower number is a group seen before.
        if (group < this.openGroup) return this.giveUp("group-recurs");
        out += this.flush(table);
        this.openGroup = group;
      }
      const text = lines.text.slice(k === 0 ? 0 : lines.ends[k - 1], lines.ends[k]);
      if (this.openGroup < 0) out += this.line(table, row, text, lines.merge[k] === 1, table.totalOf(row), NaN);
      else this.hold(row, text, lines.merge[k] === 1);
    }
    if (this.pendingChars > this.maxPendingChars) return this.giveUp("group-too-large");
    if (out) await this.options.write(out);
  }

  /** Writes the lines still waiting; `table` must be finished (its advantages computed). */
  async end(table: ScoreTable): Promise<void> {
    if (this.gaveUpWith) return;
    let out = "";
    for (let p = 0; p < this.pendingRows.length; p++) {
      const row = this.pendingRows[p];
      out += this.line(table, row, this.pendingTexts[p], this.pendingMerge[p], table.totals[row], table.advantages[row]);
    }
    this.clear();
    if (out) await this.options.write(out);
  }

  private hold(row: number, text: string, merge: boolean): void {
    this.pendingRows.push(row);
    this.pendingTexts.push(text);
    this.pendingMerge.push(merge);
    this.pendingChars += text.length;
  }

  /**
   * The waiting lines, now final: their group is complete. Its advantages are computed as the
   * table's `finish` computes them (same sums in the same order, so the same numbers).
   */
  private flush(table: ScoreTable): string {
    const rows = this.pendingRows;
    const totals = new Float64Array(rows.length);
    let members = 0;
    for (const row of rows) if (table.groupIds[row] === this.openGroup) totals[members++] = table.totalOf(row);
    const advantages = numberedGroupAdvantages(totals.subarray(0, members), new Int32Array(members), 1, this.options.advantage ?? {});
    let out = "";
    for (let p = 0, m = 0; p < rows.length; p++) {
      const row = rows[p];
      const advantage = table.groupIds[row] === this.openGroup ? advantages[m++] : NaN;
      out += this.line(table, row, this.pendingTexts[p], this.pendingMerge[p], table.totalOf(row), advantage);
    }
    this.clear();
    return out;
  }

  private line(table: ScoreTable, row: number, text: string, merge: boolean, total: number, advantage: number): string {
    return merge ? this.options.merge(text, table.sampleScores(row, total, advantage), table.lines[row]) : splicedLine(text, table.scoresJsonTail(row, total, advantage));
  }

  private clear(): void {
    this.pendingRows.length = 0;
    this.pendingTexts.length = 0;
    this.pendingMerge.length = 0;
    this.pendingChars = 0;
  }

  private giveUp(reason: StreamGiveUp): void {
    this.gaveUpWith = reason;
    this.clear();
  }
}
