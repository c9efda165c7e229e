import * as path from "node:path";
import * as vscode from "vscode";
import type { LogEntry } from "../../server/server";
import { Disposable } from "../base/disposable";
import { settings } from "../config";
import type { Log } from "../log";
import { requireTrust } from "../trust";
import { copyOpenRlhfFlags, copyVerlConfig } from "./launchSettings";
import { ServerChild, type ListeningInfo } from "./serverChild";

const ACTIONS = { openrlhf: "Copy OpenRLHF flags", verl: "Copy verl config", stop: "Stop" } as const;

/**
 * The reward server of "RewardLab: Serve Reward for Distributed Training": one per window, run as a
 * child process (src/server/serverProcess.ts explains why), shown in the status bar while it runs,
 * logging its requests to the RewardLab output channel, stopped with the extension.
 */
export class RewardServerController extends Disposable {
  private child: ServerChild | undefined;
  /** The rewards the running server loads. */
  private rewards: string | undefined;
  private starting = false;
  private stopping = false;
  private readonly item = this.register(vscode.window.createStatusBarItem("rewardlab.serve", vscode.StatusBarAlignment.Left, 49));

  constructor(
    private readonly extensionPath: string,
    private readonly log: Log,
    private readonly rewardsPath: () => string | undefined,
  ) {
    super();
    this.item.name = "RewardLab Reward Server";
    this.item.command = "rewardlab.serveReward";
    this.register({ dispose: () => void this.stop() });
  }

  get info(): ListeningInfo | undefined {
    return this.child?.running ? this.child.info : undefined;
  }

  /** Starts the server, or, when it runs already, shows its URL and actions again. */
  async startOrShow(): Promise<void> {
    if (this.info) return this.notify(this.info);
    if (this.starting) return;
    if (!(await requireTrust("Serving rewards for distributed training"))) return;
    const rewards = this.rewardsPath();
    if (!rewards) {
      void vscode.window.showWarningMessage("RewardLab: open a folder with reward files (*.reward.ts) first.");
      return;
    }
    this.starting = true;
    try {
      const info = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: "RewardLab: starting the reward server" },
        () => this.spawn(rewards),
      );
      this.notify(info);
    } catch (error) {
      this.log.error("Reward server did not start", error);
      const choice = await vscode.window.showErrorMessage(`RewardLab: the reward server did not start: ${firstLine((error as Error).message)}`, "Show Log");
      if (choice === "Show Log") this.log.show();
    } finally {
      this.starting = false;
    }
  }

  private async spawn(rewards: string): Promise<ListeningInfo> {
    const port = settings.servePort;
    this.rewards = rewards;
    this.log.info(`Reward server: starting for ${rewards} on 127.0.0.1:${port} (child process)`);
    this.child = await ServerChild.start(
      { rewards, host: "127.0.0.1", port, steps: settings.stepSplit, budgetMs: settings.scoreBudgetMs },
      {
        script: path.join(this.extensionPath, "dist", "reward-server.js"),
        onLog: (entry) => this.logEntry(entry),
        onOutput: (text) => this.log.warn(`Reward server: ${text.trimEnd()}`),
        onExit: (code, signal) => this.exited(code, signal),
      },
    );
    const info = this.child.info;
    this.log.info(`Reward server: listening at ${info.url} (rewards ${info.rewards.join(", ")}, version ${info.version})${info.port !== info.requestedPort ? `; port ${info.requestedPort} was busy` : ""}`);
    this.showItem(info);
    return info;
  }

  /** The URL, and what to do with it. */
  private notify(info: ListeningInfo): void {
    const moved = info.port !== info.requestedPort ? ` (port ${info.requestedPort} was busy, so ${info.port})` : "";
    void vscode.window
      .showInformationMessage(
        `RewardLab: serving ${info.rewards.length} reward${info.rewards.length === 1 ? "" : "s"} (${info.rewards.join(", ")}) at ${info.url}${moved}. Reward files hot-reload.`,
        ACTIONS.openrlhf,
        ACTIONS.verl,
        ACTIONS.stop,
      )
      .then((choice) => this.act(choice, info));
  }

  private async act(choice: string | undefined, info: ListeningInfo): Promise<void> {
    const context = { info, workspace: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, rewards: this.rewards ? [this.rewards] : [], log: this.log };
    try {
      if (choice === ACTIONS.openrlhf) await copyOpenRlhfFlags(context);
      else if (choice === ACTIONS.verl) await copyVerlConfig(context);
      else if (choice === ACTIONS.stop) await this.stop();
    } catch (error) {
      this.log.error(`Reward server: ${choice} failed`, error);
      void vscode.window.showErrorMessage(`RewardLab: ${choice} failed: ${(error as Error).message}`);
    }
  }

  /** Stops the server (requests in flight finish first, at most a few seconds). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    try {
      await child.stop();
    } finally {
      this.stopping = false;
      if (this.child === child) this.child = undefined;
      if (!this.isDisposed) this.item.hide();
    }
    this.log.info("Reward server: stopped");
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || this.isDisposed) return;
    this.child = undefined;
    this.item.hide();
    this.log.error(`Reward server: the process ended unexpectedly (${signal ?? `exit code ${code}`})`);
    void vscode.window.showErrorMessage("RewardLab: the reward server stopped unexpectedly. Training runs using it will fail until it is restarted.", "Restart", "Show Log").then((choice) => {
      if (choice === "Restart") void this.startOrShow();
      if (choice === "Show Log") this.log.show();
    });
  }

  private showItem(info: ListeningInfo): void {
    const hostPort = new URL(info.url).host;
    this.item.text = `$(broadcast) Reward server ${hostPort}`;
    this.item.tooltip = new vscode.MarkdownString(
      `**RewardLab reward server**\n\n\`${info.url}\`\n\nRewards: ${info.rewards.join(", ")}. Reward files hot-reload; requests are logged to the RewardLab output.\n\nClick for the launch settings or to stop it.`,
    );
    this.item.show();
  }

  /** One line per request / reload in the output channel. */
  private logEntry(entry: LogEntry): void {
    if (entry.event === "listening") return; // `spawn` logs it, with the busy port
    const line = formatLogEntry(entry);
    if (entry.event === "reload_rejected" || entry.event === "slow_reward" || (entry.event === "request" && Number(entry.status) >= 400)) this.log.warn(line);
    else this.log.info(line);
  }
}

/** "POST /get_reward 200 · 64 samples · 12.3 ms · v2" and friends. */
export function formatLogEntry(entry: LogEntry): string {
  switch (entry.event) {
    case "request":
      return `Reward server: ${entry.method} ${entry.path} ${entry.status} · ${entry.samples} samples · ${entry.ms} ms · v${entry.version}${entry.error ? ` · ${entry.error}` : ""}`;
    case "reload":
      return `Reward server: reloaded rewards (version ${entry.version}, after a change to ${entry.trigger})`;
    case "reload_rejected":
      return `Reward server: change to ${entry.trigger} not loaded, still serving version ${entry.version}: ${(entry.errors as string[]).join("; ")}`;
    case "shutdown":
      return `Reward server: shut down (version ${entry.version} was served)`;
    case "requests_summary":
      return `Reward server: ${entry.note} (statuses ${JSON.stringify(entry.statuses)}, slowest ${entry.max_ms} ms)`;
    case "slow_reward":
      return `Reward server: ${entry.message}`;
    default:
      return `Reward server: ${JSON.stringify(entry)}`;
  }
}

function firstLine(text: string): string {
  const lines = text.split("\n");
  return lines.length > 1 ? `${lines[0]} (details in the RewardLab log)` : text;
}
