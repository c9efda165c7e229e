import type { Command } from "./command";

export const refreshViews: Command = {
  id: "rewardlab.refresh",
  run({ tracesView, rewardsView }) {
    tracesView.refresh();
    rewardsView.refresh();
  },
};
