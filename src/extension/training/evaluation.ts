/**
 * "Evaluate Checkpoint": runs `rewardlab eval --json` (the bundled dist/cli.js) in a child process,
 * because generation on ONNX Runtime blocks its thread for seconds and must not block the extension
 * host. No vscode, so tests drive it with the TypeScript CLI.
 */
import { runCli } from "../cliProcess";
import * as path from "node:path";

export interface EvaluationRequest {
  /** The CLI entry (dist/cli.js next to dist/extension.js), and Node flags for it (tests: tsx). */
  cli: string;
  execArgv?: string[];
  workspace: string;
  /** Policy folder; default: the workspace's base policy (rewardlab.json "policy"). */
  checkpoint?: string;
  /** Where the generated responses are written (a trace file). */
  out: string;
  /** Response length limit; the run's max_response_length, so the numbers match its dashboard. */
  maxTokens?: number;
  split?: "test" | "train";
  /** Kills the child (the notification's Cancel). */
  signal?: AbortSignal;
}

/** What `rewardlab eval --json` prints. */
export interface EvaluationResult {
  checkpoint: string;
  split: string;
  count: number;
  accuracy: number;
  format_rate: number;
  iou: number | null;
  response_length: number;
  by_type: Record<string, { count: number; accuracy: number }>;
  rollouts: string;
  seconds: number;
}

/** Thrown when the user cancelled the evaluation. */
export class EvaluationCancelled extends Error {
  constructor() {
    super("evaluation cancelled");
  }
}

/** Where a checkpoint's evaluation rollouts go: `<run>/evaluations/<checkpoint>-<split>.trace.jsonl`. */
export function evaluationFile(runDir: string, checkpoint: string, split = "test"): string {
  return path.join(runDir, "evaluations", `${path.basename(checkpoint)}-${split}.trace.jsonl`);
}

/** Runs the evaluation; rejects with the CLI's own error text (it names the file and what to do). */
export async function runEvaluation(request: EvaluationRequest): Promise<EvaluationResult> {
  const args = ["eval", request.workspace, ...(request.checkpoint ? ["--checkpoint", request.checkpoint] : []), "--split", request.split ?? "test", "--out", request.out, "--json"];
  if (request.maxTokens) args.push("--max-tokens", String(request.maxTokens));
  const exit = await runCli({ cli: request.cli, execArgv: request.execArgv, args, signal: request.signal });
  if (exit.aborted) throw new EvaluationCancelled();
  if (exit.code !== 0) throw new Error(exit.stderr.trim().replace(/^rewardlab eval: /, "") || `the evaluation process exited (${exit.signal ?? `code ${exit.code}`})`);
  const last = exit.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last) as EvaluationResult;
  } catch {
    throw new Error(`the evaluation printed no result (expected one JSON line, got ${JSON.stringify(last.slice(0, 200))})`);
  }
}

/** "accuracy 0.42 · format 0.9 · IoU – · 200 examples" */
export function evaluationSummary(result: EvaluationResult, format: (value: number | null) => string): string {
  return `accuracy ${format(result.accuracy)} · format ${format(result.format_rate)} · IoU ${format(result.iou)} · ${result.count} examples`;
}
