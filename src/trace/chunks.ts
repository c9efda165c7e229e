/**
 * Reading a JSONL file as large chunks that end on line boundaries. The scoring engine hands these
 * raw bytes to worker threads, so decoding, splitting and JSON parsing all run in parallel and the
 * main thread only reads and counts newlines (a native memchr per line).
 */
import { createReadStream } from "node:fs";

export interface LineChunk {
  /** Whole lines (each ending in '\n', except possibly the file's last). A fresh buffer, safe to transfer. */
  bytes: Uint8Array;
  /** 1-based number of the chunk's first line. */
  firstLine: number;
  /** Lines in the chunk (blank ones included). */
  lines: number;
  /** Byte offset of the chunk in the file. */
  offset: number;
}

export interface ReadChunksOptions {
  /** Target chunk size in bytes (default 512 KiB); a longer line makes a longer chunk. */
  chunkBytes?: number;
  signal?: AbortSignal;
}

const NEWLINE = 0x0a;

function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/** Streams a file as chunks of whole lines. Memory stays at about two chunks whatever the file size. */
export async function* readLineChunks(path: string, options: ReadChunksOptions = {}): AsyncGenerator<LineChunk> {
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 512 * 1024, signal: options.signal });
  let carry: Uint8Array = new Uint8Array(0);
  let firstLine = 1;
  let offset = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      const last = piece.lastIndexOf(NEWLINE);
      if (last === -1) {
        carry = concat(carry, piece, piece.length);
        continue;
      }
      const bytes = concat(carry, piece, last + 1);
      const lines = countNewlines(bytes);
      yield { bytes, firstLine, lines, offset };
      firstLine += lines;
      offset += bytes.length;
      carry = piece.subarray(last + 1).slice();
    }
    if (carry.length > 0) yield { bytes: carry, firstLine, lines: 1, offset };
  } finally {
    stream.destroy();
  }
}

/** A new buffer holding `head` then the first `length` bytes of `tail`. */
function concat(head: Uint8Array, tail: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(head.length + length);
  out.set(head, 0);
  out.set(tail.subarray(0, length), head.length);
  return out;
}

/**
 * Calls `visit` for each non-blank line of decoded chunk text with its 1-based line number.
 * Strips a trailing '\r' (CRLF files) and a byte-order mark on the file's first line.
 */
export function forEachLine(text: string, firstLine: number, visit: (line: string, lineNumber: number) => void): void {
  let start = 0;
  let lineNumber = firstLine;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 0x0d) stop--;
    let from = start;
    if (lineNumber === 1 && text.charCodeAt(from) === 0xfeff) from++;
    if (stop > from && !isBlank(text, from, stop)) visit(text.slice(from, stop), lineNumber);
    lineNumber++;
    start = end + 1;
  }
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}
