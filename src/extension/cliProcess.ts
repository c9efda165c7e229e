/**
 * Runs the bundled `rewardlab` CLI (dist/cli.js) in a child process and collects what it printed:
 * evaluation and conversion run off the extension host's thread this way. No vscode.
 */
import { fork } from "node:child_process";

export interface CliRun {
  /** The CLI entry (dist/cli.js next to dist/extension.js), and Node flags for it (tests: tsx). */
  cli: string;
  execArgv?: string[];
  args: string[];
  /** Kills the child. */
  signal?: AbortSignal;
}

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last 4,000 characters. */
  stderr: string;
  aborted: boolean;
}

/** Runs the CLI to its end; rejects only when the process cannot start. */
export function runCli(run: CliRun): Promise<CliExit> {
  const child = fork(run.cli, run.args, {
    execArgv: run.execArgv ?? [],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on("data", (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
  const cancel = () => child.kill("SIGKILL");
  run.signal?.addEventListener("abort", cancel, { once: true });
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`could not start ${run.cli}: ${error.message}`)));
    child.once("exit", (code, signal) => {
      run.signal?.removeEventListener("abort", cancel);
      resolve({ code, signal, stdout, stderr, aborted: run.signal?.aborted ?? false });
    });
  });
}
