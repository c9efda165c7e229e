import * as vscode from "vscode";
import { requireTrust } from "../trust";
import type { Command } from "./command";

/** "RewardLab: Score Traces with Current Rewards": runs the workspace's reward code, so it needs trust. */
export const scoreTraces: Command = {
  id: "rewardlab.scoreTraces",
  async run() {
    if (!(await requireTrust("Scoring traces"))) return;
    // The reward engine (src/reward/engine.ts) plugs in here; until then the stored rewards are shown.
    void vscode.window.showInformationMessage("RewardLab: live scoring is not available in this build yet; the viewer shows the rewards stored in each trace.");
  },
};
