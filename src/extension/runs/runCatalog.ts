import * as path from "node:path";
import * as vscode from "vscode";
import { listRuns, type RunEntry } from "../../rl/runs";

/** The runs of one `runs/` folder (a workspace may hold several, e.g. one per sample workspace). */
export interface RunGroup {
  runsDir: string;
  /** The workspace that owns the runs (the folder holding `runs/`). */
  workspaceDir: string;
  runs: RunEntry[];
}

/**
 * Every training run in the open workspace folders: `runs/` folders are found by their runs'
 * run.json or metrics.jsonl (anywhere, so sample workspaces inside a repository count too), plus
 * each workspace folder's own `runs/`.
 */
export async function findRuns(): Promise<RunGroup[]> {
  const marks = await vscode.workspace.findFiles("**/runs/*/{run.json,metrics.jsonl}", "**/node_modules/**", 5000);
  const dirs = new Set(marks.map((uri) => path.dirname(path.dirname(uri.fsPath))));
  for (const folder of vscode.workspace.workspaceFolders ?? []) dirs.add(path.join(folder.uri.fsPath, "runs"));
  const groups = await Promise.all(
    [...dirs].sort().map(async (runsDir): Promise<RunGroup> => ({ runsDir, workspaceDir: path.dirname(runsDir), runs: await listRuns(runsDir) })),
  );
  return groups.filter((group) => group.runs.length > 0);
}

/** The workspace folder a run belongs to: `<workspace>/runs/<id>`. */
export function runWorkspace(runDir: string): string {
  return path.dirname(path.dirname(runDir));
}

/** "grpo · completed · 20/20" */
export function runSummary(run: RunEntry): string {
  if (!run.info) return "unreadable";
  return `${run.info.preset} · ${run.state} · ${run.info.steps.done}/${run.info.steps.total}`;
}

/**
 * Asks for a run in a quick pick (newest first). `exclude` leaves one run out (the dashboard's own
 * run when picking one to compare with). Undefined when there is none or the user cancels.
 */
export async function pickRun(placeHolder: string, exclude?: string): Promise<RunEntry | undefined> {
  const groups = await findRuns();
  const several = groups.length > 1;
  const items = groups.flatMap((group) =>
    group.runs
      .filter((run) => run.dir !== exclude)
      .map((run) => ({
        label: run.id,
        description: runSummary(run),
        detail: several ? vscode.workspace.asRelativePath(group.runsDir) : undefined,
        run,
      })),
  );
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`RewardLab: no ${exclude ? "other " : ""}training runs in this workspace yet. Runs appear in runs/<id>/ once training starts.`);
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true }))?.run;
}
