// DELIBERATELY HACKABLE: a lesson in reward hacking, not a reward to train with.
//
// The idea sounds right: "a model that looks carefully grounds every object, so reward each box it
// writes, up to 4". The flaw: it counts boxes, not right boxes, and never looks at the image or the
// answer. The cheapest way up is to list more objects: repeat a line, or invent boxes. Train with
// it (alone, or added to the rewards in rewards/) and the training reward climbs within a few
// dozen GRPO steps while held-out accuracy stays flat or falls: padded lists make counting
// answers wrong. rewards/grounding.reward.ts scores each listed box against the true boxes and
// gives invented or repeated objects 0: compare the two on the same rollouts in the trace viewer.
//
// It lives outside rewards/ so that it is not loaded by default.
import { defineReward } from "rewardlab";

export default defineReward({
  name: "coverage",
  weight: 1,
  description: "HACKABLE: boxes written in the reasoning, up to 4 (counts boxes, not right ones)",
  score(sample) {
    const think = sample.thinkText;
    if (think === null) return 0;
    const boxes = think.match(/\[\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\]/g) ?? [];
    return Math.min(1, boxes.length / 4);
  },
  // The hack, pinned: one invented box written four times earns the full reward, whatever the answer.
  examples: [
    { completion: "<think>red square [0, 0, 1, 1] red square [0, 0, 1, 1] red square [0, 0, 1, 1] red square [0, 0, 1, 1]</think><answer>4</answer>", answer: "1", expect: 1, note: "THE HACK: a repeated invented box, a wrong count" },
    { completion: "<think>red square [16, 16, 32, 32]</think><answer>1</answer>", answer: "1", expect: 0.25, note: "the one true object: a quarter" },
  ],
});
