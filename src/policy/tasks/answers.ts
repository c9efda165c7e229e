/**
 * Whether a predicted answer is right, the same way the sample workspaces' accuracy rewards judge
 * it, so `rewardlab eval` and training report the same accuracy. Box answers (shapes-vqa "locate")
 * are right at IoU >= 0.5, the usual grounding accuracy (RefCOCO Acc@0.5); other answers must
 * match after trimming, lower-casing and collapsing spaces, numbers by value.
 */
import type { Box } from "./types";

/** IoU at or above this makes a box answer correct. */
export const BOX_IOU_THRESHOLD = 0.5;

const BOX = /^\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]$/;

/** `[x1,y1,x2,y2]` (spaces allowed) as a box, or null. */
export function parseBox(text: string): Box | null {
  const match = BOX.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])] : null;
}

/** IoU of two boxes of inclusive pixel indices (a 1-pixel box has area 1). */
export function pixelBoxIou(a: Box, b: Box): number {
  const side = (low: number, high: number) => Math.max(0, high - low + 1);
  const inter = side(Math.max(a[0], b[0]), Math.min(a[2], b[2])) * side(Math.max(a[1], b[1]), Math.min(a[3], b[3]));
  const union = side(a[0], a[2]) * side(a[1], a[3]) + side(b[0], b[2]) * side(b[1], b[3]) - inter;
  return union > 0 ? inter / union : 0;
}

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, " ").replace(/\.$/, "");
}

/**
 * Whether `predicted` (the `<answer>` text, null when there is none) answers a question whose
 * ground truth is `answer`. A box ground truth accepts any box with IoU >= 0.5.
 */
export function answerCorrect(answer: string, predicted: string | null): boolean {
  if (predicted === null) return false;
  const goldBox = parseBox(answer);
  if (goldBox) {
    const box = parseBox(predicted);
    return box !== null && pixelBoxIou(box, goldBox) >= BOX_IOU_THRESHOLD;
  }
  const gold = normalise(answer), guess = normalise(predicted);
  if (guess === "") return false;
  if (gold === guess) return true;
  const number = /^-?\d+(?:\.\d+)?$/;
  return number.test(gold) && number.test(guess) && Number(gold) === Number(guess);
}
