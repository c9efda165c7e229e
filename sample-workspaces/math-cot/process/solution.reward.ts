// Process reward: each reasoning step is judged against the problem, as a process reward model
// (PRM) would label it: 1 when the step is the next step of a solution (the right numbers, the
// right operation, the right result), 0 otherwise, and 0 for a last step that concludes before
// the problem is done (the base policy's habit: it often stops one step early). The mean over
// steps gives partial credit: a chain with two right steps out of three scores more than one that
// is wrong from the start, where an outcome reward scores both 0.
//
// It lives outside rewards/ so that the default training set stays outcome-based; the learn
// benchmark (npm run bench -- learn) trains with it instead of the accuracy reward to compare
// process and outcome supervision on the same budget.
import { defineReward } from "rewardlab";
import { solutionSteps, statesStep } from "../rewards/lib/problem";

export default defineReward({
  name: "solution",
  kind: "process",
  aggregate: "mean",
  weight: 1,
  description: "each step is the next step of a solution of this problem; stopping early scores the last step 0",
  score(sample) {
    const solution = solutionSteps(sample.prompt ?? "");
    if (!solution || sample.steps.length === 0) return null;
    return sample.steps.map((step, k) => {
      const right = k < solution.length && statesStep(step.text, solution[k]);
      const early = k === sample.steps.length - 1 && sample.steps.length < solution.length;
      return right && !early ? 1 : 0;
    });
  },
});
