// Process reward: each reasoning step that states "x op y = z" scores 1 when the arithmetic is
// right and 0 when it is wrong; steps without an equation are not applicable (null).
import { defineReward } from "rewardlab";
import { checkEquations } from "./lib/equations";

export default defineReward({
  name: "arithmetic",
  kind: "process",
  aggregate: "min",
  weight: 0.5,
  description: "every written equation in the chain of thought is correct",
  score(sample) {
    return sample.steps.map((step) => checkEquations(step.text));
  },
});
