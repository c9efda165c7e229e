import * as path from "node:path";
import * as vscode from "vscode";
import { loadWorkspace } from "../../rl/workspace";
import { shellQuote } from "../../server/export/common";
import { openRlhfArgs } from "../../server/export/openrlhf";
import type { RunSettings } from "../../rl/resolve";
import { exportSettings } from "../../server/export/trainerSettings";
import { exportVerl, verlPlan, VERL_MODULE_FILE } from "../../server/export/verl";
import { writeFileAtomic } from "../../trace/io";
import type { Log } from "../log";
import type { ListeningInfo } from "./serverChild";

/** What the "Copy ..." actions of the running reward server work from. */
export interface LaunchContext {
  info: ListeningInfo;
  /** Workspace folder (rewardlab.json), when one is open. */
  workspace: string | undefined;
  /** The rewards the server loads. */
  rewards: readonly string[];
  log: Log;
}

/** Where "Copy verl config" writes the reward module (inside the workspace, so it can be committed). */
export const VERL_EXPORT_DIR = path.join(".rewardlab", "verl");

/**
 * The workspace's RL settings; on a bad rewardlab.json, undefined and a warning (the reward part of
 * the launch settings is still useful without them).
 */
function workspaceSettings(context: LaunchContext): RunSettings | undefined {
  if (!context.workspace) return undefined;
  try {
    return exportSettings(loadWorkspace(context.workspace));
  } catch (error) {
    context.log.warn(`Launch settings: RL settings not included: ${(error as Error).message}`);
    void vscode.window.showWarningMessage(`RewardLab: the RL settings of rewardlab.json are not included: ${(error as Error).message}`);
    return undefined;
  }
}

/** Copies the OpenRLHF flags (newer grouped spelling) for the running server and the workspace's preset. */
export async function copyOpenRlhfFlags(context: LaunchContext): Promise<void> {
  const trainer = workspaceSettings(context);
  const { info } = context;
  const args = openRlhfArgs({ rewards: context.rewards, url: info.url, host: "127.0.0.1", port: info.port, inputKey: "prompt", labelKey: "answer", ...(trainer ? { trainer } : {}) });
  await vscode.env.clipboard.writeText(args.current.map(shellQuote).join(" "));
  context.log.info(`Launch settings: copied OpenRLHF flags: ${args.current.join(" ")}${args.notes.length ? `\n  not exported: ${args.notes.join("\n  not exported: ")}` : ""}`);
  const filter = args.scoreReward ? ` Dynamic filtering uses "${args.scoreReward}": start the server with \`rewardlab serve --score-reward ${args.scoreReward}\` for that.` : "";
  void vscode.window.showInformationMessage(
    `RewardLab: copied the OpenRLHF flags${trainer ? ` (${trainer.source})` : ""}. Older OpenRLHF releases spell them --remote_rm_url, --advantage_estimator, ...: \`rewardlab export openrlhf\` writes both.${filter}`,
  );
}

/**
 * Writes the verl export (reward module, overrides, README) to .rewardlab/verl in the workspace and
 * copies the Hydra overrides, pointing at that module.
 */
export async function copyVerlConfig(context: LaunchContext): Promise<void> {
  if (!context.workspace) throw new Error("open a folder first: the verl reward module is written into it");
  const trainer = workspaceSettings(context) ?? defaultSettings();
  const dir = path.join(context.workspace, VERL_EXPORT_DIR);
  const modulePath = path.join(dir, VERL_MODULE_FILE);
  const { info } = context;
  const files = exportVerl({ rewards: context.rewards, rewardNames: info.rewards, url: info.url, host: "127.0.0.1", port: info.port, trainer, modulePath });
  await vscode.workspace.fs.createDirectory(vscode.Uri.file(dir));
  for (const [name, text] of Object.entries(files)) await writeFileAtomic(path.join(dir, name), text);
  const plan = verlPlan(modulePath, info.url, trainer.settings);
  await vscode.env.clipboard.writeText(plan.overrides.map(shellQuote).join(" \\\n  "));
  context.log.info(`Launch settings: wrote ${dir}; copied verl overrides:\n  ${plan.overrides.join("\n  ")}${plan.notes.length ? `\n  not exported: ${plan.notes.join("\n  not exported: ")}` : ""}`);
  const open = "Open README";
  const choice = await vscode.window.showInformationMessage(
    `RewardLab: copied the verl overrides (${trainer.source}). The reward module is ${path.join(VERL_EXPORT_DIR, VERL_MODULE_FILE)}: copy that folder to the machine that launches verl.`,
    open,
  );
  if (choice === open) await vscode.window.showTextDocument(vscode.Uri.file(path.join(dir, "README.md")));
}

/** Without a readable rewardlab.json: the default preset alone. */
function defaultSettings(): RunSettings {
  return exportSettings({ config: { trainer: {} }, configFile: "rewardlab.json" });
}
