import type { BatchReward, OutcomeReward, ProcessReward, RewardDefinition } from "./types";

/**
 * Declares a reward. Returns its argument unchanged: the function exists for the types
 * (IntelliSense on `sample` and `ctx`) and so that a file reads as a declaration.
 * The definition is validated when the file is loaded, with errors naming the file.
 */
export function defineReward(reward: OutcomeReward): OutcomeReward;
export function defineReward(reward: ProcessReward): ProcessReward;
export function defineReward(reward: BatchReward): BatchReward;
export function defineReward(reward: RewardDefinition): RewardDefinition {
  return reward;
}
