import * as path from "node:path";
import * as vscode from "vscode";
import { type RunningTraining, startTraining } from "../../rl/trainer/client";
import type { TrainEvent, TrainRequest } from "../../rl/trainer/protocol";
import { Disposable } from "../base/disposable";
import type { DashboardPanels } from "../dashboard/dashboardPanels";
import type { Log } from "../log";
import type { RunsView } from "../views/runsView";
import { eventLogLine, type FinalEvent, finalMessage, TrainingProgress } from "../../rl/trainer/progress";
import { EventLoopProbe, formatDelay } from "./responsiveness";
import { markStepDone } from "../walkthrough";

/** The training this window runs: the trainer child and what is known of its progress. */
class CurrentTraining {
  readonly progress = new TrainingProgress();
  readonly training: RunningTraining;
  cancelRequested = false;
  /** Tells the progress notification that something changed. */
  onChange: (() => void) | undefined;

  constructor(request: TrainRequest, onEvent: (current: CurrentTraining, event: TrainEvent) => void, onOutput: (text: string) => void) {
    this.training = startTraining(request, { onEvent: (event) => onEvent(this, event), onOutput });
  }
}

const ACTIONS = { dashboard: "Open Dashboard", resume: "Resume", log: "Show Log", cancel: "Cancel Training", kill: "Stop Now" } as const;

/**
 * Runs one training at a time per window in the trainer child process (src/rl/trainerProcess.ts: ONNX
 * Runtime blocks its thread, the extension host must not be that thread). Shows a cancellable
 * progress notification and a status bar item, opens the run's dashboard once the run folder exists,
 * logs every event to the RewardLab channel, and says how it ended.
 */
export class TrainingController extends Disposable {
  private current: CurrentTraining | undefined;
  private readonly item = this.register(vscode.window.createStatusBarItem("rewardlab.training", vscode.StatusBarAlignment.Left, 48));

  constructor(
    private readonly log: Log,
    private readonly dashboards: DashboardPanels,
    private readonly runsView: RunsView,
  ) {
    super();
    this.item.name = "RewardLab Training";
    // A window that closes cancels its run (the trainer also stops when its parent goes away).
    this.register({ dispose: () => this.current?.training.cancel() });
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Says a run is going already (one at a time), with its dashboard and cancel at hand. */
  async showBusy(): Promise<void> {
    const current = this.current;
    if (!current) return;
    const run = current.progress.started?.runId;
    const stop = current.cancelRequested ? ACTIONS.kill : ACTIONS.cancel;
    const choice = await vscode.window.showInformationMessage(
      `RewardLab: training${run ? ` run ${run}` : ""} is running in this window (${current.progress.message()}). One training at a time: ${current.cancelRequested ? "it is stopping after the current step" : "cancel it first"}.`,
      ...(run ? [ACTIONS.dashboard] : []),
      stop,
    );
    if (choice === ACTIONS.dashboard) this.openDashboard();
    if (choice === stop && this.current === current) this.cancel();
  }

  /** Asks the run to stop after its current step (with a checkpoint); asked again, kills it. */
  cancel(): void {
    const current = this.current;
    if (!current) return;
    this.log.info(current.cancelRequested ? "Training: stopping the trainer now (second cancel)" : "Training: cancel requested; stopping after the current step");
    current.cancelRequested = true;
    current.training.cancel();
    this.updateItem();
  }

  /**
   * Starts `request` (a new run, or `resume`), shows its progress and resolves when it ends.
   * `title` names it in the notification, e.g. "GRPO, 30 steps".
   */
  async run(request: TrainRequest, title: string): Promise<FinalEvent | undefined> {
    if (this.current) {
      void this.showBusy();
      return undefined;
    }
    const probe = new EventLoopProbe();
    this.log.info(`Training: starting ${title} in ${request.workspace}${request.resume ? ` (resuming ${request.resume})` : ""}`);
    const running = new CurrentTraining(request, (current, event) => this.onEvent(current, event), (text) => this.log.warn(`Trainer: ${text.trimEnd()}`));
    this.current = running;
    this.updateItem();
    let final: FinalEvent;
    try {
      final = await this.notifyProgress(running, title);
    } finally {
      this.current = undefined;
      this.item.hide();
    }
    this.log.info(`Training: extension host while training: ${formatDelay(probe.stop())}`);
    this.runsView.refresh();
    void this.announce(final, running.progress);
    return final;
  }

  /** The progress notification ("step k/N", ETA, Cancel) until the run ends; resolves with its final event. */
  private notifyProgress(running: CurrentTraining, title: string): Thenable<FinalEvent> {
    const { progress } = running;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RewardLab: training (${title})`, cancellable: true },
      (notification, token) => {
        token.onCancellationRequested(() => this.current === running && !running.cancelRequested && this.cancel());
        let reported = 0;
        running.onChange = () => {
          const increment = (progress.fraction - reported) * 100;
          reported = progress.fraction;
          notification.report({ message: running.cancelRequested ? `stopping after step ${progress.step + 1}…` : progress.message(), increment });
        };
        running.onChange();
        return running.training.finished;
      },
    );
  }

  private onEvent(current: CurrentTraining, event: TrainEvent): void {
    current.progress.apply(event);
    const line = eventLogLine(event);
    if (line && (event.type === "error" || (event.type === "log" && event.level === "warn"))) this.log.warn(line);
    else if (line) this.log.info(line);
    if (event.type === "metrics") markStepDone("trained");
    if (event.type === "started") {
      this.dashboards.open(event.runDir);
      this.runsView.refresh();
    }
    if (event.type !== "log") {
      current.onChange?.();
      this.updateItem();
    }
  }

  /** The notification of how the run ended, with what to do next. */
  private async announce(final: FinalEvent, progress: TrainingProgress): Promise<void> {
    const runDir = final.runDir ?? progress.started?.runDir ?? null;
    const { text, failed } = finalMessage(final, progress.started?.runId);
    const actions: string[] = [];
    if (runDir) actions.push(ACTIONS.dashboard);
    if (runDir && (failed || (final.type === "done" && final.status === "cancelled"))) actions.push(ACTIONS.resume);
    if (failed) actions.push(ACTIONS.log);
    const choice = failed ? await vscode.window.showErrorMessage(text, ...actions) : await vscode.window.showInformationMessage(text, ...actions);
    if (choice === ACTIONS.dashboard && runDir) this.dashboards.open(runDir);
    if (choice === ACTIONS.resume && runDir) await vscode.commands.executeCommand("rewardlab.resumeTraining", { runDir });
    if (choice === ACTIONS.log) this.log.show();
  }

  private openDashboard(): void {
    const runDir = this.current?.progress.started?.runDir;
    if (runDir) this.dashboards.open(runDir);
  }

  private updateItem(): void {
    const current = this.current;
    if (!current || this.isDisposed) return;
    const { progress } = current;
    const started = progress.started;
    this.item.text = `$(sync~spin) ${current.cancelRequested ? "Stopping" : "Training"} ${started ? `${progress.step}/${progress.total}` : "…"}`;
    this.item.tooltip = new vscode.MarkdownString(
      `**RewardLab training**${started ? ` · run \`${started.runId}\` · ${started.preset}` : ""}\n\n${progress.message()}\n\n` +
        (started ? `Run folder: \`${path.basename(path.dirname(started.runDir))}/${started.runId}\`\n\nClick to open its dashboard.` : "Click to show the log."),
    );
    this.item.command = started ? { command: "rewardlab.openDashboard", title: "Open Training Dashboard", arguments: [{ runDir: started.runDir }] } : "rewardlab.showLog";
    this.item.show();
  }
}
