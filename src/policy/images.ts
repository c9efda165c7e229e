// Images for the policy: PNG files (fast-png) -> `[S, S, 3]` Float32Arrays scaled to [-1, 1].

import { readFileSync } from "node:fs";
import { convertIndexedToRgb, decode } from "fast-png";

/** RGB bytes `[S, S, 3]` -> policy input values in [-1, 1]. */
export function pixelsFromRgb(rgb: Uint8Array): Float32Array {
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = rgb[i] / 127.5 - 1;
  return out;
}

/** Decodes PNG bytes to 8-bit RGB (alpha dropped, palettes expanded); `source` names the file in errors. */
export function decodePngRgb(bytes: Uint8Array, source: string): { width: number; height: number; rgb: Uint8Array } {
  let png;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new Error(`${source}: not a readable PNG (${(err as Error).message})`);
  }
  const { width, height } = png;
  let data: ArrayLike<number> = png.data;
  let channels = png.channels;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = png.palette[0]?.length ?? 3;
  }
  const scale = png.depth === 16 ? 257 : 1;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      const src = channels >= 3 ? data[i * channels + c] : data[i * channels]; // grey: repeat
      rgb[i * 3 + c] = Math.round(src / scale);
    }
  }
  return { width, height, rgb };
}

/** Loads images for one policy, checking their size; caches by path (datasets repeat images). */
export class ImageLoader {
  private readonly cache = new Map<string, Float32Array>();

  constructor(readonly size: number) {}

  load(path: string): Float32Array {
    let pixels = this.cache.get(path);
    if (!pixels) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(path);
      } catch (err) {
        throw new Error(`cannot read image ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const { width, height, rgb } = decodePngRgb(bytes, path);
      if (width !== this.size || height !== this.size) {
        throw new Error(`${path}: image is ${width}x${height}, the policy expects ${this.size}x${this.size}`);
      }
      pixels = pixelsFromRgb(rgb);
      this.cache.set(path, pixels);
    }
    return pixels;
  }
}
