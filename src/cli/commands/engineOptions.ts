/**
 * What `score`, `prm-eval` and `serve` share when they set up the reward engine from their flags:
 * the sandbox's limits (`--timeout`, `--memory`, `--workers`) and the input files they read.
 */
import { MAX_SANDBOX_WORKERS } from "../../reward/sandbox/pool";
import { EmptyInputFolderError, NotARegularFileError, expandInputs } from "../../trace/importers/index";
import { CliError } from "../command";
import { intOption, MAX_TIMER_MS } from "./options";

/** The sandbox limits the flags set (absent flags keep the engine's defaults). */
export function engineLimits(values: { timeout?: string; memory?: string; workers?: string }): { timeoutMs?: number; memoryMb?: number; workers?: number } {
  return {
    ...(values.timeout ? { timeoutMs: intOption(values.timeout, "--timeout", 1, MAX_TIMER_MS) } : {}),
    ...(values.memory ? { memoryMb: intOption(values.memory, "--memory", 16, 65_536) } : {}),
    ...(values.workers ? { workers: intOption(values.workers, "--workers", 1, MAX_SANDBOX_WORKERS) } : {}),
  };
}

/** The files the positionals name (a folder: its trace, rollout and dataset files, in step order); unreadable ones are usage errors. */
export async function inputFiles(paths: string[]): Promise<string[]> {
  try {
    return await expandInputs(paths);
  } catch (error) {
    if (error instanceof EmptyInputFolderError || error instanceof NotARegularFileError) throw new CliError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES" || code === "ENOTDIR") throw new CliError(`cannot read ${(error as NodeJS.ErrnoException).path ?? paths.join(", ")}: ${(error as Error).message}`);
    throw error;
  }
}
