import * as vscode from "vscode";
import type { Command } from "./command";

/**
 * "RewardLab: Open Trace Viewer": for the given trace (Explorer, Traces view, CodeLens), else the
 * active trace editor, else a trace picked from the workspace. An optional sample index focuses it.
 */
export const openTraceViewer: Command = {
  id: "rewardlab.openTraceViewer",
  async run({ viewer }, target?: unknown, index?: unknown) {
    const uri = toUri(target) ?? activeTrace() ?? (await pickTrace());
    if (!uri) return;
    await viewer.open(uri, typeof index === "number" ? index : undefined);
  },
};

/** A Uri, or one serialised into a command link (`{scheme, path, ...}`). */
function toUri(target: unknown): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) return target;
  if (target && typeof target === "object" && "scheme" in target && "path" in target) return vscode.Uri.from(target as vscode.Uri);
  return undefined;
}

function activeTrace(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.path.endsWith(".trace.jsonl") ? uri : undefined;
}

async function pickTrace(): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles("**/*.trace.jsonl", "**/node_modules/**", 5000);
  if (files.length === 0) {
    void vscode.window.showInformationMessage("RewardLab: no *.trace.jsonl files in this workspace. Convert a rollout log with `rewardlab convert` first.");
    return undefined;
  }
  if (files.length === 1) return files[0];
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: "Trace file to open" },
  );
  return picked?.uri;
}
