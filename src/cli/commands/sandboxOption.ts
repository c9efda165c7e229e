// `--sandbox worker|strict` of score and serve, and the workspace setting it overrides.
import { sandboxSettings, type SandboxMode } from "../../reward/sandbox/mode";
import { CliError } from "../command";

/** `sandboxSettings` (reward/sandbox/mode.ts) with its errors as usage errors (exit 2). */
export function sandboxOption(flag: string | undefined, rewardPaths: readonly string[], cwd: string, extra: readonly string[] = []): { sandbox: SandboxMode; strictReads: string[] } {
  try {
    return sandboxSettings(flag, rewardPaths, cwd, extra);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
