/** PNG in and out for task images (fast-png: pure JS, no native code). */
import { convertIndexedToRgb, decode, encode } from "fast-png";
import type { RgbImage } from "./types";

/** An 8-bit RGB PNG of the image. */
export function encodeRgbPng(image: RgbImage): Uint8Array {
  if (image.rgb.length !== image.width * image.height * 3) {
    throw new Error(`encodeRgbPng: ${image.width}x${image.height} RGB needs ${image.width * image.height * 3} bytes, got ${image.rgb.length}`);
  }
  return encode({ width: image.width, height: image.height, data: image.rgb, channels: 3, depth: 8 });
}

/**
 * Decodes a PNG to 8-bit RGB: grey is spread to three channels, alpha is dropped (task images are
 * opaque), 16-bit samples keep their high byte, palettes are looked up.
 * @throws Error naming `where` when the bytes are not a PNG or use a layout this does not read.
 */
export function decodeRgbPng(bytes: Uint8Array, where: string): RgbImage {
  let png;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new Error(`${where}: not a readable PNG (${(error as Error).message})`);
  }
  const { width, height } = png;
  const pixels = width * height;
  let data = png.data;
  let channels = png.channels;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = data.length / pixels;
  } else if (png.depth !== 8 && png.depth !== 16) {
    throw new Error(`${where}: ${png.depth}-bit PNGs are not supported; save it as 8-bit RGB`);
  }
  const shift = png.depth === 16 && !png.palette ? 8 : 0;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) {
      // Grey (1 or 2 channels) repeats channel 0; colour takes channel c.
      const source = channels <= 2 ? i * channels : i * channels + c;
      rgb[i * 3 + c] = data[source] >> shift;
    }
  }
  return { width, height, rgb };
}
