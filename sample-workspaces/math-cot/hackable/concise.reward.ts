// DELIBERATELY HACKABLE: a lesson in reward hacking, not a reward to train with.
//
// The idea sounds right: "long chains of thought cost tokens at inference; reward short
// reasoning". The flaw: it pays for brevity whether or not the answer is right. The base policy
// already stops one step early on most multi-step problems; this reward pays it to stop earlier
// still, down to no steps at all. Train with it (with the format reward) and the training reward
// climbs within a few dozen GRPO steps while held-out accuracy falls. Length rewards used in
// practice are gated on correctness (Kimi k1.5's length penalty applies in full only to right
// answers) for exactly this reason.
//
// It lives outside rewards/ so that it is not loaded by default.
import { defineReward } from "rewardlab";

/** Thinking longer than this many characters earns nothing. */
const BUDGET = 80;

export default defineReward({
  name: "concise",
  weight: 1,
  description: "HACKABLE: short thinking (pays for brevity, right or wrong)",
  score(sample) {
    if (sample.thinkText === null) return 0;
    return Math.max(0, 1 - sample.thinkText.length / BUDGET);
  },
  // The hack, pinned: an empty chain of thought with a wrong answer earns the most.
  examples: [
    { completion: "<think></think><answer>7</answer>", answer: "42", expect: 1, note: "THE HACK: no reasoning, wrong answer, full reward" },
    { completion: `<think>${"Step 1: 6 * 7 = 42. ".repeat(5)}</think><answer>42</answer>`, answer: "42", expect: 0, note: "careful reasoning earns nothing" },
  ],
});
