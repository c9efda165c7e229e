/**
 * The `rewardlab` module that reward files import. Keep it small and dependency-free: it is
 * bundled into the sandbox worker and its declarations ship to users as dist/lib/rewardlab.d.ts.
 */
export * from "./types";
export { defineReward } from "./define";
export { fromEasyR1, fromTrl, fromVerl } from "./adapters";
export type { EasyR1ComputeScore, EasyR1RewardInput, EasyR1RewardScore, TrlKwargs, TrlRewardFunction, TrlTrainerState, VerlComputeScore, VerlScore } from "./adapters";
export * from "../builtin/index";
