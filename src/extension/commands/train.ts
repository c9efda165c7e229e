import { PRESETS } from "../../rl/presets";
import { readRunInfo } from "../../rl/runs";
import { loadWorkspace, type Workspace } from "../../rl/workspace";
import { runWorkspace } from "../runs/runCatalog";
import { askSteps, chooseWorkspaceFolder, defaultSteps, pickPreset, saveTrainingInputs, workspacePreset } from "../training/trainOptions";
import { requireTrust } from "../trust";
import type { Command } from "./command";

/** What the dashboard's "Train with current reward" passes: train again like that run. */
interface TrainAgain {
  preset?: string;
  runDir?: string;
}

function trainAgainOf(argument: unknown): TrainAgain {
  if (!argument || typeof argument !== "object") return {};
  const { preset, runDir } = argument as Record<string, unknown>;
  return { preset: typeof preset === "string" && preset in PRESETS ? preset : undefined, runDir: typeof runDir === "string" ? runDir : undefined };
}

/**
 * Preset and steps: asked, or, when training again like a run (one click from its dashboard), that
 * run's preset and step count.
 */
async function chooseSettings(ws: Workspace, again: TrainAgain): Promise<{ preset: string; steps: number } | undefined> {
  if (again.preset && again.runDir) {
    const run = await readRunInfo(again.runDir);
    return { preset: again.preset, steps: run.info?.steps.total ?? defaultSteps(ws, again.preset) };
  }
  const preset = again.preset ?? (await pickPreset(workspacePreset(ws)));
  if (!preset) return undefined;
  const steps = await askSteps(defaultSteps(ws, preset));
  return steps === undefined ? undefined : { preset, steps };
}

/**
 * "RewardLab: Train with Current Reward": trains the workspace's base policy with its reward files as
 * they are now (unsaved edits saved after a modal question) in the trainer child process. Accepts
 * `{ preset, runDir }` to train again like that run (same preset and steps, the current rewards).
 */
export const trainWithCurrentReward: Command = {
  id: "rewardlab.train",
  async run({ training }, argument?: unknown) {
    if (training.busy) return training.showBusy();
    if (!(await requireTrust("Training"))) return;
    const again = trainAgainOf(argument);
    const folder = again.runDir ? runWorkspace(again.runDir) : await chooseWorkspaceFolder();
    if (!folder) return;
    if (!(await saveTrainingInputs(loadWorkspace(folder)))) return;
    // Loaded again: saving may have changed rewardlab.json.
    const ws = loadWorkspace(folder);
    const chosen = await chooseSettings(ws, again);
    if (!chosen) return;
    const label = `${chosen.preset}, ${chosen.steps} steps${again.runDir ? ", current reward" : ""}`;
    await training.run({ workspace: ws.dir, preset: chosen.preset, steps: chosen.steps, overrides: {} }, label);
  },
};
