import { cp, stat } from "node:fs/promises";
import * as path from "node:path";
import * as vscode from "vscode";
import { refreshLabWorkspace } from "../walkthrough";
import type { Command } from "./command";

/** The sample workspaces the package carries (scripts/package.mjs stages them under dist/samples). */
const SAMPLES = [
  { name: "math-cot", label: "math-cot: arithmetic word problems", detail: "Text. A base that stops its chains early; GRPO teaches it to finish them (+55 points held out in ~90 s)." },
  { name: "shapes-vqa", label: "shapes-vqa: questions about images of shapes", detail: "Multimodal. Boxes drawn on the image, per-step grounding reward, a deliberately hackable reward." },
] as const;

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * "RewardLab: Create Sample Workspace": copies a bundled sample workspace (data, base policy,
 * rewards, rewardlab.json) into a folder the user picks, then opens it. Never writes into an
 * existing folder: the copy gets a free name (`math-cot-2`).
 */
export const createSampleWorkspace: Command = {
  id: "rewardlab.createSampleWorkspace",
  async run(services, sampleName?: unknown) {
    const sample = SAMPLES.find((s) => s.name === sampleName) ?? (await vscode.window.showQuickPick(SAMPLES.map((s) => ({ ...s, description: "" })), { placeHolder: "Sample workspace to create" }));
    if (!sample) return;
    const source = path.join(services.context.extensionPath, "dist", "samples", sample.name);
    if (!(await exists(path.join(source, "rewardlab.json")))) {
      void vscode.window.showErrorMessage(`RewardLab: this installation carries no ${sample.name} sample (${source} is missing); the repository has it under sample-workspaces/.`);
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const parent = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, defaultUri: folder, openLabel: `Create ${sample.name} here` });
    if (!parent?.[0]) return;
    let target = path.join(parent[0].fsPath, sample.name);
    for (let n = 2; await exists(target); n++) target = path.join(parent[0].fsPath, `${sample.name}-${n}`);
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `RewardLab: creating ${path.basename(target)}` }, () => cp(source, target, { recursive: true, errorOnExist: true, force: false }));
    } catch (error) {
      services.log.error(`Create sample workspace: copying ${source} to ${target} failed`, error);
      void vscode.window.showErrorMessage(`RewardLab: cannot create ${target}: ${(error as Error).message}`);
      return;
    }
    services.log.info(`Create sample workspace: ${sample.name} -> ${target}`);
    await refreshLabWorkspace();
    const inside = vscode.workspace.workspaceFolders?.some((f) => target.startsWith(f.uri.fsPath + path.sep));
    if (inside) {
      await vscode.commands.executeCommand("revealInExplorer", vscode.Uri.file(path.join(target, "README.md")));
      await vscode.commands.executeCommand("markdown.showPreview", vscode.Uri.file(path.join(target, "README.md")));
      return;
    }
    const open = "Open Folder";
    const choice = await vscode.window.showInformationMessage(`RewardLab: ${sample.name} created in ${target}.`, open);
    if (choice === open) await vscode.commands.executeCommand("vscode.openFolder", vscode.Uri.file(target));
  },
};
