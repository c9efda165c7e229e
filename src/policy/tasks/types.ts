/**
 * Synthetic tasks the small policy learns (issue 5): the shape of one generated example and of
 * the options every generator takes.
 */
import type { Box, Region } from "../../trace/types";

export type { Box, Region };

/** How shapes-vqa places objects: anywhere (free) or one per 16x16 cell (grid). */
export type SceneLayout = "free" | "grid";

/** The synthetic tasks RewardLab ships. */
export type TaskName = "shapes-vqa" | "math-cot";

export const TASK_NAMES: readonly TaskName[] = ["shapes-vqa", "math-cot"];

/** An RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** One generated example: a prompt, its ground truth and the target completion. */
export interface TaskExample {
  id: string;
  task: TaskName;
  prompt: string;
  /** 64x64 RGB for shapes-vqa; absent for text-only tasks. */
  image?: RgbImage;
  /** Ground truth, compared with the `<answer>` text (see `answerCorrect`). */
  answer: string;
  /** Ground-truth boxes of every object in the image: inclusive pixel indices, frame "pixel", label "red circle". */
  regions?: Region[];
  /** The full target completion: `<think>Step 1: …</think><answer>…</answer>`. */
  reference: string;
  /**
   * The completion of the task's imperfect teacher, when it slips on this example (see `slipShare`
   * in generateSplits): math-cot's teacher stops one step early and answers the running total;
   * shapes-vqa's careless annotator counts one object short (of two or more), draws a loose box, or
   * names the object asked about first in a comparison. Absent when the slip cannot happen (a
   * one-step problem, a count below two, a comparison the first object wins). Not written to datasets.
   */
  slipReference?: string;
  meta: { type: string; difficulty: number; reference?: ReferenceKind };
}

/** Whose completion a training reference is: the careful teacher's, or the imperfect teacher's slip. */
export type ReferenceKind = "clean" | "slip";

/** Options shared by the generators. The same options always give the same examples. */
export interface GenerateOptions {
  seed: number;
  count: number;
  /**
   * One level, or a mix: example i gets `levels[i % levels.length]`, so a mix is balanced.
   * Levels run from 1 to the task's `maxDifficulty`.
   */
  difficulty: number | readonly number[];
  /** Example ids are `<idPrefix>-<index>` (default: the task name and the seed). */
  idPrefix?: string;
  /** Index of the first example (default 0): `first: n` continues a run that stopped at n. */
  first?: number;
  /** shapes-vqa only: "grid" (default, the shipped data: one object per 16x16 cell) or "free" placement, the first design (scene.ts). */
  layout?: SceneLayout;
}
