/**
 * How the reward sandbox runs reward code (`sandbox` in rewardlab.json, `--sandbox` of score and
 * serve): "worker" threads in the scoring process, or "strict": the same worker inside a child
 * process under Node's permission model (strict.ts). The workspace schema imports this file.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

export const SANDBOX_MODES = ["worker", "strict"] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/** Parses a `--sandbox` value; the error names `where` and lists the valid modes. */
export function parseSandboxMode(value: string, where: string): SandboxMode {
  if ((SANDBOX_MODES as readonly string[]).includes(value)) return value as SandboxMode;
  throw new Error(`${where}: unknown sandbox "${value}"; use ${SANDBOX_MODES.join(" or ")}`);
}

/**
 * The sandbox of score, serve and the reward server the extension starts: `explicit` (`--sandbox`),
 * else the `sandbox` of the workspace that holds the first reward path (the nearest rewardlab.json
 * above it), else "worker". `strictReads` is what the strict sandbox may read besides the rewards'
 * folders: that workspace (or `cwd` when there is none) and `extra`.
 */
export function sandboxSettings(explicit: string | undefined, rewardPaths: readonly string[], cwd: string, extra: readonly string[] = []): { sandbox: SandboxMode; strictReads: string[] } {
  const workspace = findWorkspace(rewardPaths[0] ?? cwd);
  const sandbox = explicit !== undefined ? parseSandboxMode(explicit, "--sandbox") : workspace ? workspaceSandbox(join(workspace, "rewardlab.json")) : "worker";
  return { sandbox, strictReads: [workspace ?? cwd, ...extra] };
}

/**
 * The `sandbox` key of a rewardlab.json. Only that key is read: score and serve do not otherwise
 * use the workspace, and a key they do not need must not stop them.
 */
function workspaceSandbox(configFile: string): SandboxMode {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(configFile, "utf8"));
  } catch (error) {
    throw new Error(`${configFile}: not valid JSON (${(error as Error).message})`);
  }
  const value = config && typeof config === "object" ? (config as { sandbox?: unknown }).sandbox : undefined;
  return value === undefined ? "worker" : parseSandboxMode(String(value), `${configFile}: "sandbox"`);
}

/** The nearest folder at or above `path` that holds a rewardlab.json. */
function findWorkspace(path: string): string | undefined {
  let dir = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
  for (;;) {
    if (existsSync(join(dir, "rewardlab.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
