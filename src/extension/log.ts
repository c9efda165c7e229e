import * as vscode from "vscode";

/** The "RewardLab" output channel. */
export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel("RewardLab", { log: true });

  info(message: string): void {
    this.channel.info(message);
  }
  warn(message: string): void {
    this.channel.warn(message);
  }
  error(message: string, error?: unknown): void {
    this.channel.error(error === undefined ? message : `${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
