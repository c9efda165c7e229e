import * as path from "node:path";
import * as vscode from "vscode";
import { readRunInfo, type RunEntry } from "../../rl/runs";
import { pickRun } from "./runCatalog";

/**
 * The run a command was invoked on: a Runs view item (anything with a `runDir`), a Uri or path of a
 * run folder or of a file inside it (run.json from the Explorer); otherwise the user picks one.
 * Commands on runs (open dashboard, delete, resume, evaluate, ...) all start with this.
 */
export async function runFromArgument(argument: unknown, placeHolder: string): Promise<RunEntry | undefined> {
  const dir = runDirOf(argument);
  return dir ? readRunInfo(dir) : pickRun(placeHolder);
}

function runDirOf(argument: unknown): string | undefined {
  if (argument && typeof argument === "object" && "runDir" in argument && typeof argument.runDir === "string") return argument.runDir;
  const file = argument instanceof vscode.Uri ? argument.fsPath : typeof argument === "string" ? argument : undefined;
  if (!file) return undefined;
  // <workspace>/runs/<id>[/anything]: the run folder is the part up to <id>.
  const parts = file.split(path.sep);
  const runs = parts.lastIndexOf("runs", parts.length - 2);
  return runs >= 0 ? parts.slice(0, runs + 2).join(path.sep) : undefined;
}
