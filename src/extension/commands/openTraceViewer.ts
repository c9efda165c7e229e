import * as vscode from "vscode";
import type { Command } from "./command";
import { convertToTrace } from "./convertRolloutLog";

/**
 * "RewardLab: Open Trace Viewer": for the given trace (Explorer, Traces view, CodeLens), else the
 * active trace editor, else a trace picked from the workspace. An optional sample index focuses it;
 * an optional `{ changedOnly: true }` shows only the samples the last reward edit changed.
 * Any other rollout log (verl, TRL, OpenRLHF, ...) is converted to a trace beside it first.
 */
export const openTraceViewer: Command = {
  id: "rewardlab.openTraceViewer",
  async run(services, target?: unknown, index?: unknown, filter?: unknown) {
    let uri = toUri(target) ?? activeTrace() ?? (await pickTrace());
    if (!uri) return;
    if (!uri.path.endsWith(".trace.jsonl")) uri = await convertToTrace(services, uri);
    if (!uri) return;
    // "Show Changed Samples" after a reward edit opens the list filtered to them.
    const changedOnly = filter && typeof filter === "object" && (filter as { changedOnly?: unknown }).changedOnly === true;
    await services.viewer.open(uri, typeof index === "number" ? index : undefined, undefined, changedOnly ? { changedOnly: true } : undefined);
  },
};

/** A Uri, or one serialised into a command link (`{scheme, path, ...}`). */
function toUri(target: unknown): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) return target;
  if (target && typeof target === "object" && "scheme" in target && "path" in target) return vscode.Uri.from(target as vscode.Uri);
  return undefined;
}

/** The active editor's trace, or another rollout log open in it (converted when opened). */
function activeTrace(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === "file" && /\.(?:jsonl|jsonl\.gz|parquet)$/i.test(uri.path) ? uri : undefined;
}

async function pickTrace(): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles("**/*.trace.jsonl", "**/node_modules/**", 5000);
  if (files.length === 0) {
    void vscode.window.showInformationMessage("RewardLab: no *.trace.jsonl files in this workspace. Open a verl / TRL / OpenRLHF log with \"RewardLab: Convert Rollout Log\" (or the Explorer's context menu).");
    return undefined;
  }
  if (files.length === 1) return files[0];
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: "Trace file to open" },
  );
  return picked?.uri;
}
