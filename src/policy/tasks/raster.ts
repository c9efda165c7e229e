/**
 * Drawing the shapes-vqa images: flat-coloured circles, squares and triangles on a plain light
 * background, no anti-aliasing, so every pixel belongs to exactly one object or to the background
 * and ground-truth boxes can be checked by scanning the raster.
 */
import type { Box, RgbImage } from "./types";

/** Image side in pixels: 64x64 is 8x8 patches of 8x8 for the policy's patch embedding. */
export const IMAGE_SIZE = 64;

/**
 * The "grid" layout places objects one per CELL x CELL cell; a policy for it embeds patches of the
 * same size (`rewardlab sft --patch 16`), so one image token holds one whole object (scene.ts).
 */
export const CELL = 16;

export const BACKGROUND: readonly [number, number, number] = [245, 245, 240];

/** Four colours far apart in RGB, all clearly different from the background. */
export const COLOURS = {
  red: [220, 40, 40],
  green: [40, 160, 60],
  blue: [40, 90, 220],
  yellow: [230, 180, 20],
} as const satisfies Record<string, readonly [number, number, number]>;

export type Colour = keyof typeof COLOURS;
export const COLOUR_NAMES = Object.keys(COLOURS) as Colour[];

export const SHAPES = ["circle", "square", "triangle"] as const;
export type Shape = (typeof SHAPES)[number];

/** One drawn object. `box` is its tight bounding box, inclusive pixel indices. */
export interface SceneObject {
  colour: Colour;
  shape: Shape;
  /** Top-left corner of the size x size cell the shape is drawn in. */
  x: number;
  y: number;
  size: number;
  box: Box;
}

/** "red circle": the label used in prompts, chains of thought and ground-truth regions. */
export function labelOf(object: Pick<SceneObject, "colour" | "shape">): string {
  return `${object.colour} ${object.shape}`;
}

/**
 * Whether pixel (dx, dy) of a size x size cell is inside the shape, judged at the pixel centre.
 * Circle: the inscribed disc. Triangle: apex at the top centre, base on the bottom row.
 */
export function covers(shape: Shape, size: number, dx: number, dy: number): boolean {
  const half = size / 2;
  const cx = dx + 0.5 - half;
  switch (shape) {
    case "square":
      return true;
    case "circle": {
      const cy = dy + 0.5 - half;
      return cx * cx + cy * cy <= half * half;
    }
    case "triangle":
      // Half-width grows linearly from 0.5 px on the top row to `half` on the bottom row.
      return Math.abs(cx) <= 0.5 + ((half - 0.5) * dy) / Math.max(1, size - 1);
  }
}

/** The tight box of what `covers` draws for a shape whose cell starts at (x, y). */
export function tightBox(shape: Shape, x: number, y: number, size: number): Box {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let dy = 0; dy < size; dy++) {
    for (let dx = 0; dx < size; dx++) {
      if (!covers(shape, size, dx, dy)) continue;
      x1 = Math.min(x1, x + dx);
      x2 = Math.max(x2, x + dx);
      y1 = Math.min(y1, y + dy);
      y2 = Math.max(y2, y + dy);
    }
  }
  return [x1, y1, x2, y2];
}

/** Draws the objects (later ones on top, though scenes never overlap) on the background. */
export function drawScene(objects: readonly SceneObject[], side = IMAGE_SIZE): RgbImage {
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) rgb.set(BACKGROUND, i * 3);
  for (const object of objects) {
    const colour = COLOURS[object.colour];
    for (let dy = 0; dy < object.size; dy++) {
      for (let dx = 0; dx < object.size; dx++) {
        const px = object.x + dx, py = object.y + dy;
        if (px < 0 || py < 0 || px >= side || py >= side || !covers(object.shape, object.size, dx, dy)) continue;
        rgb.set(colour, (py * side + px) * 3);
      }
    }
  }
  return { width: side, height: side, rgb };
}
