import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { convertedPath, runConvert, type ConvertResult } from "../traces/convertLog";
import type { Services } from "../services";
import type { Command } from "./command";

/**
 * "RewardLab: Convert Rollout Log": a verl / TRL / OpenRLHF / EasyR1 / verifiers / PRM log (file or
 * folder, detected by content) becomes a trace file beside it, then opens in the Trace Viewer. The
 * trainer's own logged rewards (verl's `score`, TRL's reward columns) stay in the trace's `rewards`.
 */
export const convertRolloutLog: Command = {
  id: "rewardlab.convertRolloutLog",
  async run(services, target?: unknown) {
    const input = target instanceof vscode.Uri ? target : await pickLog();
    if (!input) return;
    const trace = await convertToTrace(services, input);
    if (trace) await services.viewer.open(trace);
  },
};

/**
 * Converts `input` to `<name>.trace.jsonl` beside it (asking before replacing one), with progress
 * and a summary; returns the trace's Uri, or undefined when cancelled or failed (the error is shown).
 */
export async function convertToTrace(services: Services, input: vscode.Uri): Promise<vscode.Uri | undefined> {
  const isFolder = fs.statSync(input.fsPath).isDirectory();
  const out = convertedPath(input.fsPath, isFolder);
  if (fs.existsSync(out)) {
    const choice = await vscode.window.showWarningMessage(`${path.basename(out)} exists. Convert ${path.basename(input.fsPath)} again and replace it?`, { modal: true }, "Replace", "Open Existing");
    if (choice === "Open Existing") return vscode.Uri.file(out);
    if (choice !== "Replace") return undefined;
  }
  const cli = path.join(services.context.extensionPath, "dist", "cli.js");
  let result: ConvertResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RewardLab: converting ${path.basename(input.fsPath)}`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return runConvert({ cli, input: input.fsPath, out, signal: abort.signal });
      },
    );
  } catch (error) {
    if (!/cancelled/.test((error as Error).message)) void vscode.window.showErrorMessage(`RewardLab: ${(error as Error).message}`);
    return undefined;
  }
  const notes = [
    `${result.samples.toLocaleString("en-US")} samples in ${result.groups.toLocaleString("en-US")} groups (${result.format}${result.files > 1 ? `, ${result.files} files` : ""})`,
    result.malformed_lines.length ? `${result.malformed_lines.length} malformed line(s) skipped, first: ${result.malformed_lines[0].file}:${result.malformed_lines[0].line}: ${result.malformed_lines[0].message}` : "",
    result.missing_images ? `${result.missing_images} image path(s) name no file (EasyR1: convert with --image-dir from the terminal)` : "",
  ].filter(Boolean);
  services.log.info(`Converted ${input.fsPath} -> ${out}: ${notes.join("; ")}`);
  void vscode.window.showInformationMessage(`RewardLab: wrote ${path.basename(out)}: ${notes.join("; ")}.`);
  return vscode.Uri.file(out);
}

async function pickLog(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: "Rollout log to convert (verl, TRL, OpenRLHF, EasyR1, verifiers, PRM800K, ...)",
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    filters: { "Rollout logs": ["jsonl", "parquet", "gz", "json"] },
  });
  return picked?.[0];
}
