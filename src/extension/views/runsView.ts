import * as path from "node:path";
import * as vscode from "vscode";
import { compareRewards, type RewardDrift, type RewardFileChange } from "../../rl/runRewards";
import type { RunEntry, RunState } from "../../rl/runs";
import { Disposable } from "../base/disposable";
import { findRuns, type RunGroup, runWorkspace } from "../runs/runCatalog";
import { formatScore } from "./format";

/** A trainer rewrites run.json every step: refresh the tree at most this often. */
const REFRESH_MS = 1000;

/**
 * Nodes of the Runs view. Every node inside a run carries its `runDir`, so a command contributed to
 * `view/item/context` gets the run from its argument (see runs/runArgument.ts). Run nodes have the
 * context value `run.<state>` (`run.completed`, `run.running`, `run.interrupted`, ...): a command
 * for some states only (resume: cancelled, failed, interrupted) says so in its `when` clause.
 * Checkpoints are `runCheckpoint` (for "evaluate checkpoint").
 */
export type RunsNode =
  | { kind: "folder"; group: RunGroup }
  | { kind: "run"; runDir: string; entry: RunEntry; drift?: RewardDrift }
  | { kind: "rewardFile"; runDir: string; path: string; names: string[]; change?: RewardFileChange }
  | { kind: "checkpoint"; runDir: string; path: string }
  | { kind: "error"; runDir: string; message: string };

const STATE_ICONS: Record<RunState, [string, string | undefined]> = {
  running: ["sync~spin", "charts.blue"],
  completed: ["pass", "testing.iconPassed"],
  cancelled: ["circle-slash", undefined],
  failed: ["error", "testing.iconFailed"],
  interrupted: ["debug-disconnect", "list.warningForeground"],
  unreadable: ["warning", "list.warningForeground"],
};

/** The Runs view: past and running training runs, newest first, with what they trained with. */
export class RunsView extends Disposable implements vscode.TreeDataProvider<RunsNode> {
  private readonly changed = this.register(new vscode.EventEmitter<RunsNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRefresh = 0;

  constructor() {
    super();
    for (const glob of ["**/runs/*/run.json", "**/runs/*"]) {
      const watcher = this.register(vscode.workspace.createFileSystemWatcher(glob));
      for (const event of [watcher.onDidCreate, watcher.onDidChange, watcher.onDidDelete]) this.register(event(() => this.scheduleRefresh()));
    }
    this.register(vscode.window.createTreeView("rewardlab.runs", { treeDataProvider: this }));
    this.register({ dispose: () => clearTimeout(this.refreshTimer) });
  }

  refresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.lastRefresh = Date.now();
    this.changed.fire(undefined);
  }

  /** At most one refresh per REFRESH_MS; the last change always gets one. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => this.refresh(), Math.max(0, this.lastRefresh + REFRESH_MS - Date.now()));
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) {
      const groups = await findRuns();
      return groups.length === 1 ? this.runNodes(groups[0]) : groups.map((group) => ({ kind: "folder", group }));
    }
    switch (node.kind) {
      case "folder":
        return this.runNodes(node.group);
      case "run":
        return runChildren(node);
      default:
        return [];
    }
  }

  private runNodes(group: RunGroup): Promise<RunsNode[]> {
    return Promise.all(
      group.runs.map(async (entry): Promise<RunsNode> => {
        const drift = entry.info ? await compareRewards(runWorkspace(entry.dir), entry.info.rewards).catch(() => undefined) : undefined;
        return { kind: "run", runDir: entry.dir, entry, drift };
      }),
    );
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case "folder":
        return Object.assign(new vscode.TreeItem(vscode.workspace.asRelativePath(node.group.runsDir), vscode.TreeItemCollapsibleState.Expanded), {
          id: `runs:${node.group.runsDir}`,
          iconPath: new vscode.ThemeIcon("folder"),
          description: `${node.group.runs.length} runs`,
        });
      case "run":
        return runItem(node);
      case "rewardFile":
        return Object.assign(new vscode.TreeItem(path.basename(node.path)), {
          id: `reward:${node.runDir}:${node.path}`,
          iconPath: new vscode.ThemeIcon(node.change ? "diff-modified" : "file-code"),
          description: [node.names.join(", "), node.change && `${node.change} since this run`].filter(Boolean).join(" · "),
          tooltip: `${node.path} as this run used it (snapshot in the run folder)`,
          contextValue: "runRewardFile",
          command: node.change === "added" ? undefined : { command: "vscode.open", title: "Open snapshot", arguments: [vscode.Uri.file(path.join(node.runDir, node.path))] },
        });
      case "checkpoint":
        return Object.assign(new vscode.TreeItem(path.basename(node.path)), {
          id: `checkpoint:${node.runDir}:${node.path}`,
          iconPath: new vscode.ThemeIcon("package"),
          resourceUri: vscode.Uri.file(path.join(node.runDir, node.path)),
          description: "checkpoint",
          contextValue: "runCheckpoint",
        });
      case "error":
        return Object.assign(new vscode.TreeItem(node.message), { iconPath: new vscode.ThemeIcon("warning"), tooltip: node.message });
    }
  }
}

function runChildren(node: Extract<RunsNode, { kind: "run" }>): RunsNode[] {
  const { entry, drift, runDir } = node;
  if (!entry.info) return [{ kind: "error", runDir, message: entry.error }];
  const changes = new Map((drift?.changes ?? []).map((change) => [change.path, change.change]));
  const rewards: RunsNode[] = entry.info.rewards.files.map((file) => ({ kind: "rewardFile", runDir, path: file.path, names: file.names, change: changes.get(file.path) }));
  const checkpoints: RunsNode[] = entry.info.checkpoints.map((checkpoint) => ({ kind: "checkpoint", runDir, path: checkpoint }));
  const failure: RunsNode[] = entry.info.error ? [{ kind: "error", runDir, message: entry.info.error }] : [];
  return [...failure, ...rewards, ...checkpoints];
}

function runItem(node: Extract<RunsNode, { kind: "run" }>): vscode.TreeItem {
  const { entry, drift } = node;
  const item = new vscode.TreeItem(entry.id, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `run:${entry.dir}`;
  item.contextValue = `run.${entry.state}`;
  const [icon, colour] = STATE_ICONS[entry.state];
  item.iconPath = new vscode.ThemeIcon(icon, colour ? new vscode.ThemeColor(colour) : undefined);
  item.command = { command: "rewardlab.openDashboard", title: "Open Training Dashboard", arguments: [node] };
  const changed = (drift?.changes.length ?? 0) > 0;
  const tooltip = new vscode.MarkdownString(undefined, true);
  if (!entry.info) {
    item.description = "unreadable";
    tooltip.appendText(entry.error);
  } else {
    const { info } = entry;
    const best = info.best ? ` · best acc ${formatScore(info.best.accuracy)}` : "";
    item.description = `${info.preset} · ${entry.state} · ${info.steps.done}/${info.steps.total}${best} · rewards ${info.rewards.version}${changed ? " (edited since)" : ""}`;
    tooltip.appendMarkdown(`**${entry.id}** · \`${info.preset}\` · ${entry.state}\n\n`);
    tooltip.appendText(`Steps ${info.steps.done} of ${info.steps.total} · started ${new Date(info.startedAt).toLocaleString()}\n`);
    if (info.best) tooltip.appendText(`Best held-out accuracy ${formatScore(info.best.accuracy)} at step ${info.best.step}\n`);
    tooltip.appendText(`Reward version ${info.rewards.version}: ${info.rewards.files.map((file) => file.path).join(", ") || "no files"}\n`);
    if (changed) tooltip.appendText(`The workspace's reward files changed since this run (now ${drift?.currentVersion}).\n`);
    if (info.error) tooltip.appendText(`Error: ${info.error}\n`);
  }
  item.tooltip = tooltip;
  return item;
}
