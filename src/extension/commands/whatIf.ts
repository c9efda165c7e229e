import * as vscode from "vscode";
import type { Command } from "./command";

/** Opens a sample's completion in the what-if editor (from the viewer: trace URI and sample index). */
export const whatIf: Command = {
  id: "rewardlab.whatIf",
  async run({ whatIf: editor }, target?: unknown, index?: unknown) {
    if (!(target instanceof vscode.Uri) || typeof index !== "number") {
      void vscode.window.showInformationMessage("RewardLab: open a sample in the Trace Viewer and choose \"Edit completion (what-if)\".");
      return;
    }
    await editor.open(target, index);
  },
};
