/**
 * Streaming reader for trace JSONL files (DESIGN.md "Trace file").
 *
 * Files can be many gigabytes, so nothing here holds a whole file: bytes are read in large chunks
 * and split on '\n' as bytes. Splitting on bytes (not on decoded text) makes multi-byte UTF-8
 * characters that straddle a chunk boundary a non-issue — 0x0A never occurs inside a UTF-8
 * sequence — and gives exact byte offsets for the line index at no cost.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { parseJsonObjectFast } from "./jsonLine";
import type { Region, TraceLineError, TraceRecord } from "./types";

export interface ReadLinesOptions {
  /** Stops reading; the generator then throws the signal's AbortError. */
  signal?: AbortSignal;
  /** Read chunk size in bytes (default 1 MiB). Tests use tiny values to exercise chunk boundaries. */
  highWaterMark?: number;
}

/** One non-blank line of a file. */
export interface TextLine {
  /** 1-based line number, counting blank lines. */
  line: number;
  /** The line without its '\n' / '\r\n' terminator. */
  text: string;
  /** Byte offset of the line's first byte in the file (in the decompressed bytes of a gzip file). */
  offset: number;
  /** Set on a last line that has no newline after it (a file cut off mid-write, or one written without). */
  unterminated?: true;
}

/** gzip's magic bytes (RFC 1952). */
const GZIP_MAGIC = [0x1f, 0x8b];

/** Whether a file is gzip-compressed (by its first two bytes, not its name). */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** A gzip stream that cannot be decompressed: the message names the file. */
export class CompressedFileError extends Error {
  /** Why, without the file name. */
  readonly reason: string;
  constructor(file: string, cause: Error) {
    const reason = `cannot decompress (gzip): ${cause.message}${/unexpected end/i.test(cause.message) ? " (the file is cut off: still being written?)" : ""}`;
    super(`${file}: ${reason}`);
    this.name = "CompressedFileError";
    this.reason = reason;
  }
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Streams the non-blank lines of a UTF-8 file with their 1-based line numbers and byte offsets.
 * Handles '\n' and '\r\n', a last line without a terminator, and a UTF-8 byte-order mark.
 * Blank (empty or whitespace-only) lines are skipped but still counted. A gzip file (`.jsonl.gz`,
 * known by its magic bytes) is decompressed on the way; its offsets count decompressed bytes.
 */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<TextLine> {
  options.signal?.throwIfAborted();
  const gzip = await isGzipFile(path);
  const file = createReadStream(path, {
    highWaterMark: options.highWaterMark ?? DEFAULT_CHUNK_BYTES,
    signal: options.signal,
  });
  // pipeline() passes a read error or an abort on to the gunzip stream, which the loop then throws.
  const stream = gzip ? pipeline(file, createGunzip({ chunkSize: 1 << 16 }), () => undefined) : file;
  let lineNumber = 0;
  /** File offset of the current chunk's first byte. */
  let chunkOffset = 0;
  /** Pieces of a line that spans chunks; concatenated once, when its end is found. */
  let pending: Buffer[] = [];
  /** File offset where the pending line starts. */
  let pendingOffset = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      let newline = chunk.indexOf(NEWLINE, 0);
      while (newline !== -1) {
        lineNumber++;
        let text: string;
        let offset: number;
        if (pending.length === 0) {
          text = decodeLine(chunk, from, newline);
          offset = chunkOffset + from;
        } else {
          pending.push(chunk.subarray(from, newline));
          const whole = Buffer.concat(pending);
          pending = [];
          text = decodeLine(whole, 0, whole.length);
          offset = pendingOffset;
        }
        if (!isBlank(text)) yield { line: lineNumber, text: lineNumber === 1 ? stripBom(text) : text, offset };
        from = newline + 1;
        newline = chunk.indexOf(NEWLINE, from);
      }
      if (from < chunk.length) {
        if (pending.length === 0) pendingOffset = chunkOffset + from;
        pending.push(chunk.subarray(from));
      }
      chunkOffset += chunk.length;
    }
    if (pending.length > 0) {
      const whole = Buffer.concat(pending);
      pending = [];
      lineNumber++;
      const text = decodeLine(whole, 0, whole.length);
      if (!isBlank(text)) yield { line: lineNumber, text: lineNumber === 1 ? stripBom(text) : text, offset: pendingOffset, unterminated: true };
    }
  } catch (error) {
    if (gzip && (error as NodeJS.ErrnoException).code?.startsWith("Z_")) throw new CompressedFileError(path, error as Error);
    throw error;
  } finally {
    stream.destroy();
    file.destroy();
  }
}

/** Decodes bytes [start, end) as UTF-8, dropping a trailing '\r' (CRLF files). */
function decodeLine(buffer: Buffer, start: number, end: number): string {
  if (end > start && buffer[end - 1] === CARRIAGE_RETURN) end--;
  return buffer.toString("utf8", start, end);
}

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const first = text.charCodeAt(0);
  // Only whitespace-led lines can be blank; JSONL lines start with '{', so trim() is rarely reached.
  return (first === 0x20 || first === 0x09 || first === 0x0d || first === 0xfeff) && stripBom(text).trim() === "";
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A trace line that is not valid JSON or not a valid record. The message starts with `file:line: `. */
export class TraceParseError extends Error {
  override readonly name = "TraceParseError";
  /** The problem without the `file:line: ` prefix. */
  readonly detail: string;

  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.detail = detail;
  }

  /** The error as plain data, for reporting without throwing. */
  toLineError(): TraceLineError {
    return { file: this.file, line: this.line, message: this.detail };
  }
}

/**
 * Parses one trace line. Only `completion` is required; the known optional keys get a light type
 * check so that a wrong type is reported here, naming the key, instead of failing later inside a
 * reward. The parsed object itself is returned: unknown keys stay exactly as they were.
 *
 * One fill-in: a ground-truth region without `frame` gets `frame: "pixel"` (the DESIGN.md default).
 *
 * `controlFree`: the caller knows `text` holds no raw control characters (`LineCursor` says so per
 * line); the line then goes through the fast JSON path (jsonLine.ts), with the same result.
 * @throws TraceParseError on invalid JSON, a non-object, or an invalid known key.
 */
export function parseTraceRecord(text: string, file: string, line: number, controlFree = false): TraceRecord {
  let value: unknown = controlFree ? parseJsonObjectFast(text) : undefined;
  try {
    value ??= JSON.parse(text);
  } catch (error) {
    throw new TraceParseError(file, line, `invalid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TraceParseError(file, line, `a trace line must be a JSON object, got ${describe(value)}`);
  }
  const problem = validateRecord(value as Record<string, unknown>);
  if (problem !== null) throw new TraceParseError(file, line, problem);
  return value as TraceRecord;
}

/** A record read by `readTrace`, or the reason its line could not be read. */
export type TraceEntry = { line: number; record: TraceRecord } | { line: number; error: TraceLineError };

/**
 * Streams the records of a trace JSONL file. Tolerant: a malformed line is yielded as an error
 * entry (with its 1-based line number) and reading goes on. Blank lines are skipped.
 */
export async function* readTrace(path: string, options: ReadLinesOptions = {}): AsyncGenerator<TraceEntry> {
  for await (const { line, text } of readLines(path, options)) {
    try {
      yield { line, record: parseTraceRecord(text, path, line) };
    } catch (error) {
      if (!(error instanceof TraceParseError)) throw error;
      yield { line, error: error.toLineError() };
    }
  }
}

// ---- validation -------------------------------------------------------------------------------

const BOX_FRAMES = new Set(["pixel", "norm1000", "norm1"]);

/** Returns a message naming the first invalid known key, or null. Mutates only to default a region frame. */
function validateRecord(record: Record<string, unknown>): string | null {
  if (typeof record.completion !== "string") {
    return `"completion" must be a string, got ${describe(record.completion)}`;
  }
  const { id, group, step, images, regions, steps, tokens, rewards, meta } = record;
  if (id !== undefined && typeof id !== "string" && typeof id !== "number") {
    return `"id" must be a string or number, got ${describe(id)}`;
  }
  if (group !== undefined && typeof group !== "string" && typeof group !== "number") {
    return `"group" must be a string or number, got ${describe(group)}`;
  }
  if (step !== undefined && step !== null && typeof step !== "number") return `"step" must be a number, got ${describe(step)}`;
  if (images !== undefined) {
    if (!Array.isArray(images)) return `"images" must be an array of strings, got ${describe(images)}`;
    const bad = images.findIndex((image) => typeof image !== "string");
    if (bad !== -1) return `"images[${bad}]" must be a string (an image path or data: URI), got ${describe(images[bad])}`;
  }
  if (regions !== undefined) {
    const problem = validateRegions(regions);
    if (problem !== null) return problem;
  }
  if (steps !== undefined) {
    if (!Array.isArray(steps)) return `"steps" must be an array of {text, label?} objects, got ${describe(steps)}`;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i] as { text?: unknown; label?: unknown } | null;
      if (typeof s !== "object" || s === null || typeof s.text !== "string") return `"steps[${i}].text" must be a string`;
      if (s.label !== undefined && s.label !== null && typeof s.label !== "number") {
        return `"steps[${i}].label" must be a number or null, got ${describe(s.label)}`;
      }
    }
  }
  if (tokens !== undefined && !Array.isArray(tokens)) return `"tokens" must be an array, got ${describe(tokens)}`;
  if (rewards !== undefined) {
    if (!isPlainObject(rewards)) return `"rewards" must be an object of numbers, got ${describe(rewards)}`;
    for (const [name, value] of Object.entries(rewards)) {
      if (value !== null && typeof value !== "number") return `"rewards.${name}" must be a number or null, got ${describe(value)}`;
    }
  }
  if (meta !== undefined && !isPlainObject(meta)) return `"meta" must be an object, got ${describe(meta)}`;
  return null;
}

function validateRegions(regions: unknown): string | null {
  if (!Array.isArray(regions)) return `"regions" must be an array of {box, frame, label?} objects, got ${describe(regions)}`;
  for (let i = 0; i < regions.length; i++) {
    const region = regions[i] as Partial<Region> | null;
    if (!isPlainObject(region)) return `"regions[${i}]" must be an object with a "box", got ${describe(region)}`;
    const box = region.box as unknown;
    if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === "number")) {
      return `"regions[${i}].box" must be 4 numbers [x1, y1, x2, y2], got ${describe(box)}`;
    }
    if (region.frame === undefined) region.frame = "pixel";
    else if (!BOX_FRAMES.has(region.frame as string)) {
      return `"regions[${i}].frame" must be "pixel", "norm1000" or "norm1", got ${describe(region.frame)}`;
    }
    if (region.label !== undefined && typeof region.label !== "string") return `"regions[${i}].label" must be a string`;
    if (region.image !== undefined && !(Number.isInteger(region.image) && region.image >= 0)) {
      return `"regions[${i}].image" must be a non-negative integer (an index into "images")`;
    }
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Short description of a JSON value for error messages: `array`, `null`, `number 3`, `missing`. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return "an object";
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}`;
}
