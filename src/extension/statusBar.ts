import * as vscode from "vscode";
import { Disposable } from "./base/disposable";
import { settings } from "./config";

/** "RewardLab: rewards/ · scored 12:03": the reward set in use and when it last scored. */
export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem("rewardlab.status", vscode.StatusBarAlignment.Left, 50));
  private lastScored: Date | undefined;
  private detail = "";

  constructor() {
    super();
    this.item.name = "RewardLab";
    this.item.command = "rewardlab.rewards.focus";
    this.register(vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration("rewardlab") && this.update()));
    this.update();
    this.item.show();
  }

  /** Records a finished scoring run (`detail`: e.g. "20 samples, 2 errors"). */
  scored(detail: string): void {
    this.lastScored = new Date();
    this.detail = detail;
    this.update();
  }

  private update(): void {
    const time = this.lastScored?.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    this.item.text = `$(beaker) ${settings.rewardsPath}${time ? ` · scored ${time}` : ""}`;
    this.item.tooltip = new vscode.MarkdownString(
      `**RewardLab**\n\nRewards: \`${settings.rewardsPath}\`\n\n` +
        (time ? `Last scored at ${time}: ${this.detail}` : "Not scored in this session: the stored rewards of each trace are shown.") +
        (vscode.workspace.isTrusted ? "" : "\n\n$(shield) Restricted mode: reward code does not run."),
      true,
    );
  }
}
