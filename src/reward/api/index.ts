/**
 * The `rewardlab` module that reward files import. Keep it small and dependency-free: it is
 * bundled into the sandbox worker and its declarations ship to users as dist/lib/rewardlab.d.ts.
 */
export * from "./types";
export { defineReward } from "./define";
export { fromTrl, fromVerl } from "./adapters";
export type { TrlKwargs, TrlRewardFunction, VerlComputeScore, VerlScore } from "./adapters";
export * from "../builtin/index";
