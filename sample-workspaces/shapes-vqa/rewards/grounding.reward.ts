// Process reward over the chain of thought, one score per step:
// - "Step N: red circle [x1,y1,x2,y2]": the IoU of the box with a true box of that label that no
//   earlier step claimed (0 for an object that is not there, or one already listed);
// - "Step N: total K": 1 when K is the number of objects listed before it, else 0;
// - "Step N: size A > B" (or <): 1 when A and B are the widths of the two boxes listed before it and
//   the sign is right, else 0;
// - anything else: not applicable (null).
// Mean over steps, so one sloppy box costs a little and a made-up object costs a lot.
import { defineReward, type Box, type Score } from "rewardlab";
import { boxSize, parseObjectStep, pixelIou } from "./lib/shapes";

const TOTAL = /^Step \d+:\s*total\s+(\d+)\s*$/i;
const SIZE = /^Step \d+:\s*size\s+(\d+)\s*([<>])\s*(\d+)\s*$/i;

function sizeStepScore(match: RegExpExecArray, listed: readonly Box[]): number {
  if (listed.length !== 2) return 0;
  const [a, b] = listed.map(boxSize);
  const [claimedA, sign, claimedB] = [Number(match[1]), match[2], Number(match[3])];
  return claimedA === a && claimedB === b && (sign === ">") === a > b ? 1 : 0;
}

export default defineReward({
  name: "grounding",
  kind: "process",
  aggregate: "mean",
  weight: 0.5,
  description: "each listed object's box matches an unclaimed true box of its label; totals and size comparisons follow from the listed boxes",
  score(sample) {
    if (sample.regions.length === 0) return null;
    const claimed = new Set<number>();
    const listed: Box[] = [];
    return sample.steps.map((step): Score => {
      const object = parseObjectStep(step.text);
      if (object) {
        listed.push(object.box);
        let best = 0, bestIndex = -1;
        sample.regions.forEach((region, i) => {
          if (claimed.has(i) || region.label !== object.label) return;
          const iou = pixelIou(object.box, region.box);
          if (iou > best) [best, bestIndex] = [iou, i];
        });
        if (bestIndex >= 0) claimed.add(bestIndex);
        return best;
      }
      const total = TOTAL.exec(step.text);
      if (total) return Number(total[1]) === listed.length ? 1 : 0;
      const size = SIZE.exec(step.text);
      if (size) return sizeStepScore(size, listed);
      return null;
    });
  },
});
