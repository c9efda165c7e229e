/** Starting points for "RewardLab: New Reward Function". `NAME` is replaced by the reward's name. */
export interface RewardTemplate {
  label: string;
  description: string;
  source: string;
}

export const REWARD_TEMPLATES: RewardTemplate[] = [
  {
    label: "Outcome reward",
    description: "one number per sample (e.g. answer accuracy)",
    source: `import { defineReward } from "rewardlab";

/** 1 when the predicted answer equals the ground truth, else 0; null when the sample has no answer. */
export default defineReward({
  name: "NAME",
  kind: "outcome",
  weight: 1,
  score(sample) {
    if (sample.answer === undefined) return null;
    return sample.answerText?.trim() === String(sample.answer).trim() ? 1 : 0;
  },
});
`,
  },
  {
    label: "Math answer (Math-Verify rules)",
    description: "final answer mathematically equal to the ground truth: fractions, sets, intervals, relations",
    source: `import { mathVerifyReward } from "rewardlab";

/**
 * 1 when the completion's final answer (\\boxed{}, <answer>, "final answer is ...") is mathematically
 * equal to the sample's ground truth, judged as Hugging Face's Math-Verify judges it; null when the
 * sample has no ground truth. For your own rule, call mathEqual(gold, completion) in a defineReward.
 */
export default mathVerifyReward({ name: "NAME", weight: 1 });
`,
  },
  {
    label: "Process reward",
    description: "one number per reasoning step, aggregated",
    source: `import { defineReward } from "rewardlab";

/** Scores each reasoning step; the sample's score is the worst step (min). */
export default defineReward({
  name: "NAME",
  kind: "process",
  aggregate: "min",
  weight: 0.5,
  score(sample) {
    return sample.steps.map((step) => (step.text.trim().length > 0 ? 1 : 0));
  },
});
`,
  },
  {
    label: "TRL-style reward",
    description: "(prompts, completions, kwargs) => number[]",
    source: `import { fromTrl } from "rewardlab";

/** A TRL reward function, as you would pass it to GRPOTrainer(reward_funcs=[...]). */
export default fromTrl("NAME", (prompts, completions) =>
  completions.map((completion) => (/<think>[\\s\\S]*<\\/think>/.test(completion) ? 1 : 0)),
);
`,
  },
  {
    label: "verl-style reward",
    description: "compute_score(data_source, solution_str, ground_truth, extra_info)",
    source: `import { fromVerl } from "rewardlab";

/** A verl compute_score function. */
export default fromVerl("NAME", (dataSource, solutionStr, groundTruth) => {
  const answer = /<answer>([\\s\\S]*?)<\\/answer>/.exec(solutionStr)?.[1]?.trim();
  return answer === String(groundTruth) ? 1 : 0;
});
`,
  },
];
