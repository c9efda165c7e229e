/**
 * Rows of a source file, whatever its container: JSONL lines parsed as objects, the elements of a
 * top-level JSON array (one element at a time), or parquet rows read one row group at a time
 * (hyparquet). Importers map rows to records and never touch bytes.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from "hyparquet";
import { CompressedFileError, readLines } from "../reader";
import type { TraceLineError } from "../types";
import { UnknownFormatError } from "./errors";
import type { Container, ImportProbe } from "./types";

/** One source row and where it is. */
export interface SourceRow {
  value: Record<string, unknown>;
  /** 1-based line (JSONL; for a JSON array, the line the element starts on). */
  line?: number;
  /** 0-based row (parquet) or element (JSON array). */
  row?: number;
}

export type RowItem = { row: SourceRow } | { error: TraceLineError };

const PARQUET_MAGIC = "PAR1";

/**
 * Parquet files start (and end) with `PAR1`; a file whose first non-blank character is `[` is one
 * JSON array of rows (`json.dump(rows, f)`: ProcessBench's `gsm8k.json`); everything else is read
 * as JSON lines.
 */
export async function sniffContainer(path: string): Promise<Container> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(256);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead >= 4 && head.toString("latin1", 0, 4) === PARQUET_MAGIC) return "parquet";
    const text = head.toString("utf8", 0, bytesRead).replace(/^\ufeff/, "").trimStart();
    return text.startsWith("[") ? "json" : "jsonl";
  } finally {
    await handle.close();
  }
}

/** Reads the first `maxRows` rows for detection. Malformed lines are skipped here; `read` reports them. */
export async function probeFile(path: string, maxRows = 16): Promise<ImportProbe> {
  const container = await sniffContainer(path);
  const rows: Record<string, unknown>[] = [];
  let columns: string[] | undefined;
  if (container === "parquet") {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file).catch((error: unknown) => {
      throw new UnknownFormatError(`${basename(path)} starts like parquet but its footer cannot be read (truncated or still being written?): ${(error as Error).message}`);
    });
    columns = parquetSchema(metadata).children.map((child) => child.element.name);
    const count = Math.min(maxRows, Number(metadata.num_rows));
    if (count > 0) {
      for (const row of await readParquetRange(file, metadata, 0, count)) rows.push(row);
    }
  } else if (container === "json") {
    for await (const item of readJsonArrayRows(path)) {
      if (rows.length >= maxRows) break;
      if ("row" in item) rows.push(item.row.value);
    }
  } else {
    let seen = 0;
    for await (const { text } of readLines(path)) {
      if (++seen > maxRows * 4 || rows.length >= maxRows) break;
      const value = tryParseObject(text);
      if (value) rows.push(value);
    }
  }
  columns ??= [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return { file: path, container, rows, columns };
}

/** Streams every row of a JSONL, JSON-array or parquet file. A bad line, element or row group is reported and skipped. */
export async function* readRows(path: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<RowItem> {
  const container = await sniffContainer(path);
  if (container === "parquet") yield* readParquetRows(path, options.signal);
  else if (container === "json") yield* readJsonArrayRows(path, options);
  else yield* readJsonRows(path, options.signal);
}

const enum Byte {
  Newline = 0x0a,
  Quote = 0x22,
  Comma = 0x2c,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  Space = 0x20,
  Tab = 0x09,
  CarriageReturn = 0x0d,
}

/** `stringEnd` results when the string goes on past the chunk: its last byte did (not) start an escape. */
const STRING_CONTINUES = -1;
const ESCAPE_PENDING = -2;

/**
 * Where the JSON string that continues at `from` ends (the offset of its closing quote), or
 * `STRING_CONTINUES` / `ESCAPE_PENDING` when it goes on past the chunk. `escaped`: the byte at
 * `from` is escaped (the previous chunk ended in an escaping backslash). A quote is closing when an
 * even number of backslashes precede it since `from`.
 */
function stringEnd(chunk: Buffer, from: number, escaped: boolean): number {
  let start = escaped ? from + 1 : from;
  for (;;) {
    if (start >= chunk.length) return STRING_CONTINUES;
    const quote = chunk.indexOf(Byte.Quote, start);
    const last = quote < 0 ? chunk.length : quote;
    let slashes = 0;
    for (let k = last - 1; k >= start && chunk[k] === Byte.Backslash; k--) slashes++;
    if (quote < 0) return slashes % 2 === 1 ? ESCAPE_PENDING : STRING_CONTINUES;
    if (slashes % 2 === 0) return quote;
    start = quote + 1;
  }
}

/**
 * The elements of a file holding one JSON array, each parsed on its own as it ends: memory holds
 * one element, not the file. Scans bytes (structural characters never occur inside a multi-byte
 * UTF-8 sequence), tracking strings and nesting; an element's line is the line it starts on. A file
 * cut off inside an element reports it as truncated.
 */
export async function* readJsonArrayRows(path: string, options: { signal?: AbortSignal; chunkBytes?: number } = {}): AsyncGenerator<RowItem> {
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20, signal: options.signal });
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** Pieces of the element being read, and the line it starts on (0: none open). */
  let pieces: Buffer[] = [];
  let elementLine = 0;
  let element = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = -1;
      if (elementLine > 0) from = 0;
      for (let i = 0; i < chunk.length; i++) {
        if (inString) {
          // Most bytes are inside strings: jump to the closing quote (JSON strings hold no raw newline).
          const end = stringEnd(chunk, i, escaped);
          if (end < 0) {
            escaped = end === ESCAPE_PENDING;
            break;
          }
          escaped = false;
          inString = false;
          i = end;
          continue;
        }
        const c = chunk[i];
        if (c === Byte.Newline) line++;
        if (depth === 1 && (c === Byte.Comma || c === Byte.CloseBracket)) {
          if (elementLine > 0) {
            pieces.push(chunk.subarray(from, i));
            const item = parseJsonRow(path, elementLine, Buffer.concat(pieces).toString("utf8"));
            yield "row" in item ? { row: { ...item.row, row: element } } : item;
            element++;
            pieces = [];
            elementLine = 0;
            from = -1;
          }
          if (c === Byte.CloseBracket) depth = 0;
          continue;
        }
        if (depth === 1 && elementLine === 0 && c !== Byte.Space && c !== Byte.Tab && c !== Byte.Newline && c !== Byte.CarriageReturn) {
          elementLine = line;
          from = i;
        }
        if (c === Byte.Quote) inString = true;
        else if (c === Byte.OpenBrace || c === Byte.OpenBracket) depth++;
        else if (c === Byte.CloseBrace || c === Byte.CloseBracket) depth--;
      }
      if (elementLine > 0) pieces.push(chunk.subarray(from));
    }
  } finally {
    stream.destroy();
  }
  if (elementLine > 0 || depth > 0) {
    yield { error: { file: path, line: elementLine || line, message: "invalid JSON: the file ends in the middle of this record (truncated?)" } };
  }
}

async function* readJsonRows(path: string, signal?: AbortSignal): AsyncGenerator<RowItem> {
  let last = 0;
  try {
    for await (const { line, text, unterminated } of readLines(path, { signal })) {
      last = line;
      // A last line without its newline that does not parse is a file cut off mid-write.
      yield parseJsonRow(path, line, text, unterminated === true);
    }
  } catch (error) {
    // A .gz cut off (or damaged) part-way: the rows before it were read; say where it stopped.
    if (!(error instanceof CompressedFileError)) throw error;
    yield { error: { file: path, line: last + 1, message: error.reason } };
  }
}

/** Parses one JSONL line into a row, or the error that says why it is not one. */
export function parseJsonRow(path: string, line: number, text: string, isLastLine = false): RowItem {
  let value: unknown;
  try {
    value = parseJsonText(text);
  } catch (error) {
    const reason = isLastLine ? "the file ends in the middle of this record (truncated?)" : (error as Error).message;
    return { error: { file: path, line, message: `invalid JSON: ${reason}` } };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { error: { file: path, line, message: `expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}` } };
  }
  return { row: { value: value as Record<string, unknown>, line } };
}

async function* readParquetRows(path: string, signal?: AbortSignal): AsyncGenerator<RowItem> {
  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    yield { error: { file: path, line: 0, message: `not a readable parquet file: ${(error as Error).message}` } };
    return;
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    signal?.throwIfAborted();
    const rowEnd = rowStart + Number(group.num_rows);
    try {
      const rows = await readParquetRange(file, metadata, rowStart, rowEnd);
      for (let i = 0; i < rows.length; i++) yield { row: { value: rows[i], row: rowStart + i } };
    } catch (error) {
      const message = `rows ${rowStart}-${rowEnd - 1} of ${basename(path)} could not be decoded: ${(error as Error).message}`;
      yield { error: { file: path, line: rowStart + 1, row: rowStart, message } };
    }
    rowStart = rowEnd;
  }
}

async function readParquetRange(file: AsyncBuffer, metadata: FileMetaData, rowStart: number, rowEnd: number): Promise<Record<string, unknown>[]> {
  // utf8: false keeps un-annotated BYTE_ARRAY columns (image bytes) as bytes; string columns carry
  // a UTF8/STRING annotation (pandas, pyarrow, datasets all write one) and still decode to text.
  const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, utf8: false });
  return rows.map((row) => normalizeParquetValue(row) as Record<string, unknown>);
}

/** int64 columns arrive as bigint: make them numbers (exact below 2^53, which steps and counts are). */
function normalizeParquetValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(normalizeParquetValue);
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = normalizeParquetValue(field);
  return out;
}

function tryParseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = parseJsonText(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };
/**
 * Stands in for a non-finite token while JSON.parse reads the line: a string starting with U+0000
 * and a random tag, written into the line as the JSON escape backslash-u0000, so no source string is mistaken for it.
 */
const SENTINEL_TAG = `rewardlab-non-finite-${Math.random().toString(36).slice(2)}:`;
const SENTINEL = `\u0000${SENTINEL_TAG}`;

/**
 * JSON.parse, also accepting the bare `NaN`, `Infinity` and `-Infinity` that Python's `json.dumps`
 * writes for non-finite floats (its default `allow_nan=True`). verl writes its rollout dumps that
 * way (`RayPPOTrainer._dump_generations`), so a reward that returned NaN must not drop the line.
 * The tokens become the numbers NaN and ±Infinity; rewards read them as null (no score), and
 * written back as JSON they are null. Lines without those tokens take JSON.parse's path alone,
 * and its error is the one reported.
 */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const rewritten = replaceNonFiniteTokens(text);
    if (rewritten === undefined) throw error;
    try {
      return JSON.parse(rewritten, (_key, value: unknown) => (typeof value === "string" && value.startsWith(SENTINEL) ? NON_FINITE[value.slice(SENTINEL.length)] : value));
    } catch {
      throw error;
    }
  }
}

/** The line with every `NaN` / `Infinity` / `-Infinity` outside strings quoted as a sentinel; undefined when it has none. */
function replaceNonFiniteTokens(text: string): string | undefined {
  if (!text.includes("NaN") && !text.includes("Infinity")) return undefined;
  let out = "";
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    const token = c === 78 /* N */ && text.startsWith("NaN", i) ? "NaN" : c === 73 /* I */ && text.startsWith("Infinity", i) ? "Infinity" : c === 45 /* - */ && text.startsWith("-Infinity", i) ? "-Infinity" : undefined;
    if (token === undefined) continue;
    out += `${text.slice(from, i)}"\\u0000${SENTINEL_TAG}${token}"`;
    i += token.length - 1;
    from = i + 1;
  }
  return from === 0 ? undefined : out + text.slice(from);
}
