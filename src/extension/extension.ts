import * as vscode from "vscode";
import { TraceAnnotations } from "./annotations/traceAnnotations";
import { registerCommands } from "./commands";
import { putCliOnPath } from "./terminal/cliOnPath";
import { DashboardPanels } from "./dashboard/dashboardPanels";
import { Log } from "./log";
import { RewardLenses } from "./scoring/rewardLenses";
import { RewardService } from "./scoring/rewardService";
import { RewardServerController } from "./serve/rewardServerController";
import type { Services } from "./services";
import { StatusBar } from "./statusBar";
import { TraceViewerProvider } from "./traceViewer/traceViewerProvider";
import { TraceStore } from "./traces/traceStore";
import { RewardsView } from "./views/rewardsView";
import { RunsView } from "./views/runsView";
import { TracesView } from "./views/tracesView";
import { TrainingController } from "./training/trainingController";
import { WhatIfEditor } from "./whatIf/whatIfEditor";
import { watchLabWorkspace } from "./walkthrough";
import { RewardTests } from "./testing/rewardTests";

/**
 * Registers the views, commands, trace viewer and annotations. Nothing here reads files or runs
 * reward code: that happens when a view is expanded or a trace opened, so activation stays cheap
 * (its time is logged to the "RewardLab" output channel).
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = new Log();
  context.subscriptions.push(log);
  const store = new TraceStore(log);
  const statusBar = new StatusBar();
  const rewards = new RewardService(store, statusBar, log, context.globalStorageUri.fsPath);
  const viewer = new TraceViewerProvider(context.extensionUri, store, log, rewards);
  const runsView = new RunsView();
  const dashboards = new DashboardPanels(context.extensionUri, viewer, log);
  const services: Services = {
    context,
    log,
    store,
    statusBar,
    rewards,
    viewer,
    tracesView: new TracesView(store),
    rewardsView: new RewardsView(store, rewards),
    whatIf: new WhatIfEditor(store, rewards, log),
    runsView,
    dashboards,
    // A hidden status bar item only; the server process starts with its command.
    rewardServer: new RewardServerController(context.extensionPath, log, () => rewards.rewardsPath),
    // A hidden status bar item only; the trainer process starts with "Train with Current Reward".
    training: new TrainingController(log, dashboards, runsView),
  };
  const annotations = new TraceAnnotations(context.extensionUri, store, log);
  const rewardLenses = new RewardLenses(rewards);
  // Reward files' pinned cases in the Test Explorer (listed from their text; run in a child process).
  const rewardTests = new RewardTests(context.extensionPath, rewards, log);
  void rewardTests.discover();
  context.subscriptions.push(rewardTests, watchLabWorkspace(), store, statusBar, rewards, services.viewer, services.tracesView, services.rewardsView, services.whatIf, services.runsView, services.dashboards, services.rewardServer, services.training, annotations, rewardLenses, ...registerCommands(services));
  // After activation's own work: a file write, not on the activation path.
  void putCliOnPath(context, log);
  const trust = vscode.workspace.isTrusted ? "trusted" : "restricted mode: reward code will not run";
  log.info(`Activated in ${(performance.now() - started).toFixed(1)} ms (${trust})`);
}

export function deactivate(): void {}
