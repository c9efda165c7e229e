import * as vscode from "vscode";
import { requireTrust } from "../trust";
import type { Command } from "./command";

/** "RewardLab: Train with Current Reward": runs reward code and a trainer, so it needs trust. */
export const trainWithCurrentReward: Command = {
  id: "rewardlab.train",
  async run() {
    if (!(await requireTrust("Training"))) return;
    void vscode.window.showInformationMessage("RewardLab: training from the editor is not available in this build yet; run `rewardlab train` in a terminal.");
  },
};
