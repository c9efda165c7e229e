import * as vscode from "vscode";
import type { StepSplitOptions } from "../trace/types";

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
  /** First port the reward server tries ("Serve Reward for Distributed Training"). */
  get servePort(): number {
    return this.section.get("serve.port", 5000);
  },
};
