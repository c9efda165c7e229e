/**
 * One CLI subcommand. Each lives in its own file under src/cli/commands/ and is listed once in
 * src/cli/commands/index.ts. `run` returns the process exit code; it never calls process.exit.
 */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean;
}

export interface CliCommand {
  name: string;
  /** Full `rewardlab <name> --help` text. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

/** A user error: printed as `rewardlab <command>: <message>` without a stack, exit code 2 unless given. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = "CliError";
  }
}

/** A CliError, also one thrown by a command bundled apart from main (dist/cli-<name>.js holds its own
 *  copy of this class, so `instanceof` cannot tell). */
export function isCliError(error: unknown): error is CliError {
  return error instanceof Error && error.name === "CliError" && typeof (error as CliError).exitCode === "number";
}

/** Runs `load` (reading a workspace, say), turning what it throws into a usage error (exit 2). */
export function usageErrors<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
