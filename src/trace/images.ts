/**
 * Image sizes from file headers, without decoding pixels or adding a dependency. Rewards need the
 * size to convert between box frames (pixel, norm1000, norm1) and views need it to lay out boxes.
 *
 * Supported: PNG, JPEG (baseline and progressive, any SOF marker), GIF, WebP (VP8, VP8L, VP8X) and
 * BMP. EXIF orientation is not applied: the size is the stored one, as trainers see it.
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { ImageSize } from "./types";

/** How much of a file is read up front; enough for every format's header and most JPEG metadata. */
const HEADER_BYTES = 64 * 1024;
/** A JPEG's frame header may follow large metadata segments; give up after scanning this far. */
const MAX_JPEG_SCAN_BYTES = 16 * 1024 * 1024;

/** Reads `length` bytes at `position`; fewer at the end of the data. */
type ReadAt = (position: number, length: number) => Uint8Array;

const sizeCache = new Map<string, ImageSize | null>();

/**
 * The size of an image file, or of a `data:image/...;base64,` URI. Null when the file is missing,
 * unreadable, or not a supported format. File results are cached per path for the life of the
 * process (trace images do not change during a run; see `clearImageSizeCache`).
 */
export function readImageSize(pathOrDataUri: string): ImageSize | null {
  if (pathOrDataUri.startsWith("data:")) {
    const bytes = parseDataUri(pathOrDataUri, HEADER_BYTES);
    return bytes ? imageSizeFromBytes(bytes) : null;
  }
  const cached = sizeCache.get(pathOrDataUri);
  if (cached !== undefined) return cached;
  const size = readFileImageSize(pathOrDataUri);
  sizeCache.set(pathOrDataUri, size);
  return size;
}

/** Forgets cached sizes (for a long-lived host when image files are regenerated). */
export function clearImageSizeCache(): void {
  sizeCache.clear();
}

/** The size of an image held in memory (the whole file, or at least its first 64 KiB). */
export function imageSizeFromBytes(bytes: Uint8Array): ImageSize | null {
  return sizeFromHeader(bytes, (position, length) => bytes.subarray(position, position + length));
}

/**
 * The bytes of a base64 `data:` URI (`data:image/png;base64,...`), or only its first `maxBytes`.
 * Null when it is not a base64 data URI.
 */
export function parseDataUri(uri: string, maxBytes = Infinity): Uint8Array | null {
  const comma = uri.indexOf(",");
  if (!uri.startsWith("data:") || comma === -1 || !uri.slice(0, comma).endsWith(";base64")) return null;
  // Four base64 characters encode three bytes; decode only whole quads of the needed prefix.
  const wanted = Number.isFinite(maxBytes) ? Math.ceil(maxBytes / 3) * 4 : uri.length;
  return Buffer.from(uri.slice(comma + 1, comma + 1 + wanted), "base64");
}

function readFileImageSize(path: string): ImageSize | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    const headerLength = readSync(fd, header, 0, HEADER_BYTES, 0);
    const readAt: ReadAt = (position, length) => {
      if (position + length <= headerLength) return header.subarray(position, position + length);
      const bytes = Buffer.allocUnsafe(length);
      return bytes.subarray(0, readSync(fd, bytes, 0, length, position));
    };
    return sizeFromHeader(header.subarray(0, headerLength), readAt);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function sizeFromHeader(head: Uint8Array, readAt: ReadAt): ImageSize | null {
  if (head.length < 10) return null;
  if (startsWith(head, PNG_SIGNATURE)) return pngSize(head);
  if (head[0] === 0xff && head[1] === 0xd8) return jpegSize(readAt);
  if (startsWithAscii(head, 0, "GIF87a") || startsWithAscii(head, 0, "GIF89a")) return positive(u16le(head, 6), u16le(head, 8));
  if (startsWithAscii(head, 0, "RIFF") && startsWithAscii(head, 8, "WEBP")) return webpSize(head);
  if (startsWithAscii(head, 0, "BM") && head.length >= 26) return positive(i32le(head, 18), Math.abs(i32le(head, 22)));
  return null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(head: Uint8Array): ImageSize | null {
  // The first chunk is always IHDR: length(4) "IHDR"(4) width(4) height(4), big-endian.
  if (head.length < 24 || !startsWithAscii(head, 12, "IHDR")) return null;
  return positive(u32be(head, 16), u32be(head, 20));
}

/** Walks the JPEG segments (jumping over each by its length) to the first SOFn frame header. */
function jpegSize(readAt: ReadAt): ImageSize | null {
  let position = 2;
  while (position < MAX_JPEG_SCAN_BYTES) {
    const marker = readAt(position, 9);
    if (marker.length < 4 || marker[0] !== 0xff) return null;
    const code = marker[1];
    if (code === 0xff) {
      position++; // fill byte
      continue;
    }
    // Standalone markers have no length field.
    if (code === 0x01 || (code >= 0xd0 && code <= 0xd7)) {
      position += 2;
      continue;
    }
    if (code === 0xd9 || code === 0xda) return null; // end of image / start of scan before any frame
    if (isStartOfFrame(code)) {
      if (marker.length < 9) return null;
      return positive(u16be(marker, 7), u16be(marker, 5));
    }
    position += 2 + u16be(marker, 2);
  }
  return null;
}

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(code: number): boolean {
  return code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc;
}

function webpSize(head: Uint8Array): ImageSize | null {
  if (head.length < 30) return null;
  if (startsWithAscii(head, 12, "VP8 ")) {
    // Lossy: a key frame starts with a 3-byte tag, then the start code 9d 01 2a, then 14-bit sizes.
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return null;
    return positive(u16le(head, 26) & 0x3fff, u16le(head, 28) & 0x3fff);
  }
  if (startsWithAscii(head, 12, "VP8L")) {
    // Lossless: signature 0x2f, then width-1 and height-1 as two 14-bit little-endian fields.
    if (head[20] !== 0x2f) return null;
    const bits = head[21] | (head[22] << 8) | (head[23] << 16) | (head[24] << 24);
    return positive((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (startsWithAscii(head, 12, "VP8X")) {
    // Extended: canvas width-1 and height-1 as 24-bit little-endian at 24 and 27.
    return positive(u24le(head, 24) + 1, u24le(head, 27) + 1);
  }
  return null;
}

function positive(width: number, height: number): ImageSize | null {
  return width > 0 && height > 0 ? { width, height } : null;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}

function startsWithAscii(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

const u16be = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number): number => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const i32le = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
