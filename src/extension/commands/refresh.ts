import type { Command } from "./command";

export const refreshViews: Command = {
  id: "rewardlab.refresh",
  run({ tracesView, rewardsView, runsView }) {
    tracesView.refresh();
    rewardsView.refresh();
    runsView.refresh();
  },
};
