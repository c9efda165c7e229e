import * as vscode from "vscode";
import type { SampleRow } from "../../protocol/traceViewer";
import { Disposable } from "../base/disposable";
import type { TraceStore } from "../traces/traceStore";
import { formatScore } from "./format";

/** Trees of 100k samples are unusable: past this many children a node shows "N more" instead. */
const MAX_CHILDREN = 200;

type TraceNode =
  | { kind: "run"; name: string; files: vscode.Uri[] }
  | { kind: "file"; uri: vscode.Uri; label: string }
  | { kind: "step"; uri: vscode.Uri; step: number; rows: SampleRow[] }
  | { kind: "group"; uri: vscode.Uri; group: string; rows: SampleRow[] }
  | { kind: "sample"; uri: vscode.Uri; row: SampleRow }
  | { kind: "more"; uri: vscode.Uri; hidden: number; of: string };

/** Stable ids keep expansion and selection when the tree refreshes after every scoring run. */
function nodeId(node: TraceNode): string {
  switch (node.kind) {
    case "run":
      return `run:${node.name}`;
    case "file":
      return `file:${node.uri}`;
    case "step":
      return `step:${node.uri}#${node.step}`;
    case "group":
      return `group:${node.uri}#${node.rows[0]?.step ?? ""}#${node.group}`;
    case "sample":
      return `sample:${node.uri}#${node.row.index}`;
    case "more":
      return `more:${node.uri}#${node.of}`;
  }
}

/**
 * The Traces view: trace files in the workspace, as runs -> steps -> groups -> samples. Files under
 * `runs/<run>/` are gathered under their run; a file's samples are split by `step` when it holds
 * several steps, then by `group`.
 */
export class TracesView extends Disposable implements vscode.TreeDataProvider<TraceNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TraceNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: TraceStore) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher("**/*.trace.jsonl", false, true, false));
    this.register(watcher.onDidCreate(() => this.refresh()));
    this.register(watcher.onDidDelete(() => this.refresh()));
    this.register(store.onDidChange(() => this.refresh()));
    this.register(vscode.window.createTreeView("rewardlab.traces", { treeDataProvider: this, showCollapseAll: true }));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: TraceNode): Promise<TraceNode[]> {
    if (!node) return this.roots();
    switch (node.kind) {
      case "run":
        return node.files.map((uri) => ({ kind: "file", uri, label: runFileLabel(uri) }));
      case "file": {
        const index = await this.store.get(node.uri);
        return splitRows(node.uri, index.rows, true);
      }
      case "step":
        return splitRows(node.uri, node.rows, false);
      case "group":
        return capped(node.uri, node.rows.map((row) => ({ kind: "sample", uri: node.uri, row })));
      default:
        return [];
    }
  }

  getTreeItem(node: TraceNode): vscode.TreeItem {
    const item = this.treeItem(node);
    item.id = nodeId(node);
    return item;
  }

  private treeItem(node: TraceNode): vscode.TreeItem {
    const collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    switch (node.kind) {
      case "run":
        return Object.assign(new vscode.TreeItem(node.name, collapsed), { iconPath: new vscode.ThemeIcon("history"), description: `${node.files.length} files` });
      case "file":
        return Object.assign(new vscode.TreeItem(node.label, collapsed), {
          resourceUri: node.uri,
          iconPath: new vscode.ThemeIcon("output"),
          contextValue: "traceFile",
          tooltip: vscode.workspace.asRelativePath(node.uri),
        });
      case "step":
        return Object.assign(new vscode.TreeItem(`step ${node.step}`, collapsed), { iconPath: new vscode.ThemeIcon("debug-step-over"), description: `${node.rows.length} samples` });
      case "group":
        return Object.assign(new vscode.TreeItem(node.group, collapsed), {
          iconPath: new vscode.ThemeIcon("symbol-array"),
          description: `${node.rows.length} samples · mean ${formatScore(mean(node.rows))}`,
        });
      case "sample":
        return sampleItem(node.uri, node.row);
      case "more":
        return Object.assign(new vscode.TreeItem(`${node.hidden.toLocaleString()} more…`), {
          iconPath: new vscode.ThemeIcon("ellipsis"),
          command: { command: "rewardlab.openTraceViewer", title: "Open Trace Viewer", arguments: [node.uri] },
        });
    }
  }

  private async roots(): Promise<TraceNode[]> {
    const files = await vscode.workspace.findFiles("**/*.trace.jsonl", "**/node_modules/**", 5000);
    files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    const runs = new Map<string, vscode.Uri[]>();
    const loose: TraceNode[] = [];
    for (const uri of files) {
      const match = /(?:^|\/)runs\/([^/]+)\//.exec(vscode.workspace.asRelativePath(uri));
      if (match) runs.set(match[1], [...(runs.get(match[1]) ?? []), uri]);
      else loose.push({ kind: "file", uri, label: vscode.workspace.asRelativePath(uri) });
    }
    return [...[...runs].map(([name, uris]): TraceNode => ({ kind: "run", name, files: uris })), ...loose];
  }
}

/** A run's rollout file by its training step ("step 120" for rollouts/step-00120.trace.jsonl), else its name. */
function runFileLabel(uri: vscode.Uri): string {
  const name = uri.path.split("/").pop() ?? uri.fsPath;
  const step = /^step-(\d+)\.trace\.jsonl$/.exec(name);
  return step ? `step ${Number(step[1])}` : name;
}

/** Children of a file or step node: steps (when a file holds several), else groups, else samples. */
function splitRows(uri: vscode.Uri, rows: SampleRow[], bySteps: boolean): TraceNode[] {
  if (bySteps) {
    const steps = bucket(rows, (row) => row.step);
    if (steps.size > 1) return capped(uri, [...steps].sort(([a], [b]) => a - b).map(([step, members]) => ({ kind: "step", uri, step, rows: members })));
  }
  const groups = bucket(rows, (row) => row.group);
  if (groups.size > 0) return capped(uri, [...groups].map(([group, members]) => ({ kind: "group", uri, group, rows: members })));
  return capped(uri, rows.map((row) => ({ kind: "sample", uri, row })));
}

function bucket<K>(rows: SampleRow[], key: (row: SampleRow) => K | undefined): Map<K, SampleRow[]> {
  const buckets = new Map<K, SampleRow[]>();
  for (const row of rows) {
    const k = key(row);
    if (k === undefined) continue;
    const members = buckets.get(k);
    if (members) members.push(row);
    else buckets.set(k, [row]);
  }
  return buckets;
}

function capped(uri: vscode.Uri, nodes: TraceNode[]): TraceNode[] {
  if (nodes.length <= MAX_CHILDREN) return nodes;
  return [...nodes.slice(0, MAX_CHILDREN), { kind: "more", uri, hidden: nodes.length - MAX_CHILDREN, of: nodeId(nodes[MAX_CHILDREN]) }];
}

function mean(rows: SampleRow[]): number | null {
  const totals = rows.map((row) => row.total).filter((total): total is number => total !== null);
  return totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : null;
}

function sampleItem(uri: vscode.Uri, row: SampleRow): vscode.TreeItem {
  const item = new vscode.TreeItem(row.id);
  item.description = `total ${formatScore(row.total)} · adv ${formatScore(row.advantage, true)}${row.error ? " · ⚠ error" : ""}`;
  item.tooltip = [...Object.entries(row.rewards).map(([name, value]) => `${name}: ${formatScore(value)}`), ...(row.error ? [`⚠ ${row.error}`] : [])].join("\n");
  item.iconPath = new vscode.ThemeIcon(
    row.error ? "error" : row.total === null ? "circle-outline" : (row.advantage ?? 0) >= 0 ? "arrow-up" : "arrow-down",
    new vscode.ThemeColor(row.error ? "errorForeground" : (row.advantage ?? 0) >= 0 ? "testing.iconPassed" : "testing.iconFailed"),
  );
  item.command = { command: "rewardlab.openTraceViewer", title: "Open in Trace Viewer", arguments: [uri, row.index] };
  return item;
}
