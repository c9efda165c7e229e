// Images for the policy: PNG files -> `[S, S, 3]` Float32Arrays scaled to [-1, 1].

import { readFileSync } from "node:fs";
import { decodeRgbPng } from "./tasks/png";

/** RGB bytes `[S, S, 3]` -> policy input values in [-1, 1]. */
export function pixelsFromRgb(rgb: Uint8Array): Float32Array {
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = rgb[i] / 127.5 - 1;
  return out;
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
      const { width, height, rgb } = decodeRgbPng(bytes, path);
      if (width !== this.size || height !== this.size) {
        throw new Error(`${path}: image is ${width}x${height}, the policy expects ${this.size}x${this.size}`);
      }
      pixels = pixelsFromRgb(rgb);
      this.cache.set(path, pixels);
    }
    return pixels;
  }
}
