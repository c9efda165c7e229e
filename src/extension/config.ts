import * as vscode from "vscode";
import type { StepAggregate } from "../reward/api/types";
import type { PrmTemplate } from "../reward/builtin/prmInput";
import type { StepSplitOptions } from "../trace/types";

/** The `rewardlab.prm.*` settings: an ONNX process reward model scored as the reward "prm". */
export interface PrmSettings {
  /** As written: a folder with model.onnx + tokenizer.json, or an .onnx file; relative to the workspace folder. */
  model: string;
  separator: string;
  positiveLabel: number;
  weight: number;
  aggregate: StepAggregate;
  template: PrmTemplate;
  maxLength: number;
}

/** Typed access to the `rewardlab.*` settings (declared in package.json `contributes.configuration`). */
export const settings = {
  get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration("rewardlab");
  },
  get rewardsPath(): string {
    return this.section.get("rewardsPath", "rewards");
  },
  get scoreTimeoutMs(): number {
    return this.section.get("scoring.timeoutMs", 2000);
  },
  /** p99 time per sample above which a reward is flagged (Rewards view). */
  get scoreBudgetMs(): number {
    return this.section.get("scoring.budgetMs", 50);
  },
  get annotationsEnabled(): boolean {
    return this.section.get("annotations.enabled", true);
  },
  get annotationRewards(): "total" | "all" {
    return this.section.get("annotations.show", "all");
  },
  get stepSplit(): StepSplitOptions {
    const mode = this.section.get<StepSplitOptions["mode"]>("steps.mode", "auto");
    const pattern = this.section.get<string>("steps.pattern", "");
    return mode === "regex" && pattern ? { mode, pattern } : { mode: mode === "regex" ? "auto" : mode };
  },
  get defaultChannel(): string {
    return this.section.get("viewer.defaultChannel", "process");
  },
  /** The ONNX PRM to score with, or undefined when `rewardlab.prm.model` is empty. */
  get prm(): PrmSettings | undefined {
    const model = this.section.get<string>("prm.model", "").trim();
    if (!model) return undefined;
    return {
      model,
      separator: this.section.get("prm.separator", "<extra_0>"),
      positiveLabel: this.section.get("prm.positiveLabel", 1),
      weight: this.section.get("prm.weight", 1),
      aggregate: this.section.get<StepAggregate>("prm.aggregate", "min"),
      template: this.section.get<PrmTemplate>("prm.template", "plain"),
      maxLength: this.section.get("prm.maxLength", 4096),
    };
  },
  /** First port the reward server tries ("Serve Reward for Distributed Training"). */
  get servePort(): number {
    return this.section.get("serve.port", 5000);
  },
};
