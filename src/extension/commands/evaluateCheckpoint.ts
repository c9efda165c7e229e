import * as path from "node:path";
import * as vscode from "vscode";
import type { RunEntry } from "../../rl/runs";
import { runFromArgument } from "../runs/runArgument";
import { runWorkspace } from "../runs/runCatalog";
import { formatMetric } from "../../rl/trainer/progress";
import { EvaluationCancelled, evaluationFile, evaluationSummary, runEvaluation, type EvaluationRequest, type EvaluationResult } from "../training/evaluation";
import { chooseWorkspaceFolder } from "../training/trainOptions";
import { markStepDone } from "../walkthrough";
import type { Services } from "../services";
import type { Command } from "./command";

/** A Runs view checkpoint item carries its path relative to the run folder. */
function checkpointOf(target: unknown): string | undefined {
  if (!target || typeof target !== "object") return undefined;
  const node = target as Record<string, unknown>;
  return node.kind === "checkpoint" && typeof node.path === "string" ? node.path : undefined;
}

/** The run's `max_response_length`, so the numbers match the held-out curve of its dashboard. */
function maxTokens(run: RunEntry): number | undefined {
  const value = run.info?.settings.max_response_length;
  return typeof value === "number" && value > 0 ? value : undefined;
}

/** Evaluates in a child process with a cancellable progress notification; undefined when cancelled or failed (said). */
async function evaluate(services: Services, name: string, request: Omit<EvaluationRequest, "cli" | "signal">): Promise<EvaluationResult | undefined> {
  services.log.info(`Evaluate: ${name} on the test split`);
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `RewardLab: evaluating ${name} on the held-out split`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return runEvaluation({ ...request, cli: path.join(services.context.extensionPath, "dist", "cli.js"), signal: abort.signal });
      },
    );
  } catch (error) {
    if (error instanceof EvaluationCancelled) return undefined;
    services.log.error(`Evaluate: ${name} failed`, error);
    void vscode.window.showErrorMessage(`RewardLab: evaluating ${name} failed: ${(error as Error).message}`, "Show Log").then((choice) => choice && services.log.show());
    return undefined;
  }
}

/**
 * "RewardLab: Evaluate Checkpoint" (a checkpoint in the Runs view, or a run's latest checkpoint):
 * generates greedy responses on the held-out split in a child process (`rewardlab eval`), reports
 * accuracy, format rate and IoU, and offers the responses in the trace viewer.
 */
export const evaluateCheckpoint: Command = {
  id: "rewardlab.evaluateCheckpoint",
  async run(services, target?: unknown) {
    const run = await runFromArgument(target, "Training run whose latest checkpoint to evaluate");
    if (!run) return;
    const checkpoint = checkpointOf(target) ?? run.info?.checkpoints.at(-1);
    if (!checkpoint) {
      const why = run.info ? "has no checkpoint yet (one is written every save_every steps and when a run stops)" : `cannot be read: ${run.error}`;
      void vscode.window.showInformationMessage(`RewardLab: run ${run.id} ${why}.`);
      return;
    }
    const name = `${run.id}/${checkpoint}`;
    const result = await evaluate(services, name, { workspace: runWorkspace(run.dir), checkpoint: path.join(run.dir, checkpoint), out: evaluationFile(run.dir, checkpoint), maxTokens: maxTokens(run) });
    if (result) await report(services, `${run.id} ${path.basename(checkpoint)}`, result);
  },
};

async function report(services: Services, name: string, result: EvaluationResult): Promise<void> {
  const summary = evaluationSummary(result, formatMetric);
  services.log.info(`Evaluate: ${name}: ${summary} in ${result.seconds.toFixed(1)} s; rollouts ${result.rollouts}`);
  markStepDone("evaluated");
  const open = "Open Rollouts";
  const choice = await vscode.window.showInformationMessage(`RewardLab: ${name} on the ${result.split} split: ${summary}.`, open);
  if (choice === open) await services.viewer.open(vscode.Uri.file(result.rollouts));
}

/**
 * "RewardLab: Evaluate Base Policy": the workspace's own policy (rewardlab.json "policy") on the
 * held-out split, before any training: the numbers a run has to beat, and rollouts to read in the
 * trace viewer (runs/eval/policy-test.trace.jsonl, as `rewardlab eval` writes them).
 */
export const evaluatePolicy: Command = {
  id: "rewardlab.evaluatePolicy",
  async run(services) {
    const workspace = await chooseWorkspaceFolder();
    if (!workspace) return;
    const result = await evaluate(services, `${path.basename(workspace)} base policy`, { workspace, out: path.join(workspace, "runs", "eval", "policy-test.trace.jsonl") });
    if (result) await report(services, `${path.basename(workspace)} base policy`, result);
  },
};
