/**
 * The "Get started" walkthrough ticks a step only when its work succeeded: each step completes on a
 * context key (package.json `completionEvents: onContext:...`) that the code doing the work sets,
 * not on the command merely being run. `rewardlab.labWorkspace` (a folder with rewardlab.json is
 * open) also picks the views' empty-state texts.
 */
import * as vscode from "vscode";

export type WalkthroughStep = "sampleWorkspace" | "evaluated" | "viewerOpened" | "rewardScored" | "trained";

const done = new Set<WalkthroughStep>();

/** Marks a walkthrough step as done (once per session; VS Code remembers completed steps). */
export function markStepDone(step: WalkthroughStep): void {
  if (done.has(step)) return;
  done.add(step);
  void vscode.commands.executeCommand("setContext", `rewardlab.walkthrough.${step}`, true);
}

/** Sets `rewardlab.labWorkspace` from whether the workspace holds a rewardlab.json now. */
export async function refreshLabWorkspace(): Promise<void> {
  const found = await vscode.workspace.findFiles("**/rewardlab.json", "**/{node_modules,runs}/**", 1);
  await vscode.commands.executeCommand("setContext", "rewardlab.labWorkspace", found.length > 0);
  if (found.length > 0) markStepDone("sampleWorkspace");
}

/**
 * Keeps `rewardlab.labWorkspace` current. A folder copied in at once may be reported as the folder
 * only, so code that creates one (Create Sample Workspace) also calls refreshLabWorkspace.
 */
export function watchLabWorkspace(): vscode.Disposable {
  const update = () => void refreshLabWorkspace();
  update();
  const watcher = vscode.workspace.createFileSystemWatcher("**/rewardlab.json");
  const subscriptions = [watcher, watcher.onDidCreate(update), watcher.onDidDelete(update), vscode.workspace.onDidChangeWorkspaceFolders(update)];
  return vscode.Disposable.from(...subscriptions);
}
