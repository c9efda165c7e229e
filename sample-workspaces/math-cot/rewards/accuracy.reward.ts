// Outcome reward: the final answer (<answer>, \boxed{} or "final answer is") is mathematically equal to
// the ground truth, judged by Math-Verify's rules (mathVerifyReward). This workspace's answers are
// whole numbers, which numbers decide without the symbolic engine. `rewardlab test` checks the
// examples below.
import { mathVerifyReward } from "rewardlab";

export default {
  ...mathVerifyReward({ name: "accuracy", weight: 1 }),
  examples: [
    { completion: "<think>Step 1: 6 * 3 = 18.</think><answer>18</answer>", answer: "18", expect: 1 },
    { completion: "<think>Step 1: 6 * 3 = 18.</think><answer>19</answer>", answer: "18", expect: 0, note: "a wrong answer" },
    { completion: "<answer>\\boxed{18}</answer>", answer: "18", expect: 1, note: "boxed inside the tag" },
    { completion: "So the answer is 18.", answer: "18", expect: 1, note: "no tags: right by Math-Verify's rules; format marks it down" },
    { completion: "<answer>18</answer>", expect: null, note: "no ground truth: does not apply" },
  ],
};
