/**
 * shapes-vqa: questions about a 64x64 image of coloured shapes that need looking at it: count a
 * colour or a shape, locate an object (answer a box), compare two sizes. The target chain of
 * thought lists the relevant objects with their boxes, one `Step N:` line each, then concludes:
 *
 *   How many red shapes are there?
 *   <think>Step 1: red circle [3,5,17,19]
 *   Step 2: red square [30,8,44,22]
 *   Step 3: total 2</think><answer>2</answer>
 *
 * Boxes are `[x1,y1,x2,y2]`, inclusive pixel indices of the tight bounds of the drawn pixels.
 */
import { COLOUR_NAMES, IMAGE_SIZE, SHAPES, type SceneObject, drawScene, labelOf } from "./raster";
import { Rng, checkLevels, exampleId, exampleSeed, levelOf } from "./random";
import { SCENE_LEVELS, gridScene, randomScene, readingOrder } from "./scene";
import type { Box, GenerateOptions, Region, SceneLayout, TaskExample } from "./types";

export const SHAPES_MAX_DIFFICULTY = 3;

export const SHAPES_QUESTION_TYPES = ["count-colour", "count-shape", "locate", "compare"] as const;
export type ShapesQuestionType = (typeof SHAPES_QUESTION_TYPES)[number];

/** Counting questions list every counted object: at most this many keeps the completion short. */
const MAX_COUNTED = 3;
/** Compared objects differ in size by at least this many pixels, so "bigger" is clear to see. */
const MIN_SIZE_DIFFERENCE = 3;
/** How often a counting question asks about a colour or shape the scene does not have (answer 0). */
const ZERO_RATE = 0.1;
const SCENE_TRIES = 500;

interface Question {
  prompt: string;
  /** Chain-of-thought lines, without the "Step N: " prefix. */
  steps: string[];
  answer: string;
  /** The careless annotator's version (TaskExample.slipReference), or null when it has no slip to make. */
  slip: { steps: string[]; answer: string } | null;
}

/**
 * How much too large a careless annotator's box is, on every side: at least 3 pixels and 22% of the
 * side, so that its IoU with the true box is below 0.5 (a box s wide, grown by L on each side, has
 * IoU (s / (s + 2L))^2, which is under 0.5 once L > 0.207 s).
 */
const LOOSE_MIN = 3;
const LOOSE_SHARE = 0.22;

/** `[3,5,17,19]`: the box notation of prompts, steps and answers (no spaces: shorter sequences). */
export function formatBox(box: Box): string {
  return `[${box.join(",")}]`;
}

function objectStep(object: SceneObject): string {
  return `${labelOf(object)} ${formatBox(object.box)}`;
}

function sizeOf(object: SceneObject): number {
  return object.box[2] - object.box[0] + 1;
}

function isUnique(object: SceneObject, scene: readonly SceneObject[]): boolean {
  return scene.filter((other) => labelOf(other) === labelOf(object)).length === 1;
}

/** Another object shares the colour or the shape: the question cannot be answered from one attribute. */
function hasDistractor(object: SceneObject, scene: readonly SceneObject[]): boolean {
  return scene.some((other) => other !== object && (other.colour === object.colour || other.shape === object.shape));
}

/**
 * The count a counting question aims for: 0 now and then, else uniform over 1..the most the level's
 * scenes allow, so that always answering "1" is not a good strategy.
 */
function targetCount(rng: Rng, level: number): number {
  if (rng.chance(ZERO_RATE)) return 0;
  // Above level 1 one object is always left uncounted (see countBy).
  const most = SCENE_LEVELS[level - 1].maxObjects - (level > 1 ? 1 : 0);
  return rng.int(1, Math.min(MAX_COUNTED, most));
}

/**
 * A counting question over one attribute (colour or shape) with `want` matches in the scene, or
 * null when the scene has no such value. Above level 1 something must be left uncounted.
 */
function countBy<T extends string>(
  rng: Rng,
  scene: readonly SceneObject[],
  level: number,
  want: number,
  values: readonly T[],
  valueOf: (object: SceneObject) => T,
  prompt: (value: T) => string,
): Question | null {
  if (level > 1 && want >= scene.length) return null;
  const fitting = values.filter((value) => scene.filter((o) => valueOf(o) === value).length === want);
  if (fitting.length === 0) return null;
  const value = rng.pick(fitting);
  const counted = readingOrder(scene.filter((o) => valueOf(o) === value));
  const steps = counted.map(objectStep);
  steps.push(`total ${counted.length}`);
  // Slip: lists every object, then tallies one short (from two objects up). The list stays right,
  // so the base learns to see every match; only the last number is the habit RL has to remove.
  // (An earlier slip stopped listing one object short: the base then listed one object for every
  // count question and never learned when a second was there, a capacity gap RL could not close.)
  const short = String(counted.length - 1);
  const slip = counted.length >= 2 ? { steps: [...steps.slice(0, -1), `total ${short}`], answer: short } : null;
  return { prompt: prompt(value), steps, answer: String(counted.length), slip };
}

function countColour(rng: Rng, scene: readonly SceneObject[], level: number, want: number): Question | null {
  return countBy(rng, scene, level, want, COLOUR_NAMES, (o) => o.colour, (colour) => `How many ${colour} shapes are there?`);
}

function countShape(rng: Rng, scene: readonly SceneObject[], level: number, want: number): Question | null {
  return countBy(rng, scene, level, want, SHAPES, (o) => o.shape, (shape) => `How many ${shape}s are there?`);
}

function locate(rng: Rng, scene: readonly SceneObject[], level: number): Question | null {
  const candidates = scene.filter((o) => isUnique(o, scene) && (level < 3 || hasDistractor(o, scene)));
  if (candidates.length === 0) return null;
  const target = rng.pick(candidates);
  const loose = formatBox(looseBox(target.box));
  return {
    prompt: `Where is the ${labelOf(target)}?`,
    steps: [objectStep(target)],
    answer: formatBox(target.box),
    slip: { steps: [`${labelOf(target)} ${loose}`], answer: loose },
  };
}

function compare(rng: Rng, scene: readonly SceneObject[], level: number): Question | null {
  const unique = scene.filter((o) => isUnique(o, scene));
  if (unique.length < 2) return null;
  const first = rng.pick(unique);
  const second = rng.pick(unique.filter((o) => o !== first && Math.abs(sizeOf(o) - sizeOf(first)) >= MIN_SIZE_DIFFERENCE));
  if (!second || (level >= 3 && !hasDistractor(first, scene) && !hasDistractor(second, scene))) return null;
  const [a, b] = [sizeOf(first), sizeOf(second)];
  const steps = [objectStep(first), objectStep(second), `size ${a} ${a > b ? ">" : "<"} ${b}`];
  return {
    prompt: `Which is bigger, the ${labelOf(first)} or the ${labelOf(second)}?`,
    steps,
    answer: labelOf(a > b ? first : second),
    // Slip: names the object asked about first, whatever the sizes say (a position bias).
    slip: a < b ? { steps, answer: labelOf(first) } : null,
  };
}

/** Makes a question of one type about a scene, or null when the scene does not fit it. `want`: the count a counting question aims for. */
type QuestionMaker = (rng: Rng, scene: readonly SceneObject[], level: number, want: number) => Question | null;

const QUESTIONS: Record<ShapesQuestionType, QuestionMaker> = {
  "count-colour": countColour,
  "count-shape": countShape,
  locate,
  compare,
};

/** `<think>Step 1: a\nStep 2: b</think><answer>x</answer>`: the target completion for given steps. */
export function referenceCompletion(steps: readonly string[], answer: string): string {
  return `<think>${steps.map((step, i) => `Step ${i + 1}: ${step}`).join("\n")}</think><answer>${answer}</answer>`;
}

/** A box too large on every side (LOOSE_MIN, LOOSE_SHARE), moved inside the image at its edges. */
function looseBox([x1, y1, x2, y2]: Box): Box {
  const widen = (low: number, high: number): [number, number] => {
    const by = Math.max(LOOSE_MIN, Math.ceil(LOOSE_SHARE * (high - low + 1)));
    const side = high - low + 1 + 2 * by;
    const start = Math.max(0, Math.min(IMAGE_SIZE - side, low - by));
    return [start, start + side - 1];
  };
  const [[a, c], [b, d]] = [widen(x1, x2), widen(y1, y2)];
  return [a, b, c, d];
}

function regionsOf(scene: readonly SceneObject[]): Region[] {
  return readingOrder(scene).map((o) => ({ box: [...o.box], label: labelOf(o), frame: "pixel" }));
}

/** One example: a random question type (and count); scenes are redrawn until the question fits. */
function shapesExample(id: string, seed: number, index: number, level: number, layout: SceneLayout): TaskExample {
  const rng = new Rng(exampleSeed(exampleSeed(seed, level), index));
  const type = rng.pick(SHAPES_QUESTION_TYPES);
  // Drawn once, before the scenes: redrawing it with each rejected scene would favour easy counts.
  const want = targetCount(rng, level);
  for (let attempt = 0; attempt < SCENE_TRIES; attempt++) {
    const scene = layout === "grid" ? gridScene(rng, level) : randomScene(rng, level);
    const question = QUESTIONS[type](rng, scene, level, want);
    if (!question) continue;
    return {
      id,
      task: "shapes-vqa",
      prompt: question.prompt,
      image: drawScene(scene),
      answer: question.answer,
      regions: regionsOf(scene),
      reference: referenceCompletion(question.steps, question.answer),
      ...(question.slip ? { slipReference: referenceCompletion(question.slip.steps, question.slip.answer) } : {}),
      meta: { type, difficulty: level },
    };
  }
  throw new Error(`shapes-vqa: no scene fits a ${type} question at difficulty ${level} after ${SCENE_TRIES} tries (seed ${seed}, index ${index})`);
}

/**
 * Generates `count` shapes-vqa examples, deterministic from `seed`: example i depends only on
 * (seed, i, its level). The four question types are equally likely.
 * @throws Error when a difficulty level is outside 1..3.
 */
export function generateShapes(options: GenerateOptions): TaskExample[] {
  const { seed, count, difficulty, idPrefix = `shapes-${seed}`, first = 0, layout = "grid" } = options;
  checkLevels(difficulty, SHAPES_MAX_DIFFICULTY, "shapes-vqa");
  const examples: TaskExample[] = [];
  for (let i = first; i < first + count; i++) examples.push(shapesExample(exampleId(idPrefix, i), seed, i, levelOf(difficulty, i), layout));
  return examples;
}
