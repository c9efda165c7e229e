import * as vscode from "vscode";
import { deleteRun as deleteRunFolder, RunDeleteRefused } from "../../rl/runs";
import { runFromArgument } from "../runs/runArgument";
import type { Command } from "./command";

/** "RewardLab: Delete Run": removes a run folder (checkpoints included) after a modal confirmation. */
export const deleteRun: Command = {
  id: "rewardlab.deleteRun",
  async run({ dashboards, runsView, log }, target?: unknown) {
    const run = await runFromArgument(target, "Training run to delete");
    if (!run) return;
    const confirm = "Delete";
    const choice = await vscode.window.showWarningMessage(
      `Delete run ${run.id}?`,
      { modal: true, detail: `This removes ${vscode.workspace.asRelativePath(run.dir)} with its metrics, rollouts and checkpoints. It cannot be undone.` },
      confirm,
    );
    if (choice !== confirm) return;
    try {
      await deleteRunFolder(run.dir);
    } catch (error) {
      if (!(error instanceof RunDeleteRefused)) throw error;
      void vscode.window.showWarningMessage(`RewardLab: ${error.message}`);
      return;
    }
    dashboards.close(run.dir);
    runsView.refresh();
    log.info(`Deleted run ${run.dir}`);
  },
};
