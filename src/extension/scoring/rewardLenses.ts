import * as vscode from "vscode";
import { Disposable } from "../base/disposable";
import { describeStats } from "../traces/rewardStats";
import { rewardsOfFile } from "../views/declaredRewards";
import type { RewardService } from "./rewardService";

/**
 * CodeLens above each reward declaration in a reward file with its live statistics over the
 * scored traces ("mean 0.62 · 3 null · 2 errors · 1,024 samples"); refreshed after every scoring run.
 */
export class RewardLenses extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly service: RewardService) {
    super();
    this.register(vscode.languages.registerCodeLensProvider({ pattern: "**/*.reward.{ts,mts,js,mjs}" }, this));
    this.register(service.onDidScore(() => this.changed.fire()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    return rewardsOfFile(document.getText(), document.uri.fsPath, this.service.loaded?.rewards).map((reward) => {
      const range = new vscode.Range(reward.declarationLine, 0, reward.declarationLine, 0);
      if (!vscode.workspace.isTrusted) {
        return new vscode.CodeLens(range, { title: "$(shield) Restricted Mode: rewards do not run until the workspace is trusted", command: "workbench.trust.manage" });
      }
      const summary = this.service.summaries.get(reward.name);
      if (!summary) return new vscode.CodeLens(range, { title: "not scored yet: open a trace file", command: "rewardlab.openTraceViewer" });
      const { stats } = summary;
      const title = describeStats({ name: reward.name, mean: stats.mean, nulls: stats.nulls, errors: stats.errors, samples: stats.count + stats.nulls + stats.errors });
      return new vscode.CodeLens(range, { title, command: "rewardlab.rewards.focus" });
    });
  }
}
