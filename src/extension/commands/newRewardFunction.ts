import * as vscode from "vscode";
import { settings } from "../config";
import type { Command } from "./command";
import { REWARD_TEMPLATES } from "./rewardTemplates";

/** "RewardLab: New Reward Function": picks a template and a name, writes `<rewards>/<name>.reward.ts` and opens it. */
export const newRewardFunction: Command = {
  id: "rewardlab.newRewardFunction",
  async run() {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showWarningMessage("RewardLab: open a folder first; reward files live in its rewards/ folder.");
      return;
    }
    const template = await vscode.window.showQuickPick(
      REWARD_TEMPLATES.map((t) => ({ label: t.label, description: t.description, template: t })),
      { placeHolder: "Kind of reward function" },
    );
    if (!template) return;
    const name = await vscode.window.showInputBox({
      prompt: "Reward name (unique in this workspace; also the file name)",
      value: "my_reward",
      validateInput: (value) => (/^[A-Za-z_][\w-]*$/.test(value) ? undefined : "Use letters, digits, _ and -, starting with a letter or _."),
    });
    if (!name) return;
    const uri = vscode.Uri.joinPath(folder.uri, settings.rewardsPath, `${name}.reward.ts`);
    try {
      await vscode.workspace.fs.stat(uri);
      void vscode.window.showErrorMessage(`RewardLab: ${vscode.workspace.asRelativePath(uri)} already exists; pick another name.`);
      return;
    } catch {
      // Does not exist yet: good.
    }
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(template.template.source.replaceAll("NAME", name)));
    await vscode.window.showTextDocument(uri);
  },
};
