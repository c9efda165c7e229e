/**
 * "Convert Rollout Log": runs `rewardlab convert --json` (the bundled dist/cli.js) in a child
 * process, so a large verl / TRL / OpenRLHF / verifiers log is read and written off the extension
 * host's thread. No vscode, so tests drive it with the TypeScript CLI.
 */
import { fork } from "node:child_process";
import * as path from "node:path";

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
export interface ConvertResult {
  input: string;
  files: number;
  output: string;
  format: string;
  confidence: number;
  samples: number;
  groups: number;
  images: number;
  missing_images: number;
  malformed_lines: { file: string; line: number; message: string }[];
}

/** Where a log's trace goes by default: `verl_dump/3.jsonl` -> `verl_dump/3.trace.jsonl`; a folder `rollouts/` -> `rollouts.trace.jsonl` beside it. */
export function convertedPath(input: string, isFolder: boolean): string {
  if (isFolder) return `${input.replace(/[\\/]+$/, "")}.trace.jsonl`;
  const base = path.basename(input).replace(/\.(?:jsonl\.gz|jsonl|parquet|json)$/i, "");
  return path.join(path.dirname(input), `${base}.trace.jsonl`);
}

/** Converts; rejects with the CLI's own error text (it names the file and what to do). */
export function runConvert(request: ConvertRequest): Promise<ConvertResult> {
  const child = fork(request.cli, ["convert", request.input, "--out", request.out, "--json"], {
    execArgv: request.execArgv ?? [],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const onAbort = () => child.kill();
  request.signal?.addEventListener("abort", onAbort, { once: true });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      request.signal?.removeEventListener("abort", onAbort);
      if (request.signal?.aborted) return reject(new Error("conversion cancelled"));
      try {
        const result = JSON.parse(stdout) as ConvertResult;
        if (code === 0 || (code === 1 && result.samples === 0)) return code === 0 ? resolve(result) : reject(new Error(`nothing in ${request.input} could be converted: ${result.malformed_lines[0]?.message ?? "no samples"}`));
      } catch {
        // not JSON: the CLI failed before converting; its stderr says why
      }
      reject(new Error(stderr.trim().replace(/^rewardlab convert: /, "") || `rewardlab convert exited with code ${code}`));
    });
  });
}
