import * as vscode from "vscode";
import type { Services } from "../services";
import type { Command } from "./command";
import { deleteRun } from "./deleteRun";
import { evaluateCheckpoint, evaluatePolicy } from "./evaluateCheckpoint";
import { newRewardFunction } from "./newRewardFunction";
import { openDashboard } from "./openDashboard";
import { openRunRollouts } from "./openRunRollouts";
import { openTraceViewer } from "./openTraceViewer";
import { createSampleWorkspace } from "./createSampleWorkspace";
import { convertRolloutLog } from "./convertRolloutLog";
import { refreshViews } from "./refresh";
import { resumeTraining } from "./resumeTraining";
import { scoreTraces } from "./scoreTraces";
import { serveReward } from "./serveReward";
import { showLog } from "./showLog";
import { trainWithCurrentReward } from "./train";
import { whatIf } from "./whatIf";

/** Every command of the extension; each id is also declared in package.json `contributes.commands`. */
export const COMMANDS: readonly Command[] = [openTraceViewer, createSampleWorkspace, evaluatePolicy, convertRolloutLog, newRewardFunction, scoreTraces, trainWithCurrentReward, refreshViews, showLog, whatIf, openDashboard, openRunRollouts, deleteRun, serveReward, resumeTraining, evaluateCheckpoint];

export function registerCommands(services: Services): vscode.Disposable[] {
  return COMMANDS.map((command) =>
    vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
      try {
        return await command.run(services, ...args);
      } catch (error) {
        services.log.error(`Command ${command.id} failed`, error);
        void vscode.window.showErrorMessage(`RewardLab: ${(error as Error).message}`);
      }
    }),
  );
}
