// Grounding reward for "Where is the …?" questions: the IoU of the box written in <answer> with the
// true box, a smooth signal where accuracy (IoU >= 0.5) is all or nothing. Not applicable (null) to
// other questions. Boxes in the chain of thought are judged by grounding.reward.ts instead.
import { defineReward, iouReward } from "rewardlab";
import { parseBox } from "./lib/shapes";

const answerIou = iouReward({ name: "iou", convention: "pixel-inclusive" });

export default defineReward({
  name: "iou",
  weight: 0.5,
  description: "locate questions: IoU of the answer box with the true box",
  score(sample, ctx) {
    const gold = typeof sample.answer === "string" ? parseBox(sample.answer) : null;
    if (!gold) return null;
    const span = sample.answerSpan;
    if (!span) return 0;
    const inAnswer = sample.predictedRegions.filter((r) => r.span.start >= span.start && r.span.end <= span.end);
    // The built-in reward compares sample.regions with sample.predictedRegions: give it a view of
    // the sample with only the asked-for box and only the boxes of the answer.
    const view = Object.create(sample, {
      regions: { value: [{ box: gold, frame: "pixel" }] },
      predictedRegions: { value: inAnswer },
    });
    return answerIou.score(view, ctx);
  },
});
