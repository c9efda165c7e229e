import * as vscode from "vscode";
import { requireTrust } from "../trust";
import type { Command } from "./command";

/** "RewardLab: Score Traces with Current Rewards": runs the workspace's reward code, so it needs trust. */
export const scoreTraces: Command = {
  id: "rewardlab.scoreTraces",
  async run({ rewards, store }) {
    if (!(await requireTrust("Scoring traces"))) return;
    if ((await store.loaded()).length === 0) {
      void vscode.window.showInformationMessage("RewardLab: open a trace file (or expand it in the Traces view) to score it.");
      return;
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: "RewardLab: scoring" }, () => rewards.scoreAll());
  },
};
