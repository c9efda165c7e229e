import type * as vscode from "vscode";
import type { DashboardPanels } from "./dashboard/dashboardPanels";
import type { Log } from "./log";
import type { RewardService } from "./scoring/rewardService";
import type { RewardServerController } from "./serve/rewardServerController";
import type { StatusBar } from "./statusBar";
import type { TraceViewerProvider } from "./traceViewer/traceViewerProvider";
import type { TrainingController } from "./training/trainingController";
import type { TraceStore } from "./traces/traceStore";
import type { RewardsView } from "./views/rewardsView";
import type { WhatIfEditor } from "./whatIf/whatIfEditor";
import type { TracesView } from "./views/tracesView";
import type { RunsView } from "./views/runsView";

/** What commands may use; built once in `activate`. */
export interface Services {
  context: vscode.ExtensionContext;
  log: Log;
  store: TraceStore;
  viewer: TraceViewerProvider;
  tracesView: TracesView;
  rewardsView: RewardsView;
  statusBar: StatusBar;
  rewards: RewardService;
  whatIf: WhatIfEditor;
  runsView: RunsView;
  dashboards: DashboardPanels;
  rewardServer: RewardServerController;
  /** The window's training run (one at a time). */
  training: TrainingController;
}
