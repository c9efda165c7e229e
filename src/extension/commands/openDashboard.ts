import { runFromArgument } from "../runs/runArgument";
import type { Command } from "./command";

/** "RewardLab: Open Training Dashboard": for the run given (Runs view, a run folder), else a run picked from the workspace. */
export const openDashboard: Command = {
  id: "rewardlab.openDashboard",
  async run({ dashboards }, target?: unknown) {
    const run = await runFromArgument(target, "Training run to open the dashboard of");
    if (run) dashboards.open(run.dir);
  },
};
