import * as path from "node:path";
import * as vscode from "vscode";
import type { DashboardToHostMessage, HostToDashboardMessage, MetricPoint } from "../../protocol/dashboard";
import type { MessageHandlers } from "../../protocol/ipc";
import { RunFollower } from "../../rl/runFollower";
import { compareRewards, type RewardDrift } from "../../rl/runRewards";
import { formatMetricsProblem, listStepFiles, METRICS_FILE, type MetricsChunk, nearestStep, type RunEntry, stepFile } from "../../rl/runs";
import { detectWarnings } from "../../rl/warnings";
import { Disposable } from "../base/disposable";
import type { Log } from "../log";
import { pickRun, runSummary, runWorkspace } from "../runs/runCatalog";
import type { TraceViewerProvider } from "../traceViewer/traceViewerProvider";
import { dashboardHeader } from "./header";

/** The dashboard lists the latest bad metrics lines, not thousands of them. */
const MAX_PROBLEMS = 20;
/** Reward files are often saved in bursts (format on save, several files): compare once after them. */
const DRIFT_DEBOUNCE_MS = 300;

/**
 * One open training dashboard: follows its run folder (metrics.jsonl, run.json) and posts only new
 * points; answers the webview's requests (open a step's rollouts, overlay another run, open reward
 * files). Nothing is posted before the webview says `ready`.
 */
export class DashboardSession extends Disposable {
  private ready = false;
  private initialised = false;
  private readonly queue: HostToDashboardMessage[] = [];
  private readonly points = new Map<number, MetricPoint>();
  private readonly problems: string[] = [];
  private problemCount = 0;
  private entry: RunEntry | undefined;
  private drift: RewardDrift | undefined;
  private lastWarnings = "";
  private readonly follower: RunFollower;
  private overlay: RunFollower | undefined;
  private driftTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly runDir: string,
    private readonly panel: vscode.WebviewPanel,
    private readonly viewer: TraceViewerProvider,
    private readonly log: Log,
  ) {
    super();
    this.follower = new RunFollower(runDir, {
      onInfo: (entry) => this.onInfo(entry),
      onMetrics: (chunk) => this.onMetrics(chunk),
      onError: (error) => this.log.error(`Dashboard: reading ${runDir} failed`, error),
    });
    const handlers: MessageHandlers<DashboardToHostMessage> = {
      ready: () => void this.onReady(),
      openStep: ({ step, kind }) => void this.openStep(step, kind),
      pickOverlay: () => void this.pickOverlay(),
      clearOverlay: () => this.clearOverlay(),
      openRewardFile: ({ path: file, diff }) => void this.openRewardFile(file, diff),
      trainAgain: () => void vscode.commands.executeCommand("rewardlab.train", { preset: this.entry?.info?.preset, runDir }),
    };
    this.register(
      panel.webview.onDidReceiveMessage((message: DashboardToHostMessage) => {
        const handler = handlers[message?.type] as ((payload: unknown) => void) | undefined;
        if (handler) handler(message.payload);
        else this.log.warn(`Dashboard: unknown message ${JSON.stringify(message?.type)}`);
      }),
    );
    // Editing a reward file changes what "Train with current reward" would use, not this run.
    const rewards = this.register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(runWorkspace(runDir), "**/*.reward.{ts,mts,js,mjs}")));
    for (const event of [rewards.onDidChange, rewards.onDidCreate, rewards.onDidDelete]) this.register(event(() => this.scheduleDrift()));
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** The editor group the panel is in. */
  get column(): vscode.ViewColumn | undefined {
    return this.panel.viewColumn;
  }

  /** Closes the panel (its onDidDispose disposes this session). */
  close(): void {
    this.panel.dispose();
  }

  override dispose(): void {
    this.follower.dispose();
    this.overlay?.dispose();
    clearTimeout(this.driftTimer);
    super.dispose();
  }

  private post(message: HostToDashboardMessage): void {
    if (!this.ready) this.queue.push(message);
    else void this.panel.webview.postMessage(message);
  }

  private async onReady(): Promise<void> {
    const again = this.ready;
    this.ready = true;
    for (const message of this.queue.splice(0)) this.post(message);
    if (!again) {
      await this.follower.start();
      await this.updateDrift();
    }
    if (this.isDisposed || !this.entry) return;
    this.post({ type: "init", payload: { header: dashboardHeader(this.entry, this.drift), points: this.sortedPoints() } });
    this.initialised = true;
    this.postWarnings(true);
    if (this.problemCount > 0) this.post({ type: "problems", payload: { problems: this.problems, total: this.problemCount } });
  }

  private onInfo(entry: RunEntry): void {
    this.entry = entry;
    this.panel.title = `Run ${entry.id}${entry.state === "running" ? " (running)" : ""}`;
    if (this.initialised) void this.updateDrift().then(() => this.postHeader());
  }

  private onMetrics(chunk: MetricsChunk): void {
    if (chunk.reset) this.points.clear();
    for (const row of chunk.rows) this.points.set(row.step, row);
    const file = path.join(this.runDir, METRICS_FILE);
    for (const problem of chunk.problems) this.problems.push(formatMetricsProblem(file, problem));
    this.problemCount += chunk.problems.length;
    this.problems.splice(0, Math.max(0, this.problems.length - MAX_PROBLEMS));
    if (!this.initialised) return;
    this.post({ type: "points", payload: { run: "main", points: chunk.rows, reset: chunk.reset } });
    this.postWarnings();
    if (chunk.problems.length > 0) this.post({ type: "problems", payload: { problems: this.problems, total: this.problemCount } });
  }

  private sortedPoints(): MetricPoint[] {
    return [...this.points.values()].sort((a, b) => a.step - b.step);
  }

  /** Warnings are re-derived from all points and posted only when they change. */
  private postWarnings(always = false): void {
    const warnings = detectWarnings(this.sortedPoints());
    const key = JSON.stringify(warnings);
    if (!always && key === this.lastWarnings) return;
    this.lastWarnings = key;
    this.post({ type: "warnings", payload: { warnings } });
  }

  private postHeader(): void {
    if (this.entry) this.post({ type: "header", payload: dashboardHeader(this.entry, this.drift) });
  }

  private async updateDrift(): Promise<void> {
    const rewards = this.entry?.info?.rewards;
    try {
      this.drift = rewards ? await compareRewards(runWorkspace(this.runDir), rewards) : undefined;
    } catch (error) {
      this.log.error(`Dashboard: comparing the reward files of ${this.runDir}`, error);
    }
  }

  private scheduleDrift(): void {
    clearTimeout(this.driftTimer);
    this.driftTimer = setTimeout(() => void this.updateDrift().then(() => this.initialised && this.postHeader()), DRIFT_DEBOUNCE_MS);
  }

  /** Opens the step's trace file beside the dashboard, or the nearest step's when that one was not saved. */
  private async openStep(step: number, kind: "rollouts" | "eval"): Promise<void> {
    if (!Number.isInteger(step) || step < 0 || (kind !== "rollouts" && kind !== "eval")) return;
    const what = kind === "eval" ? "held-out evaluation rollouts" : "rollouts";
    const saved = nearestStep(await listStepFiles(this.runDir, kind), step);
    if (saved === undefined) {
      this.post({ type: "notice", payload: { message: `This run has no ${what} yet (${kind}/step-NNNNN.trace.jsonl).` } });
      return;
    }
    const message = saved === step ? `Opened the ${what} of step ${step}.` : `No ${what} saved for step ${step}: opened step ${saved}, the nearest.`;
    this.post({ type: "notice", payload: { message } });
    // The group right of the dashboard (created if needed), so dashboard and rollouts stay side by side.
    const column = ((this.panel.viewColumn ?? vscode.ViewColumn.One) + 1) as vscode.ViewColumn;
    await this.viewer.open(vscode.Uri.file(stepFile(this.runDir, kind, saved)), undefined, column);
  }

  private async pickOverlay(): Promise<void> {
    const run = await pickRun("Run to compare with (its rewards are drawn dashed)", this.runDir);
    if (!run || this.isDisposed) return;
    this.overlay?.dispose();
    const points = new Map<number, MetricPoint>();
    let started = false;
    const overlay = new RunFollower(run.dir, {
      onInfo: () => undefined,
      onMetrics: (chunk) => {
        if (chunk.reset) points.clear();
        for (const row of chunk.rows) points.set(row.step, row);
        if (started && this.overlay === overlay) this.post({ type: "points", payload: { run: "overlay", points: chunk.rows, reset: chunk.reset } });
      },
      onError: (error) => this.log.error(`Dashboard: reading ${run.dir} failed`, error),
    });
    this.overlay = overlay;
    await overlay.start();
    started = true;
    if (this.overlay !== overlay) return;
    const sorted = [...points.values()].sort((a, b) => a.step - b.step);
    this.post({ type: "overlay", payload: { overlay: { id: run.id, label: `${run.id} (${runSummary(run)})`, points: sorted } } });
  }

  private clearOverlay(): void {
    this.overlay?.dispose();
    this.overlay = undefined;
    this.post({ type: "overlay", payload: { overlay: null } });
  }

  /** The run's snapshot of a reward file, or a diff of the snapshot against the workspace's file now. */
  private async openRewardFile(file: string, diff: boolean): Promise<void> {
    // Only the files run.json names: a path from the page must not open arbitrary files.
    if (!this.entry?.info?.rewards.files.some((known) => known.path === file) || file.split(/[\\/]/).includes("..")) {
      this.log.warn(`Dashboard: ${JSON.stringify(file)} is not one of the reward files of ${this.runDir}`);
      return;
    }
    const snapshot = vscode.Uri.file(path.join(this.runDir, file));
    const current = vscode.Uri.file(path.join(runWorkspace(this.runDir), file));
    try {
      await vscode.workspace.fs.stat(diff ? current : snapshot);
      if (diff) await vscode.workspace.fs.stat(snapshot);
    } catch {
      void vscode.window.showWarningMessage(`RewardLab: ${diff ? `cannot compare ${file}: one side is missing` : `the run has no snapshot of ${file}`} (looked for ${snapshot.fsPath}${diff ? ` and ${current.fsPath}` : ""}).`);
      return;
    }
    if (diff) await vscode.commands.executeCommand("vscode.diff", snapshot, current, `${path.basename(file)} (run ${this.entry?.id ?? ""} ↔ now)`, { viewColumn: vscode.ViewColumn.Beside });
    else await vscode.window.showTextDocument(snapshot, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}
