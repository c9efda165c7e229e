/**
 * The questions "Train with Current Reward" asks before it starts: which workspace (the folder with
 * rewardlab.json), whether to save unsaved reward edits, which preset, how many steps.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { PRESETS, presetNames } from "../../rl/presets";
import { resolveRunSettings } from "../../rl/resolve";
import type { Workspace } from "../../rl/workspace";

/** How presets read in the picker; a preset missing here shows its setting name. */
const PRESET_LABELS: Record<string, string> = { grpo: "GRPO", dapo: "DAPO", dr_grpo: "Dr.GRPO", ppo: "PPO", rloo: "RLOO", reinforce_pp: "REINFORCE++", gspo: "GSPO" };

/** The most steps the input box accepts (a typo guard: 1e6 steps would run for weeks here). */
const MAX_STEPS = 100_000;

/**
 * The workspace folder to train in: the one holding rewardlab.json. With several (a repository of
 * sample workspaces), the one containing the active editor's file, else the user picks.
 */
export async function chooseWorkspaceFolder(): Promise<string | undefined> {
  const configs = await vscode.workspace.findFiles("**/rewardlab.json", "**/{node_modules,runs}/**", 100);
  const dirs = [...new Set(configs.map((uri) => path.dirname(uri.fsPath)))].sort();
  if (dirs.length === 0) {
    const create = "Create Sample Workspace";
    void vscode.window
      .showWarningMessage("RewardLab: no rewardlab.json in this workspace. Training and evaluation need a folder with rewardlab.json (task, data, base policy, rewards): create a sample one to try it, or see the README's \"Train in VS Code\".", create)
      .then((choice) => choice === create && vscode.commands.executeCommand("rewardlab.createSampleWorkspace"));
    return undefined;
  }
  if (dirs.length === 1) return dirs[0];
  const active = vscode.window.activeTextEditor?.document.uri.fsPath;
  const containing = active ? dirs.filter((dir) => active.startsWith(dir + path.sep)).sort((a, b) => b.length - a.length)[0] : undefined;
  if (containing) return containing;
  const picked = await vscode.window.showQuickPick(
    dirs.map((dir) => ({ label: path.basename(dir), description: vscode.workspace.asRelativePath(dir), dir })),
    { placeHolder: "Workspace to train (the folder with rewardlab.json)" },
  );
  return picked?.dir;
}

/** True when `file` is `target` or inside it. */
function within(file: string, target: string): boolean {
  return file === target || file.startsWith(target + path.sep);
}

/**
 * Training reads rewardlab.json and the reward files from disk. When an editor holds unsaved edits
 * of them, asks (modal) to save them first. False when the user cancels or a save fails.
 */
export async function saveTrainingInputs(ws: Workspace): Promise<boolean> {
  const dirty = vscode.workspace.textDocuments.filter(
    (doc) => doc.isDirty && doc.uri.scheme === "file" && (doc.uri.fsPath === ws.configFile || ws.rewardPaths.some((target) => within(doc.uri.fsPath, target))),
  );
  if (dirty.length === 0) return true;
  const names = dirty.map((doc) => path.relative(ws.dir, doc.uri.fsPath)).join(", ");
  const save = "Save and train";
  const choice = await vscode.window.showWarningMessage(
    `${dirty.length === 1 ? "A file" : `${dirty.length} files`} of this training ${dirty.length === 1 ? "has" : "have"} unsaved edits`,
    { modal: true, detail: `${names}\n\nTraining uses the files on disk (a snapshot goes into the run folder). Save them and train with the edits?` },
    save,
  );
  if (choice !== save) return false;
  for (const doc of dirty) {
    if (!(await doc.save())) {
      void vscode.window.showErrorMessage(`RewardLab: could not save ${path.relative(ws.dir, doc.uri.fsPath)}; training not started.`);
      return false;
    }
  }
  return true;
}

/** The preset rewardlab.json names (trainer.algo), else the default; an unknown preset or setting throws as in the CLI. */
export function workspacePreset(ws: Workspace): string {
  return resolveRunSettings({ trainer: ws.config.trainer, trainerSource: ws.configFile }).preset;
}

/** Quick pick of the algorithm presets, `preferred` first, each with its one-line summary. */
export async function pickPreset(preferred: string): Promise<string | undefined> {
  const names = [preferred, ...presetNames().filter((name) => name !== preferred)];
  const items = names.map((name) => ({
    label: PRESET_LABELS[name] ?? name,
    description: name === preferred ? `${name} · default` : name,
    detail: PRESETS[name as keyof typeof PRESETS]?.summary,
    name,
  }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: "RL algorithm for this training run", matchOnDescription: true, matchOnDetail: true });
  return picked?.name;
}

/** total_steps of `preset` with the workspace's trainer settings applied (throws on bad settings). */
export function defaultSteps(ws: Workspace, preset: string): number {
  return resolveRunSettings({ preset, presetSource: "preset", trainer: ws.config.trainer, trainerSource: ws.configFile }).settings.total_steps;
}

/** Input box for the number of steps; undefined when cancelled. */
export async function askSteps(defaultValue: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: "Training steps",
    prompt: "Each step samples responses for a batch of prompts, scores them with your rewards and updates the policy.",
    value: String(defaultValue),
    validateInput: (value) => (/^\d+$/.test(value.trim()) && Number(value) >= 1 && Number(value) <= MAX_STEPS ? undefined : `Enter a whole number of steps from 1 to ${MAX_STEPS}.`),
  });
  return text === undefined ? undefined : Number(text.trim());
}
