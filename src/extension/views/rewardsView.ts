import * as path from "node:path";
import * as vscode from "vscode";
import { Disposable } from "../base/disposable";
import { describeStats, rewardStats, type RewardStats } from "../traces/rewardStats";
import type { RewardService } from "../scoring/rewardService";
import type { TraceStore } from "../traces/traceStore";
import { rewardsOfFile, type DeclaredReward } from "./declaredRewards";
import { formatMs } from "../../reward/timing";

type RewardNode =
  | { kind: "file"; uri: vscode.Uri; rewards: DeclaredReward[] }
  | { kind: "reward"; uri: vscode.Uri; reward: DeclaredReward; stats?: RewardStats; live: boolean }
  | { kind: "inactive"; files: vscode.Uri[] };

/**
 * The Rewards view: the reward files that score (those under the rewards path), the rewards each
 * defines, their weights and statistics over the indexed traces; other `*.reward.ts` files (a
 * sample's `hackable/`) under "Not loaded". Once the engine has compiled the files, the rewards are
 * what it loaded (a reward without a `name:`, such as `formatReward({...})`, included; a helper's
 * `name:` not); before that (Restricted Mode) they are read from the text.
 */
export class RewardsView extends Disposable implements vscode.TreeDataProvider<RewardNode> {
  private readonly changed = this.register(new vscode.EventEmitter<RewardNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly store: TraceStore,
    private readonly service: RewardService,
  ) {
    super();
    this.register(service.onDidScore(() => this.refresh()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()));
    const watcher = this.register(vscode.workspace.createFileSystemWatcher("**/*.reward.ts"));
    this.register(watcher.onDidCreate(() => this.refresh()));
    this.register(watcher.onDidChange(() => this.refresh()));
    this.register(watcher.onDidDelete(() => this.refresh()));
    this.register(store.onDidChange(() => this.refresh()));
    this.register(vscode.window.createTreeView("rewardlab.rewards", { treeDataProvider: this }));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: RewardNode): Promise<RewardNode[]> {
    if (node?.kind === "reward") return [];
    if (node?.kind === "inactive") return Promise.all(node.files.map((uri) => this.fileNode(uri)));
    if (node?.kind === "file") {
      const stored = rewardStats((await this.store.loaded()).map((index) => index.rows));
      return node.rewards.map((reward) => {
        const live = this.service.summaries.get(reward.name);
        const stats = live ? { name: live.name, mean: live.stats.mean, nulls: live.stats.nulls, errors: live.stats.errors, samples: live.stats.count + live.stats.nulls + live.stats.errors } : stored.get(reward.name);
        return { kind: "reward", uri: node.uri, reward: { ...reward, weight: live?.weight ?? reward.weight }, stats, live: live !== undefined };
      });
    }
    // Run folders keep snapshots of the rewards they trained with (runs/<id>/rewards/): those are not the workspace's rewards.
    const files = await vscode.workspace.findFiles("**/*.reward.ts", "{**/node_modules/**,**/runs/*/rewards/**}", 1000);
    files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    const root = this.service.rewardsPath;
    const loaded = this.service.loaded;
    const active = (uri: vscode.Uri) => (loaded ? loaded.files.includes(uri.fsPath) : root !== undefined && (uri.fsPath === root || uri.fsPath.startsWith(root + path.sep)));
    const nodes: RewardNode[] = await Promise.all(files.filter(active).map((uri) => this.fileNode(uri)));
    const inactive = files.filter((uri) => !active(uri));
    if (inactive.length > 0) nodes.push({ kind: "inactive", files: inactive });
    return nodes;
  }

  /** A file and its rewards: the engine's when it loaded the file, else those its text declares. */
  private async fileNode(uri: vscode.Uri): Promise<RewardNode> {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return { kind: "file", uri, rewards: rewardsOfFile(text, uri.fsPath, this.service.loaded?.rewards) };
  }

  getTreeItem(node: RewardNode): vscode.TreeItem {
    if (node.kind === "inactive") {
      const item = new vscode.TreeItem("Not loaded", vscode.TreeItemCollapsibleState.Collapsed);
      item.description = `${node.files.length} file${node.files.length === 1 ? "" : "s"} outside ${vscode.workspace.asRelativePath(this.service.rewardsPath ?? "rewards")}`;
      item.tooltip = "Reward files outside the rewards path (setting rewardlab.rewardsPath) do not score in the editor. Train with them with `--rewards` or rewardlab.json's \"rewards\".";
      item.iconPath = new vscode.ThemeIcon("circle-slash");
      return item;
    }
    if (node.kind === "file") {
      const item = new vscode.TreeItem(vscode.workspace.asRelativePath(node.uri), vscode.TreeItemCollapsibleState.Expanded);
      item.resourceUri = node.uri;
      item.iconPath = vscode.ThemeIcon.File;
      item.command = { command: "vscode.open", title: "Open", arguments: [node.uri] };
      item.contextValue = "rewardFile";
      return item;
    }
    const { reward, stats, live } = node;
    const item = new vscode.TreeItem(reward.name);
    const weight = `weight ${reward.weight ?? 1}`;
    const restricted = vscode.workspace.isTrusted ? "" : " · Restricted Mode: stored scores only";
    const timing = live ? this.service.timing : undefined;
    const times = timing?.rewards[reward.name];
    const time = times ? ` · p99 ${fmtMs(times.p99_ms)}` : "";
    item.description = stats ? `${weight} · ${describeStats(stats)}${time}${live ? "" : " (stored)"}${restricted}` : `${weight} · not scored yet${restricted}`;
    const slow = times?.over_budget === true;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendText(`${reward.kind ?? "outcome"} reward "${reward.name}" in ${vscode.workspace.asRelativePath(node.uri)}:${reward.line + 1}\n`);
    tooltip.appendText(live ? "Statistics from the current reward code over the opened traces.\n" : "Statistics from the rewards stored in the opened traces.\n");
    if (times && timing) {
      tooltip.appendText(`\nTime per sample: p50 ${fmtMs(times.p50_ms)}, p99 ${fmtMs(times.p99_ms)}, max ${fmtMs(times.max_ms)} over ${times.samples.toLocaleString("en-US")} samples.\n`);
      if (slow) tooltip.appendMarkdown("$(warning) ").appendText(`p99 is over the ${fmtMs(timing.budget_ms ?? 0)} budget (setting rewardlab.scoring.budgetMs): a trainer waits for its slowest sample every step.\n`);
      const slowest = timing.slowest.filter((s) => s.reward === reward.name).slice(0, 3);
      if (slowest.length > 0) tooltip.appendText(`Slowest: ${slowest.map((s) => `${s.id} (${vscode.workspace.asRelativePath(s.file)}:${s.line}) ${fmtMs(s.ms)}`).join("; ")}`);
    }
    item.tooltip = tooltip;
    const failing = (stats?.errors ?? 0) > 0;
    item.iconPath = failing
      ? new vscode.ThemeIcon("error", new vscode.ThemeColor("errorForeground"))
      : slow
        ? new vscode.ThemeIcon("watch", new vscode.ThemeColor("list.warningForeground"))
        : new vscode.ThemeIcon(reward.kind === "process" ? "list-ordered" : "symbol-number");
    item.command = { command: "vscode.open", title: "Go to reward", arguments: [node.uri, { selection: new vscode.Range(reward.line, 0, reward.line, 0) }] };
    return item;
  }
}

const fmtMs = (value: number) => `${formatMs(value)} ms`;
