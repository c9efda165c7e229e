/**
 * Random scenes for shapes-vqa: a few non-overlapping objects, fewer and larger at low difficulty.
 */
import { CELL, COLOUR_NAMES, IMAGE_SIZE, SHAPES, type SceneObject, tightBox } from "./raster";
import type { Rng } from "./random";
import type { Box } from "./types";

/** What a difficulty level draws. */
export interface SceneLevel {
  minObjects: number;
  maxObjects: number;
  minSize: number;
  maxSize: number;
}

/** Level 1: one or two large objects; level 3: three to five smaller ones (more to look past). */
export const SCENE_LEVELS: readonly SceneLevel[] = [
  { minObjects: 1, maxObjects: 2, minSize: 12, maxSize: 22 },
  { minObjects: 2, maxObjects: 3, minSize: 10, maxSize: 20 },
  { minObjects: 3, maxObjects: 5, minSize: 8, maxSize: 18 },
];

/** Empty pixels kept between two objects' boxes, so objects never touch and counts are unambiguous. */
const GAP = 2;
/** Empty pixels kept at the image border. */
const MARGIN = 1;
const PLACEMENT_TRIES = 60;

function separated(a: Box, b: Box): boolean {
  return a[2] + GAP < b[0] || b[2] + GAP < a[0] || a[3] + GAP < b[1] || b[3] + GAP < a[1];
}

/** One object of a random colour, shape and size at a free place, or null when none was found. */
function placeObject(rng: Rng, level: SceneLevel, placed: readonly SceneObject[]): SceneObject | null {
  const colour = rng.pick(COLOUR_NAMES);
  const shape = rng.pick(SHAPES);
  for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
    const size = rng.int(level.minSize, level.maxSize);
    const x = rng.int(MARGIN, IMAGE_SIZE - MARGIN - size);
    const y = rng.int(MARGIN, IMAGE_SIZE - MARGIN - size);
    const box = tightBox(shape, x, y, size);
    if (placed.every((other) => separated(box, other.box))) return { colour, shape, x, y, size, box };
  }
  return null;
}

/** A random scene for a level (1-based). Crowded draws are retried, so the object count is as drawn. */
export function randomScene(rng: Rng, levelNumber: number): SceneObject[] {
  const level = SCENE_LEVELS[levelNumber - 1];
  const count = rng.int(level.minObjects, level.maxObjects);
  while (true) {
    const objects: SceneObject[] = [];
    while (objects.length < count) {
      const object = placeObject(rng, level, objects);
      if (!object) break;
      objects.push(object);
    }
    if (objects.length === count) return objects;
  }
}

/**
 * The "grid" layout (experimental, issue 17): objects centred in the cells of a 4x4 grid of 16x16
 * cells, one per cell, 6, 10 or 14 pixels wide; the same object counts per level as above. With
 * patch = cell, an object is whole in one image token and its box follows from the token's place
 * and the object's size, so a small vision front end can learn to localise (free placement with
 * 8x8 patches never did).
 */
const GRID_SIZES: readonly (readonly number[])[] = [[10, 14], [6, 10, 14], [6, 10, 14]];
const GRID = IMAGE_SIZE / CELL;

/** A random grid scene for a level (1-based): distinct cells, drawn without replacement. */
export function gridScene(rng: Rng, levelNumber: number): SceneObject[] {
  const level = SCENE_LEVELS[levelNumber - 1];
  const count = rng.int(level.minObjects, level.maxObjects);
  const free = Array.from({ length: GRID * GRID }, (_, i) => i);
  const objects: SceneObject[] = [];
  while (objects.length < count) {
    const [cell] = free.splice(rng.int(0, free.length - 1), 1);
    const colour = rng.pick(COLOUR_NAMES);
    const shape = rng.pick(SHAPES);
    const size = rng.pick(GRID_SIZES[levelNumber - 1]);
    const inset = (CELL - size) / 2;
    const x = (cell % GRID) * CELL + inset;
    const y = Math.floor(cell / GRID) * CELL + inset;
    objects.push({ colour, shape, x, y, size, box: tightBox(shape, x, y, size) });
  }
  return objects;
}

/** Objects in reading order (top to bottom, then left to right): the order chains of thought list them in. */
export function readingOrder(objects: readonly SceneObject[]): SceneObject[] {
  return [...objects].sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0]);
}
