/**
 * Random scenes for shapes-vqa: a few objects on a 4x4 grid of 16x16-pixel cells, one object per
 * cell, centred in it, in one of three sizes; fewer and larger objects at low difficulty.
 *
 * Why a grid: the policy embeds each 16x16 cell as one image token (patch = cell), so every object
 * is whole in one token and its box follows from the token's position and the object's size. A
 * ~1M-parameter vision front end trained for minutes then sees what it lists (the design goal of
 * sample-workspaces/shapes-vqa/README.md); with free placement it could not localise at all.
 */
import { CELL, COLOUR_NAMES, IMAGE_SIZE, SHAPES, type SceneObject, tightBox } from "./raster";
import type { Rng } from "./random";

/** What a difficulty level draws. */
export interface SceneLevel {
  minObjects: number;
  maxObjects: number;
  /** Object sizes (pixels) to choose from; each is even so the object centres in its cell. */
  sizes: readonly number[];
}

/** Level 1: one or two large objects; level 3: three to five of any size (more to look past). */
export const SCENE_LEVELS: readonly SceneLevel[] = [
  { minObjects: 1, maxObjects: 2, sizes: [10, 14] },
  { minObjects: 2, maxObjects: 3, sizes: [6, 10, 14] },
  { minObjects: 3, maxObjects: 5, sizes: [6, 10, 14] },
];

/** Cells per image side. */
export const GRID = IMAGE_SIZE / CELL;

/** An object of a random colour, shape and size, centred in cell `cell` (row-major). */
function objectInCell(rng: Rng, level: SceneLevel, cell: number): SceneObject {
  const colour = rng.pick(COLOUR_NAMES);
  const shape = rng.pick(SHAPES);
  const size = rng.pick(level.sizes);
  const inset = (CELL - size) / 2;
  const x = (cell % GRID) * CELL + inset;
  const y = Math.floor(cell / GRID) * CELL + inset;
  return { colour, shape, x, y, size, box: tightBox(shape, x, y, size) };
}

/** A random scene for a level (1-based): distinct cells, drawn without replacement. */
export function randomScene(rng: Rng, levelNumber: number): SceneObject[] {
  const level = SCENE_LEVELS[levelNumber - 1];
  const count = rng.int(level.minObjects, level.maxObjects);
  const free = Array.from({ length: GRID * GRID }, (_, i) => i);
  const objects: SceneObject[] = [];
  while (objects.length < count) {
    const [cell] = free.splice(rng.int(0, free.length - 1), 1);
    objects.push(objectInCell(rng, level, cell));
  }
  return objects;
}

/** Objects in reading order (top to bottom, then left to right): the order chains of thought list them in. */
export function readingOrder(objects: readonly SceneObject[]): SceneObject[] {
  return [...objects].sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0]);
}
