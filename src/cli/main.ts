/**
 * `rewardlab` command line: parses the subcommand and hands over to its file in commands/.
 */
import { isCliError, type CliIO } from "./command";
import { commands } from "./commands/index";

declare const REWARDLAB_VERSION: string | undefined;

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "rewardlab — author, debug and train with reward functions for reasoning models",
    "",
    "Usage: rewardlab <command> [options]   (rewardlab <command> --help for details)",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Every command accepts --json for machine-readable output.",
  ].join("\n");
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.stdout(help() + "\n");
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    io.stdout(`${typeof REWARDLAB_VERSION === "string" ? REWARDLAB_VERSION : "dev"}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`rewardlab: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(", ")}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(command.usage + "\n");
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const known = isCliError(error) || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (known || error instanceof Error) {
      io.stderr(`rewardlab ${name}: ${(error as Error).message}\n`);
      if (!known && process.env.REWARDLAB_DEBUG) io.stderr(`${(error as Error).stack}\n`);
      return isCliError(error) ? error.exitCode : known ? 2 : 1;
    }
    throw error;
  }
}

if (require.main === module) {
  // `rewardlab eval … | head`: the reader went away; stop quietly as Unix tools do, not with an
  // unhandled EPIPE stack trace. Files being written (--out) are written atomically elsewhere.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
  const io: CliIO = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    interactive: Boolean(process.stderr.isTTY),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`rewardlab: internal error: ${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
