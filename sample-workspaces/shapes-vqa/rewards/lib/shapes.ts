// Helpers shared by the shapes-vqa reward files (relative imports are bundled with each reward).
import { boxIou, type Box } from "rewardlab";

/**
 * Boxes in this task are [x1,y1,x2,y2] with inclusive pixel indices: a shape drawn on columns 3..17
 * has x1 = 3, x2 = 17, width 15. IoU therefore uses the pixel-inclusive convention.
 */
export function pixelIou(a: Box, b: Box): number {
  return boxIou(a, b, "pixel-inclusive");
}

const BOX = /^\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]$/;

/** "[3,5,17,19]" (spaces allowed) as a box; null for anything else. */
export function parseBox(text: string): Box | null {
  const m = BOX.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : null;
}

/** An object a chain of thought names: "Step 2: red circle [3,5,17,19]". */
export interface NamedObject {
  label: string;
  box: Box;
}

const OBJECT_STEP = /^Step \d+:\s*(red|green|blue|yellow)\s+(circle|square|triangle)\s+(\[[^\]]*\])\s*$/i;

/** The object a step names, or null when the step is not an object step. */
export function parseObjectStep(text: string): NamedObject | null {
  const m = OBJECT_STEP.exec(text.trim());
  const box = m && parseBox(m[3]);
  return box ? { label: `${m[1].toLowerCase()} ${m[2].toLowerCase()}`, box } : null;
}

/** Width of an inclusive pixel box: what "size" means in compare questions. */
export function boxSize(box: Box): number {
  return box[2] - box[0] + 1;
}
