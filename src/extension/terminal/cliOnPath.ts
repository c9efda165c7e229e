/**
 * Puts the extension's bundled `rewardlab` CLI on the integrated terminal's PATH, so the README's
 * commands and the generated scripts (serve_reward.sh, ...) work in VS Code's terminal without an
 * install. A small launcher in the extension's storage runs dist/cli.js with the editor's own Node
 * (`ELECTRON_RUN_AS_NODE`: VS Code's binary is Electron; code-server's is Node, which ignores it).
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type * as vscode from "vscode";
import type { Log } from "../log";

export async function putCliOnPath(context: vscode.ExtensionContext, log: Log): Promise<void> {
  const bin = path.join(context.globalStorageUri.fsPath, "bin");
  const cli = path.join(context.extensionPath, "dist", "cli.js");
  try {
    await fs.mkdir(bin, { recursive: true });
    if (process.platform === "win32") {
      await writeIfChanged(path.join(bin, "rewardlab.cmd"), `@echo off\r\nset ELECTRON_RUN_AS_NODE=1\r\n"${process.execPath}" "${cli}" %*\r\n`);
    } else {
      const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
      await writeIfChanged(path.join(bin, "rewardlab"), `#!/bin/sh\nELECTRON_RUN_AS_NODE=1 exec ${quote(process.execPath)} ${quote(cli)} "$@"\n`, 0o755);
    }
    const collection = context.environmentVariableCollection;
    collection.description = "Puts the RewardLab CLI (`rewardlab`) on PATH";
    collection.prepend("PATH", `${bin}${path.delimiter}`);
  } catch (error) {
    log.error(`Could not put the rewardlab CLI on the terminal's PATH (${bin})`, error);
  }
}

async function writeIfChanged(file: string, text: string, mode?: number): Promise<void> {
  const current = await fs.readFile(file, "utf8").catch(() => undefined);
  if (current === text) return;
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text, mode === undefined ? {} : { mode });
  await fs.rename(temp, file);
}
