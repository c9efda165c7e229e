import type { Command } from "./command";

/**
 * "RewardLab: Serve Reward for Distributed Training": starts the reward server for the workspace's
 * reward files (OpenRLHF's remote reward protocol, hot reload) and shows its URL with the launch
 * settings to copy; when it runs already, shows them again. It runs reward code, so it needs trust.
 */
export const serveReward: Command = {
  id: "rewardlab.serveReward",
  run({ rewardServer }) {
    return rewardServer.startOrShow();
  },
};
