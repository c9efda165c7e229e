/**
 * Evaluates compiled reward bundles inside a sandbox worker and maps error stacks back to the
 * user's TypeScript (file:line:col) through the bundles' source maps.
 */
import { createRequire, SourceMap } from "node:module";
import { compileFunction } from "node:vm";
import * as rewardlabApi from "../api/index";
import type { RewardDefinition } from "../api/types";
import type { CompiledReward } from "../compile";
import { describeReward, type RewardInfo, validateRewardExport } from "../validate";

export interface LoadedReward {
  definition: RewardDefinition;
  info: RewardInfo;
}

/** Source maps of loaded bundles, keyed by the bundle's virtual file name. */
const sourceMaps = new Map<string, SourceMap>();

const bundleName = (file: string) => `${file}.bundle.js`;

/** Runs each bundle and validates its export. Failures are per file; duplicate names are an error naming both files. */
export function loadRewardModules(modules: readonly CompiledReward[], onModule?: (index: number) => void): { rewards: LoadedReward[]; errors: { file: string; message: string }[] } {
  const rewards: LoadedReward[] = [];
  const errors: { file: string; message: string }[] = [];
  const owners = new Map<string, string>();
  sourceMaps.clear();
  for (const [index, module] of modules.entries()) {
    onModule?.(index);
    try {
      sourceMaps.set(bundleName(module.file), new SourceMap(JSON.parse(module.sourceMap)));
      const definitions = validateRewardExport(evaluateBundle(module), module.file);
      for (const definition of definitions) {
        const owner = owners.get(definition.name);
        if (owner !== undefined) {
          throw new Error(`${module.file}: reward name "${definition.name}" is already defined in ${owner}; names must be unique per workspace`);
        }
        owners.set(definition.name, module.file);
        rewards.push({ definition, info: describeReward(definition, module.file) });
      }
    } catch (error) {
      errors.push({ file: module.file, message: describeError(error, module.file) });
    }
  }
  return { rewards, errors };
}

function evaluateBundle(module: CompiledReward): unknown {
  const nodeRequire = createRequire(module.file);
  const sandboxRequire = (id: string) => (id === "rewardlab" ? rewardlabApi : nodeRequire(id));
  const fn = compileFunction(module.code, ["exports", "require", "module", "__filename", "__dirname"], { filename: bundleName(module.file) });
  const cjs = { exports: {} as Record<string, unknown> };
  fn(cjs.exports, sandboxRequire, cjs, module.file, module.file.replace(/[/\\][^/\\]*$/, ""));
  const exported = cjs.exports;
  if (exported && typeof exported === "object") {
    if ("default" in exported) return exported.default;
    // An ES module without a default export (esbuild marks ES modules with __esModule).
    if ("__esModule" in exported) {
      const names = Object.keys(exported).filter((k) => k !== "__esModule");
      throw new Error(`${module.file}: no default export${names.length ? ` (it exports ${names.join(", ")})` : ""}. Export a reward: \`export default defineReward({ name, score })\`.`);
    }
  }
  return exported;
}

const FRAME = /\(?([^\s()]+\.bundle\.js):(\d+):(\d+)\)?$/;

/** `file:line:col` of the first stack frame inside a reward bundle, in original source terms. */
export function locateError(error: unknown): string | undefined {
  let stack: unknown;
  try {
    stack = error instanceof Error ? error.stack : undefined;
  } catch {
    return undefined; // a Proxy or a throwing getter: no location
  }
  if (typeof stack !== "string") return undefined;
  return locateStack(stack);
}

function locateStack(stack: string): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line.trim());
    if (!match) continue;
    const map = sourceMaps.get(match[1]);
    if (!map) continue;
    const entry = map.findEntry(Number(match[2]) - 1, Number(match[3]) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined) return undefined;
    return `${entry.originalSource}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}`;
  }
  return undefined;
}

/**
 * A one-line message for an error thrown by user code, with its source location when known. Never
 * throws: user code can throw a Proxy, or an Error whose `name`, `message` or `stack` getter throws.
 */
export function describeError(error: unknown, fallbackFile?: string): string {
  let message: string;
  try {
    message = deniedByStrictSandbox(error) ?? (error instanceof Error ? `${error.name === "Error" ? "" : `${String(error.name)}: `}${String(error.message)}` : `threw ${safeString(error)}`);
  } catch {
    message = "threw a value whose message cannot be read";
  }
  const location = locateError(error);
  if (location) return `${location}: ${message}`;
  return fallbackFile && !message.startsWith(fallbackFile) ? `${fallbackFile}: ${message}` : message;
}

const DENIED: Record<string, (resource: string) => string> = {
  FileSystemRead: (resource) => `reading ${resource}`,
  FileSystemWrite: (resource) => `writing ${resource}`,
  ChildProcess: () => "starting a child process",
  WorkerThreads: () => "starting a worker thread",
};

/**
 * Node's permission model refuses with "Access to this API has been restricted": say what was
 * refused and why (the strict sandbox, see strict.ts), and what lifts it.
 */
function deniedByStrictSandbox(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  if (code !== "ERR_ACCESS_DENIED" && code !== "ERR_DLOPEN_DISABLED") return undefined;
  const { permission, resource } = error as { permission?: unknown; resource?: unknown };
  const what = code === "ERR_DLOPEN_DISABLED" ? "loading a native addon" : (DENIED[String(permission)]?.(String(resource)) ?? `${String(permission)} access`);
  return `the strict sandbox denied ${what}: reward code may only read the workspace, the reward files' folders and the traces' folders, and may not write files, start processes or load native addons (if this reward must, run it in the worker sandbox: "sandbox": "worker" in rewardlab.json, or --sandbox worker)`;
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    return "a value that cannot be printed";
  }
}
