// Outcome reward: the <answer> is right. Counts and names must match the ground truth; a box
// (locate questions) is right when its IoU with the true box is at least 0.5 (RefCOCO Acc@0.5),
// because an exact pixel match is too strict to learn from. `rewardlab eval` judges the same way.
import { answersMatch, defineReward } from "rewardlab";
import { parseBox, pixelIou } from "./lib/shapes";

export default defineReward({
  name: "accuracy",
  weight: 1,
  description: "the answer matches (boxes: IoU >= 0.5 with the true box)",
  score(sample) {
    if (typeof sample.answer !== "string") return null;
    if (sample.answerText === null) return 0;
    const goldBox = parseBox(sample.answer);
    if (!goldBox) return answersMatch(sample.answerText, sample.answer) ? 1 : 0;
    const box = parseBox(sample.answerText);
    return box !== null && pixelIou(box, goldBox) >= 0.5 ? 1 : 0;
  },
});
