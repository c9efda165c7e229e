/**
 * Box overlap rewards for grounding: IoU / GIoU between predicted and ground-truth regions.
 * Boxes are `[x1, y1, x2, y2]` (top-left, bottom-right).
 */
import type { ImageSize, OutcomeReward, RewardContext } from "../api/types";
import type { Box, Region } from "../../trace/types";

/**
 * - `continuous`: corners are points on a continuous plane; width = x2 - x1 (torchvision `box_iou`,
 *   COCO, Qwen-VL grounding rewards).
 * - `pixel-inclusive`: corners are pixel indices and both ends are inside the box; width = x2 - x1 + 1
 *   (classic PASCAL VOC devkit / Fast R-CNN `bbox_overlaps`).
 */
export type BoxConvention = "continuous" | "pixel-inclusive";

/** Width or height of a side, never negative (a box with x2 < x1 is empty). */
function extent(low: number, high: number, offset: number): number {
  const size = high - low + offset;
  return size > 0 ? size : 0;
}

function area(box: Box, offset: number): number {
  return extent(box[0], box[2], offset) * extent(box[1], box[3], offset);
}

function intersection(a: Box, b: Box, offset: number): number {
  return (
    extent(Math.max(a[0], b[0]), Math.min(a[2], b[2]), offset) * extent(Math.max(a[1], b[1]), Math.min(a[3], b[3]), offset)
  );
}

/** Intersection over union, in [0, 1]; 0 when the union is empty. */
export function boxIou(a: Box, b: Box, convention: BoxConvention = "continuous"): number {
  const offset = convention === "pixel-inclusive" ? 1 : 0;
  const inter = intersection(a, b, offset);
  const union = area(a, offset) + area(b, offset) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Generalised IoU (Rezatofighi et al., CVPR 2019, arXiv 1902.09630): IoU - (|C| - |A ∪ B|) / |C|, where
 * C is the smallest box enclosing both. In [-1, 1]; negative for disjoint boxes, so a prediction far
 * from its target still gets a signal.
 */
export function boxGiou(a: Box, b: Box, convention: BoxConvention = "continuous"): number {
  const offset = convention === "pixel-inclusive" ? 1 : 0;
  const inter = intersection(a, b, offset);
  const union = area(a, offset) + area(b, offset) - inter;
  const enclosing =
    extent(Math.min(a[0], b[0]), Math.max(a[2], b[2]), offset) * extent(Math.min(a[1], b[1]), Math.max(a[3], b[3]), offset);
  if (enclosing <= 0) return 0;
  const iou = union > 0 ? inter / union : 0;
  return iou - (enclosing - union) / enclosing;
}

/** Scale factors from a frame to pixels: norm1000 is 0..1000 on both axes (Qwen2-VL), norm1 is 0..1. */
function frameScale(region: Region): number {
  return region.frame === "norm1000" ? 1000 : region.frame === "norm1" ? 1 : 0;
}

/**
 * The region's box in pixels of its image. Pixel boxes are returned as they are; normalised boxes
 * need the image size and give null without it.
 */
export function toPixelBox(region: Region, imageSize: ImageSize | null): Box | null {
  const scale = frameScale(region);
  if (scale === 0) return region.box;
  if (imageSize === null) return null;
  const sx = imageSize.width / scale;
  const sy = imageSize.height / scale;
  const [x1, y1, x2, y2] = region.box;
  return [x1 * sx, y1 * sy, x2 * sx, y2 * sy];
}

export interface BoxMatch {
  /** Index into the predicted boxes. */
  pred: number;
  /** Index into the ground-truth boxes. */
  gold: number;
  /** `iouFn(pred, gold)`. */
  iou: number;
}

/**
 * Greedy one-to-one matching: repeatedly takes the (pred, gold) pair with the highest `iouFn` among
 * unused boxes. Each gold box is matched at most once and each predicted box at most once, so
 * min(#pred, #gold) pairs come back, best first (ties: lower gold index, then lower pred index).
 * Pairs that do not overlap are matched too (IoU 0, or a negative GIoU): the caller decides what they are worth.
 */
export function matchBoxes(
  pred: readonly Box[],
  gold: readonly Box[],
  iouFn: (a: Box, b: Box) => number = boxIou,
): BoxMatch[] {
  const pairs: BoxMatch[] = [];
  for (let g = 0; g < gold.length; g++) {
    for (let p = 0; p < pred.length; p++) pairs.push({ pred: p, gold: g, iou: iouFn(pred[p], gold[g]) });
  }
  pairs.sort((x, y) => y.iou - x.iou || x.gold - y.gold || x.pred - y.pred);
  const usedPred = new Uint8Array(pred.length);
  const usedGold = new Uint8Array(gold.length);
  const matches: BoxMatch[] = [];
  const wanted = Math.min(pred.length, gold.length);
  for (const pair of pairs) {
    if (matches.length === wanted) break;
    if (usedPred[pair.pred] || usedGold[pair.gold]) continue;
    usedPred[pair.pred] = 1;
    usedGold[pair.gold] = 1;
    matches.push(pair);
  }
  return matches;
}

export interface IouRewardOptions {
  name?: string;
  weight?: number;
  /** `iou` (default) or `giou` (can be negative). */
  variant?: "iou" | "giou";
  convention?: BoxConvention;
  /** When set, each matched pair counts 1 if its IoU/GIoU >= threshold, else 0 (R1-V's `IoU > 0.5 -> 1`). */
  threshold?: number;
  /**
   * `mean-over-gold` (the only mode): sum over matched pairs / max(#gold, #pred). With no extra
   * predictions this is the mean over ground-truth boxes; extra predictions raise the denominator.
   */
  aggregate?: "mean-over-gold";
}

/**
 * Grounding reward: greedily matches `sample.predictedRegions` to the ground-truth `sample.regions`
 * ({@link matchBoxes}, per image) and scores
 *
 *   score = Σ_matched v(pred, gold) / max(#gold, #pred),   v = IoU, GIoU, or [IoU >= threshold]
 *
 * so missing boxes and extra boxes both cost. This is the IoU reward of Visual-RFT (arXiv 2503.01785,
 * `compute_reward_iou_v2` in its `grpo.py`: summed IoU divided by max(#gt, #pred)).
 *
 * Boxes are compared in pixels, using `ctx.imageSize(region.image ?? 0)` for normalised frames. When
 * no region is in the pixel frame and the convention is `continuous`, no image size is needed
 * (IoU and GIoU do not change when x and y are scaled), so boxes are compared in the 0..1000 frame.
 * When a size is needed but unavailable the score is null and the metric `missing_image_size` is 1.
 * Null when the sample has no ground-truth regions; 0 when it has no predicted ones.
 */
export function iouReward(options: IouRewardOptions = {}): OutcomeReward {
  const { name = "iou", weight = 1, variant = "iou", convention = "continuous", threshold } = options;
  const overlap = variant === "giou" ? boxGiou : boxIou;
  const iouFn = (a: Box, b: Box): number => overlap(a, b, convention);
  const value = threshold === undefined ? (v: number) => v : (v: number) => (v >= threshold ? 1 : 0);
  return {
    name,
    weight,
    kind: "outcome",
    description: `${variant === "giou" ? "GIoU" : "IoU"} of predicted vs ground-truth boxes, summed over greedy matches / max(#gold, #pred)`,
    score(sample, ctx) {
      const gold = sample.regions;
      const pred = sample.predictedRegions;
      if (gold.length === 0) return null;
      if (pred.length === 0) return 0;
      const inPixels = convention === "pixel-inclusive" || hasPixelFrame(gold) || hasPixelFrame(pred);
      const goldBoxes = boxesByImage(gold, inPixels, ctx);
      const predBoxes = boxesByImage(pred, inPixels, ctx);
      if (goldBoxes === null || predBoxes === null) {
        ctx.log.metric("missing_image_size", 1);
        return null;
      }
      let sum = 0;
      for (const [image, goldOnImage] of goldBoxes) {
        const predOnImage = predBoxes.get(image);
        if (predOnImage === undefined) continue;
        for (const match of matchBoxes(predOnImage, goldOnImage, iouFn)) sum += value(match.iou);
      }
      return sum / Math.max(gold.length, pred.length);
    },
  };
}

/**
 * Boxes grouped by image index, in a common frame: pixels, or 0..1000 when the sample's regions
 * allow it (see {@link iouReward}). Null when an image size is needed and missing.
 */
function boxesByImage(regions: readonly Region[], inPixels: boolean, ctx: RewardContext): Map<number, Box[]> | null {
  const out = new Map<number, Box[]>();
  for (const region of regions) {
    const box = !inPixels
      ? toNorm1000Box(region)
      : toPixelBox(region, region.frame === "pixel" ? null : ctx.imageSize(region.image ?? 0));
    if (box === null) return null;
    const image = region.image ?? 0;
    const list = out.get(image);
    if (list) list.push(box);
    else out.set(image, [box]);
  }
  return out;
}

function hasPixelFrame(regions: readonly Region[]): boolean {
  for (const region of regions) if (region.frame === "pixel") return true;
  return false;
}

/** A normalised region's box in the 0..1000 frame. */
function toNorm1000Box(region: Region): Box {
  if (region.frame === "norm1000") return region.box;
  const [x1, y1, x2, y2] = region.box;
  return [x1 * 1000, y1 * 1000, x2 * 1000, y2 * 1000];
}
