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
  examples: [
    { completion: "<think>two red shapes</think><answer>2</answer>", answer: "2", expect: 1 },
    { completion: "<think>one</think><answer>1</answer>", answer: "2", expect: 0, note: "a count one short" },
    { completion: "<answer>[10, 10, 30, 30]</answer>", answer: "[10, 10, 30, 30]", expect: 1, note: "the exact box" },
    { completion: "<answer>[12, 12, 32, 32]</answer>", answer: "[10, 10, 30, 30]", expect: 1, note: "a box with IoU >= 0.5 counts" },
    { completion: "<answer>[0, 0, 20, 20]</answer>", answer: "[10, 10, 30, 30]", expect: 0, note: "IoU 0.14: wrong" },
  ],
});
