import * as vscode from "vscode";
import { compareRewards } from "../../rl/runRewards";
import { runFromArgument } from "../runs/runArgument";
import { runWorkspace } from "../runs/runCatalog";
import { requireTrust } from "../trust";
import type { Command } from "./command";

/**
 * The trainer resumes with the reward files at the paths the run used, as they are now. When they
 * changed since, the resumed steps would be scored by another reward than the run records: ask.
 * True: resume; "new": start a new run with the current reward instead; false: do nothing.
 */
async function confirmRewardDrift(runId: string, runDir: string, rewards: Parameters<typeof compareRewards>[1]): Promise<boolean | "new"> {
  const drift = await compareRewards(runWorkspace(runDir), rewards).catch(() => undefined);
  if (!drift || drift.changes.length === 0) return true;
  const changed = drift.changes.map((change) => `${change.change}: ${change.path}`).join("\n");
  const resume = "Resume Anyway";
  const fresh = "Train New Run";
  const choice = await vscode.window.showWarningMessage(
    `The reward files changed since run ${runId} started`,
    {
      modal: true,
      detail: `${changed}\n\nThe run records reward version ${drift.runVersion}; resuming would score its remaining steps with the files as they are now (${drift.currentVersion}). To train with the edited reward, start a new run.`,
    },
    resume,
    fresh,
  );
  return choice === resume ? true : choice === fresh ? "new" : false;
}

/**
 * "RewardLab: Resume Training" (Runs view, runs that were cancelled, failed or interrupted): continues
 * the run from its latest checkpoint with the same settings and seeds, in the trainer child process.
 */
export const resumeTraining: Command = {
  id: "rewardlab.resumeTraining",
  async run({ training }, target?: unknown) {
    if (training.busy) return training.showBusy();
    const run = await runFromArgument(target, "Training run to resume");
    if (!run) return;
    if (!run.info) {
      void vscode.window.showWarningMessage(`RewardLab: run ${run.id} cannot be resumed: ${run.error}`);
      return;
    }
    if (run.state === "running" || run.state === "completed") {
      void vscode.window.showInformationMessage(`RewardLab: run ${run.id} is ${run.state} (${run.info.steps.done}/${run.info.steps.total} steps): nothing to resume.`);
      return;
    }
    if (!(await requireTrust("Resuming training"))) return;
    const go = await confirmRewardDrift(run.id, run.dir, run.info.rewards);
    if (go === "new") return vscode.commands.executeCommand("rewardlab.train", { preset: run.info.preset, runDir: run.dir });
    if (!go) return;
    const label = `resume ${run.id} after step ${run.info.steps.done} of ${run.info.steps.total}`;
    await training.run({ workspace: runWorkspace(run.dir), overrides: {}, resume: run.dir }, label);
  },
};
