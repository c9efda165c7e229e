/**
 * Synthetic tasks for the small policy: deterministic generators, train/test splits, datasets on
 * disk, and the answer check shared by rewards and evaluation.
 */
import { generateMath, MATH_MAX_DIFFICULTY } from "./math";
import { Rng, exampleId, exampleSeed } from "./random";
import { generateShapes, SHAPES_MAX_DIFFICULTY } from "./shapes";
import type { GenerateOptions, SceneLayout, TaskExample, TaskName } from "./types";

export * from "./types";
export { generateShapes, formatBox, referenceCompletion, SHAPES_QUESTION_TYPES, SHAPES_MAX_DIFFICULTY, type ShapesQuestionType } from "./shapes";
export { generateMath, MATH_MAX_DIFFICULTY } from "./math";
export { answerCorrect, parseBox, pixelBoxIou, BOX_IOU_THRESHOLD } from "./answers";
export { writeDataset, readDataset, parseDataset, loadExamples, toRecord, DatasetError, type DatasetRecord, type DatasetMeta, type DatasetLineError } from "./dataset";
export { encodeRgbPng, decodeRgbPng } from "./png";
export { IMAGE_SIZE, CELL, BACKGROUND, COLOURS, SHAPES, labelOf, type Colour, type Shape } from "./raster";

/** The highest difficulty level of each task. */
export const MAX_DIFFICULTY: Record<TaskName, number> = { "shapes-vqa": SHAPES_MAX_DIFFICULTY, "math-cot": MATH_MAX_DIFFICULTY };

/** Runs the generator of `task`. */
export function generateTask(task: TaskName, options: GenerateOptions): TaskExample[] {
  return task === "shapes-vqa" ? generateShapes(options) : generateMath(options);
}

export interface SplitOptions {
  task: TaskName;
  seed: number;
  train: number;
  test: number;
  difficulty: number | readonly number[];
  /** shapes-vqa: "grid" (default, the shipped data) or "free", the first design. */
  layout?: SceneLayout;
  /**
   * Share of training examples whose reference comes from the task's imperfect teacher
   * (`TaskExample.slipReference`) where it can slip; default 0. Test references are always clean.
   * A base supervised on such a mix makes the slip most of the time, yet can still do the right
   * thing when it samples it, which is what RL with a verifiable reward can find and reinforce
   * (sample-workspaces/<task>/README.md says which slip and why).
   */
  slipShare?: number;
}

/**
 * A train and a test split, ids `train-00000…` and `test-00000…`. The test split comes from a
 * seed derived from `seed`; train examples whose prompt and reference also occur in the test
 * split are skipped, so held-out accuracy is not measured on memorised questions.
 */
export function generateSplits(options: SplitOptions): { train: TaskExample[]; test: TaskExample[] } {
  const { task, seed, difficulty, layout } = options;
  const test = generateTask(task, { seed: exampleSeed(seed, 0x7e57), count: options.test, difficulty, idPrefix: "test", layout }).map(({ slipReference: _, ...example }) => example);
  const held = new Set(test.map(sameQuestionKey));
  const train: TaskExample[] = [];
  for (let index = 0; train.length < options.train; index++) {
    const [example] = generateTask(task, { seed, count: 1, first: index, difficulty, idPrefix: "train", layout });
    if (held.has(sameQuestionKey(example))) continue;
    train.push(withTeacher({ ...example, id: exampleId("train", train.length) }, seed, index, options.slipShare ?? 0));
  }
  return { train, test };
}

/** The example with its slipped reference with probability `slipShare`, where it has one (seeded per index). */
function withTeacher(example: TaskExample, seed: number, index: number, slipShare: number): TaskExample {
  const { slipReference, ...rest } = example;
  if (slipShare <= 0 || slipReference === undefined) return rest;
  const slip = new Rng(exampleSeed(exampleSeed(seed, 0x5119), index)).chance(slipShare);
  return slip ? { ...rest, reference: slipReference, meta: { ...rest.meta, reference: "slip" } } : { ...rest, meta: { ...rest.meta, reference: "clean" } };
}

/** Two examples with the same key ask the same question about the same input. */
function sameQuestionKey(example: TaskExample): string {
  return `${example.prompt}\n${example.reference}`;
}
