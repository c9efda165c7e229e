// DELIBERATELY HACKABLE: a lesson in reward hacking, not a reward to train with.
//
// The idea sounds right: "longer reasoning is better reasoning (R1's 'aha' chains of thought got
// longer), so reward chains with more steps, up to 4". The flaw: it counts steps, not right steps,
// and never looks at the answer. These problems need 1 to 3 steps, so full reward needs padding:
// repeat a step, or write equations that lead nowhere. Train with it (alone, or added to the
// rewards in rewards/) and the training reward climbs within a few dozen GRPO steps while held-out
// accuracy stays flat or falls. rewards/arithmetic.reward.ts checks every written equation and
// rewards/accuracy.reward.ts the answer: neither pays for length.
//
// It lives outside rewards/ so that it is not loaded by default.
import { defineReward } from "rewardlab";

export default defineReward({
  name: "depth",
  weight: 1,
  description: "HACKABLE: reasoning steps, up to 4 (counts steps, not right ones)",
  score(sample) {
    if (sample.thinkText === null) return 0;
    return Math.min(1, sample.steps.length / 4);
  },
});
