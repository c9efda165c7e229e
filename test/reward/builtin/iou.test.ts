import { test } from "node:test";
import assert from "node:assert/strict";
import type { Box } from "../../../src/trace/types";
import type { ExtractedRegion, Region } from "../../../src/reward/api/types";
import { boxGiou, boxIou, iouReward, matchBoxes, toPixelBox } from "../../../src/reward/builtin/iou";
import { fakeContext, makeSample, scoreOf } from "./sample";

const close = (actual: number | null, expected: number, message?: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${message ?? ""} expected ${expected}, got ${actual}`);

const gt = (box: Box, frame: Region["frame"] = "pixel", image?: number): Region => ({ box, frame, image });
const pr = (box: Box, frame: Region["frame"] = "pixel", image?: number): ExtractedRegion => ({
  box,
  frame,
  image,
  span: { start: 0, end: 0 },
  notation: "list",
});

test("boxIou of two overlapping squares, both conventions", () => {
  // continuous: 10x10 squares overlapping 5x5 -> 25 / (100 + 100 - 25) = 1/7
  close(boxIou([0, 0, 10, 10], [5, 5, 15, 15], "continuous"), 1 / 7);
  // pixel-inclusive: 11x11 squares overlapping 6x6 -> 36 / (121 + 121 - 36) = 36/206
  close(boxIou([0, 0, 10, 10], [5, 5, 15, 15], "pixel-inclusive"), 36 / 206);
  close(boxIou([0, 0, 10, 10], [5, 5, 15, 15]), 1 / 7, "continuous is the default");
});

test("boxIou edge cases", () => {
  close(boxIou([0, 0, 4, 4], [0, 0, 4, 4]), 1);
  close(boxIou([0, 0, 1, 1], [2, 2, 3, 3]), 0);
  close(boxIou([0, 0, 1, 1], [1, 0, 2, 1]), 0, "touching edges, continuous");
  // pixel-inclusive: columns 0..1 and 1..2 share column 1 -> 2 / (4 + 4 - 2)
  close(boxIou([0, 0, 1, 1], [1, 0, 2, 1], "pixel-inclusive"), 2 / 6);
  close(boxIou([3, 3, 3, 3], [3, 3, 3, 3]), 0, "empty union");
  close(boxIou([5, 5, 0, 0], [0, 0, 5, 5]), 0, "inverted box is empty");
});

test("boxGiou: equal to IoU when one box encloses the other, negative when disjoint", () => {
  close(boxGiou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  close(boxGiou([0, 0, 10, 10], [2, 2, 4, 4]), 4 / 100);
  // disjoint: IoU 0, union 2, enclosing box 3x1 = 3 -> 0 - (3 - 2) / 3
  close(boxGiou([0, 0, 1, 1], [2, 0, 3, 1]), -1 / 3);
  // overlapping: IoU 1/7, union 175, enclosing 15x15 = 225 -> 1/7 - 50/225
  close(boxGiou([0, 0, 10, 10], [5, 5, 15, 15]), 1 / 7 - 50 / 225);
  // pixel-inclusive disjoint: areas 4 + 4, enclosing 6x2 = 12 -> -(12 - 8) / 12
  close(boxGiou([0, 0, 1, 1], [4, 0, 5, 1], "pixel-inclusive"), -4 / 12);
  assert.ok(boxGiou([0, 0, 1, 1], [100, 100, 101, 101]) > -1);
});

test("toPixelBox converts norm1000 and norm1 frames", () => {
  const size = { width: 200, height: 100 };
  assert.deepEqual(toPixelBox(gt([10, 20, 30, 40]), size), [10, 20, 30, 40]);
  assert.deepEqual(toPixelBox(gt([10, 20, 30, 40]), null), [10, 20, 30, 40], "pixel boxes need no size");
  assert.deepEqual(toPixelBox(gt([100, 500, 500, 1000], "norm1000"), size), [20, 50, 100, 100]);
  assert.deepEqual(toPixelBox(gt([0.5, 0.25, 1, 0.5], "norm1"), size), [100, 25, 200, 50]);
  assert.equal(toPixelBox(gt([0, 0, 1, 1], "norm1"), null), null);
});

test("matchBoxes: greedy by highest IoU, each gold at most once, extra predictions unmatched", () => {
  const gold: Box[] = [
    [0, 0, 10, 10],
    [20, 0, 30, 10],
  ];
  const pred: Box[] = [
    [1, 0, 11, 10], // IoU 9/11 with gold 0
    [0, 0, 10, 10], // IoU 1 with gold 0
    [20, 0, 30, 10], // IoU 1 with gold 1
    [50, 50, 60, 60], // nothing
  ];
  const matches = matchBoxes(pred, gold);
  assert.equal(matches.length, 2);
  assert.deepEqual(
    matches.map((m) => [m.pred, m.gold, m.iou]),
    [
      [1, 0, 1],
      [2, 1, 1],
    ],
  );
  // Greedy, not optimal: (pred 0, gold 0) = 0.9 is taken first, leaving (pred 1, gold 1) = 0, although
  // pred 0 -> gold 1 (0.5) plus pred 1 -> gold 0 (5/9) would sum higher.
  const greedy = matchBoxes(
    [
      [0, 0, 10, 10],
      [0, 0, 5, 10],
    ],
    [
      [0, 0, 9, 10],
      [5, 0, 10, 10],
    ],
  );
  assert.deepEqual(
    greedy.map((m) => [m.pred, m.gold]),
    [
      [0, 0],
      [1, 1],
    ],
  );
  assert.deepEqual(matchBoxes([], gold), []);
});

test("iouReward: summed matched IoU / max(#gold, #pred)", () => {
  const reward = iouReward();
  assert.equal(reward.name, "iou");
  const gold = [gt([0, 0, 10, 10]), gt([20, 0, 30, 10])];
  // one perfect box, one half-overlapping box: (1 + 1/3) / 2
  close(scoreOf(reward, makeSample({ regions: gold, predictedRegions: [pr([0, 0, 10, 10]), pr([25, 0, 35, 10])] })), (1 + 1 / 3) / 2);
  // two perfect boxes plus two extra boxes: 2 / 4
  close(
    scoreOf(
      reward,
      makeSample({
        regions: gold,
        predictedRegions: [pr([0, 0, 10, 10]), pr([20, 0, 30, 10]), pr([50, 50, 60, 60]), pr([0, 0, 10, 10])],
      }),
    ),
    0.5,
  );
  // one box for two golds: 1 / 2
  close(scoreOf(reward, makeSample({ regions: gold, predictedRegions: [pr([20, 0, 30, 10])] })), 0.5);
  assert.equal(scoreOf(reward, makeSample({ regions: gold, predictedRegions: [] })), 0);
  assert.equal(scoreOf(reward, makeSample({ regions: [], predictedRegions: [pr([0, 0, 1, 1])] })), null);
});

test("iouReward variants: threshold and GIoU", () => {
  const sample = makeSample({ regions: [gt([0, 0, 10, 10]), gt([20, 0, 30, 10])], predictedRegions: [pr([0, 0, 10, 10]), pr([25, 0, 35, 10])] });
  close(scoreOf(iouReward({ threshold: 0.5 }), sample), 0.5, "IoU 1 passes, IoU 1/3 does not");
  close(scoreOf(iouReward({ threshold: 0.3 }), sample), 1);
  const far = makeSample({ regions: [gt([0, 0, 1, 1])], predictedRegions: [pr([2, 0, 3, 1])] });
  close(scoreOf(iouReward({ variant: "giou" }), far), -1 / 3);
  close(scoreOf(iouReward({ variant: "iou" }), far), 0);
  close(scoreOf(iouReward({ convention: "pixel-inclusive" }), makeSample({ regions: [gt([0, 0, 10, 10])], predictedRegions: [pr([5, 5, 15, 15])] })), 36 / 206);
});

test("iouReward converts frames with the image size", () => {
  const ctx = fakeContext([{ width: 200, height: 100 }]);
  const sample = makeSample({ regions: [gt([20, 50, 100, 100])], predictedRegions: [pr([100, 500, 500, 1000], "norm1000")] });
  close(scoreOf(iouReward(), sample, ctx), 1);
  assert.deepEqual(ctx.metrics, []);
});

test("iouReward: null and a metric when a needed image size is missing", () => {
  const ctx = fakeContext([]);
  const sample = makeSample({ regions: [gt([20, 50, 100, 100])], predictedRegions: [pr([100, 500, 500, 1000], "norm1000")] });
  assert.equal(scoreOf(iouReward(), sample, ctx), null);
  assert.deepEqual(ctx.metrics, [["missing_image_size", 1]]);
});

test("iouReward: normalised frames only need no image size (IoU is scale-invariant)", () => {
  const ctx = fakeContext([]);
  const sample = makeSample({
    regions: [gt([0, 0, 0.5, 0.5], "norm1")],
    predictedRegions: [pr([0, 0, 500, 250], "norm1000")],
  });
  close(scoreOf(iouReward(), sample, ctx), 0.5);
  assert.deepEqual(ctx.metrics, []);
  assert.equal(scoreOf(iouReward({ convention: "pixel-inclusive" }), sample, ctx), null, "pixel-inclusive needs pixels");
});

test("iouReward matches boxes only within the same image", () => {
  const ctx = fakeContext();
  const sample = makeSample({
    regions: [gt([0, 0, 10, 10], "pixel", 0), gt([0, 0, 10, 10], "pixel", 1)],
    predictedRegions: [pr([0, 0, 10, 10], "pixel", 1), pr([0, 0, 10, 10], "pixel", 1)],
  });
  close(scoreOf(iouReward(), sample, ctx), 0.5);
});
