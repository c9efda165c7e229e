import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { clearImageSizeCache, imageSizeFromBytes, parseDataUri, readImageSize } from "../../src/trace/images";

const dir = mkdtempSync(join(tmpdir(), "rewardlab-images-"));

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A valid greyscale PNG of the given size (all black). */
function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height); // filter byte + pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function segment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** A JPEG header: SOI, JFIF APP0, optional padding APP1, then a SOFn frame header. */
function jpeg(width: number, height: number, sofMarker = 0xc0, appBytes = 16): Buffer {
  const sof = Buffer.from([8, 0, 0, 0, 0, 1, 1, 0x11, 0]);
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", "latin1")),
    segment(0xe1, Buffer.alloc(appBytes)),
    segment(0xc4, Buffer.alloc(20)), // DHT shares the SOF range and must be skipped
    Buffer.from([0xff, 0xff]), // fill byte
    segment(sofMarker, sof),
    Buffer.from([0xff, 0xda, 0, 2, 0xff, 0xd9]),
  ]);
}

function write(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

test("PNG sizes come from IHDR (a real, decodable PNG)", () => {
  assert.deepEqual(readImageSize(write("a.png", png(37, 19))), { width: 37, height: 19 });
  assert.deepEqual(imageSizeFromBytes(png(1, 1)), { width: 1, height: 1 });
});

test("JPEG sizes come from the first SOF marker, baseline or progressive", () => {
  assert.deepEqual(readImageSize(write("a.jpg", jpeg(640, 480))), { width: 640, height: 480 });
  assert.deepEqual(imageSizeFromBytes(jpeg(3000, 2000, 0xc2)), { width: 3000, height: 2000 });
});

test("a JPEG frame header after more than 64 KiB of metadata is still found", () => {
  assert.deepEqual(readImageSize(write("exif.jpg", jpeg(123, 45, 0xc0, 65000 + 200))), { width: 123, height: 45 });
});

test("GIF, BMP and WebP (VP8, VP8L, VP8X) headers", () => {
  const gif = Buffer.from("GIF89a\x0a\x00\x05\x00\x00\x00\x00", "latin1");
  assert.deepEqual(imageSizeFromBytes(gif), { width: 10, height: 5 });

  const bmp = Buffer.alloc(54);
  bmp.write("BM", 0, "ascii");
  bmp.writeInt32LE(20, 18);
  bmp.writeInt32LE(-30, 22); // top-down bitmap
  assert.deepEqual(imageSizeFromBytes(bmp), { width: 20, height: 30 });

  const riff = (chunk: string, data: number[]): Buffer => {
    const out = Buffer.alloc(40);
    out.write("RIFF", 0, "ascii");
    out.write("WEBP", 8, "ascii");
    out.write(chunk, 12, "ascii");
    Buffer.from(data).copy(out, 20);
    return out;
  };
  // VP8: frame tag (3 bytes), start code 9d 01 2a, width 400, height 300 (14-bit little-endian).
  assert.deepEqual(imageSizeFromBytes(riff("VP8 ", [0, 0, 0, 0x9d, 0x01, 0x2a, 0x90, 0x01, 0x2c, 0x01])), { width: 400, height: 300 });
  // VP8L: signature 0x2f, width-1 = 99, height-1 = 49 packed as 14 + 14 bits.
  const bits = 99 | (49 << 14);
  assert.deepEqual(imageSizeFromBytes(riff("VP8L", [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >> 24) & 0xff])), { width: 100, height: 50 });
  // VP8X: flags(4), canvas width-1 = 1999 and height-1 = 999 as 24-bit little-endian.
  assert.deepEqual(imageSizeFromBytes(riff("VP8X", [0, 0, 0, 0, 0xcf, 0x07, 0x00, 0xe7, 0x03, 0x00])), { width: 2000, height: 1000 });
});

test("data: URIs are decoded (only the header is needed)", () => {
  const uri = `data:image/png;base64,${png(64, 48).toString("base64")}`;
  assert.deepEqual(readImageSize(uri), { width: 64, height: 48 });
  assert.deepEqual([...(parseDataUri("data:text/plain;base64,aGk=") ?? [])], [104, 105]);
  assert.equal(parseDataUri("data:text/plain,hi"), null);
  assert.equal(readImageSize("data:image/png;base64,"), null);
});

test("missing, truncated and unknown files give null", () => {
  assert.equal(readImageSize(join(dir, "nope.png")), null);
  assert.equal(readImageSize(write("short.png", png(5, 5).subarray(0, 20))), null);
  assert.equal(readImageSize(write("text.png", Buffer.from("not an image at all"))), null);
  assert.equal(imageSizeFromBytes(jpeg(0, 10)), null);
  assert.equal(imageSizeFromBytes(Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0, 0, 0, 0, 0, 0])), null);
});

test("sizes are cached per path until the cache is cleared", () => {
  const path = write("cached.png", png(8, 9));
  assert.deepEqual(readImageSize(path), { width: 8, height: 9 });
  unlinkSync(path);
  assert.deepEqual(readImageSize(path), { width: 8, height: 9 });
  clearImageSizeCache();
  assert.equal(readImageSize(path), null);
});
