import * as vscode from "vscode";

/**
 * Workspace Trust gate for anything that executes workspace code (reward functions, training).
 * Viewing traces never needs trust. Returns true when `action` may run; otherwise tells the user
 * why not and offers to manage trust.
 */
export async function requireTrust(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = "Manage Workspace Trust";
  const choice = await vscode.window.showWarningMessage(
    `RewardLab: ${action} runs code from this workspace (its reward files), and this workspace is not trusted. ` +
      "Viewing traces and stored rewards still works. Trust the workspace to score or train.",
    manage,
  );
  if (choice === manage) await vscode.commands.executeCommand("workbench.trust.manage");
  return false;
}
