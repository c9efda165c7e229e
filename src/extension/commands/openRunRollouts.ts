import * as path from "node:path";
import * as vscode from "vscode";
import { runFromArgument } from "../runs/runArgument";
import type { Command } from "./command";

/** "RewardLab: Open Rollouts Folder": reveals a run's rollouts/ folder (the run folder when it has none yet) in the Explorer. */
export const openRunRollouts: Command = {
  id: "rewardlab.openRunRollouts",
  async run(_services, target?: unknown) {
    const run = await runFromArgument(target, "Training run whose rollouts to show");
    if (!run) return;
    const rollouts = vscode.Uri.file(path.join(run.dir, "rollouts"));
    const exists = await Promise.resolve(vscode.workspace.fs.stat(rollouts)).then(() => true, () => false);
    await vscode.commands.executeCommand("revealInExplorer", exists ? rollouts : vscode.Uri.file(run.dir));
  },
};
