/**
 * "Convert Rollout Log": runs `rewardlab convert --json` (the bundled dist/cli.js) in a child
 * process, so a large verl / TRL / OpenRLHF / verifiers log is read and written off the extension
 * host's thread. No vscode, so tests drive it with the TypeScript CLI.
 */
import * as path from "node:path";
import type { ConvertJson } from "../../protocol/convert";
import { runCli } from "../cliProcess";

export interface ConvertRequest {
  /** The CLI entry (dist/cli.js next to dist/extension.js), and Node flags for it (tests: tsx). */
  cli: string;
  execArgv?: string[];
  /** A log file or a folder of them (verl's rollout_data_dir). */
  input: string;
  out: string;
  signal?: AbortSignal;
}

/** What `rewardlab convert --json` prints. */
export type ConvertResult = ConvertJson;

/** Where a log's trace goes by default: `verl_dump/3.jsonl` -> `verl_dump/3.trace.jsonl`; a folder `rollouts/` -> `rollouts.trace.jsonl` beside it. */
export function convertedPath(input: string, isFolder: boolean): string {
  if (isFolder) return `${input.replace(/[\\/]+$/, "")}.trace.jsonl`;
  const base = path.basename(input).replace(/\.(?:jsonl\.gz|jsonl|parquet|json)$/i, "");
  return path.join(path.dirname(input), `${base}.trace.jsonl`);
}

/** Converts; rejects with the CLI's own error text (it names the file and what to do). */
export async function runConvert(request: ConvertRequest): Promise<ConvertResult> {
  const exit = await runCli({ cli: request.cli, execArgv: request.execArgv, args: ["convert", request.input, "--out", request.out, "--json"], signal: request.signal });
  if (exit.aborted) throw new Error("conversion cancelled");
  let result: ConvertResult | undefined;
  try {
    result = JSON.parse(exit.stdout) as ConvertResult;
  } catch {
    // not JSON: the CLI failed before converting; its stderr says why
  }
  if (result && exit.code === 0) return result;
  if (result && result.samples === 0) throw new Error(`nothing in ${request.input} could be converted: ${result.malformed_lines[0]?.message ?? "no samples"}`);
  throw new Error(exit.stderr.trim().replace(/^rewardlab convert: /, "") || `rewardlab convert exited with code ${exit.code}`);
}
