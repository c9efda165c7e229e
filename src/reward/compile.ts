/**
 * Compiles reward files (TypeScript, may import relative helpers, node built-ins and packages from
 * the user's node_modules) into one CommonJS bundle each, in memory, with esbuild. `rewardlab`
 * itself stays external: the sandbox provides it.
 */
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { build, type Message } from "esbuild";

/** A compiled reward file, ready to post to a sandbox worker. */
export interface CompiledReward {
  /** Absolute path of the reward file. */
  file: string;
  code: string;
  /** Source map JSON (sources relative to `file`'s folder are made absolute). */
  sourceMap: string;
  /** Absolute paths of the user's own files bundled besides `file` (relative imports; not node_modules). */
  dependencies: string[];
}

/** A compile error with its location in the user's file. */
export class RewardCompileError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: { file: string; line: number; column: number; text: string }[],
  ) {
    super(diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: error: ${d.text}`).join("\n"));
    this.name = "RewardCompileError";
  }
}

const REWARD_FILE = /\.reward\.(ts|mts|js|mjs)$/;

/** Whether a file name is a reward file (`*.reward.ts`, `.mts`, `.js`, `.mjs`), not a helper it imports. */
export function isRewardFile(name: string): boolean {
  return REWARD_FILE.test(name);
}

/**
 * The reward files a path names: a file is taken as it is; a folder yields every `*.reward.ts`
 * (and `.js`) under it, sorted, skipping node_modules and dot-folders.
 */
export function findRewardFiles(path: string): string[] {
  const absolute = resolve(path);
  let stats;
  try {
    stats = statSync(absolute);
  } catch {
    throw new Error(`rewards not found: ${absolute} does not exist (create it, or pass --rewards DIR|FILE)`);
  }
  if (stats.isFile()) return [absolute];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const child = join(dir, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (REWARD_FILE.test(entry.name)) found.push(child);
    }
  };
  walk(absolute);
  return found.sort();
}

/** Bundles one reward file. Throws `RewardCompileError` with file:line:col on syntax or resolve errors. */
export async function compileRewardFile(file: string): Promise<CompiledReward> {
  const absolute = resolve(file);
  const outfile = `${absolute}.bundle.js`;
  try {
    const result = await build({
      entryPoints: [absolute],
      outfile,
      bundle: true,
      write: false,
      platform: "node",
      format: "cjs",
      target: "node20",
      sourcemap: "external",
      sourcesContent: false,
      external: ["rewardlab"],
      logLevel: "silent",
      absWorkingDir: process.cwd(),
      metafile: true,
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text ?? "";
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text ?? "{}";
    const dependencies = Object.keys(result.metafile.inputs)
      .map((input) => resolve(process.cwd(), input))
      .filter((input) => input !== absolute && !input.split(/[\\/]/).includes("node_modules"));
    return { file: absolute, code: stripSourceMapComment(code), sourceMap: absoluteSources(map, absolute), dependencies };
  } catch (error) {
    const messages: Message[] = (error as { errors?: Message[] }).errors ?? [];
    if (messages.length === 0) throw error;
    throw new RewardCompileError(
      absolute,
      messages.map((m) => ({
        file: m.location ? resolve(m.location.file) : absolute,
        line: m.location?.line ?? 1,
        column: (m.location?.column ?? 0) + 1,
        text: m.text,
      })),
    );
  }
}

function stripSourceMapComment(code: string): string {
  return code.replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n");
}

function absoluteSources(mapJson: string, file: string): string {
  const map = JSON.parse(mapJson) as { sources?: string[] };
  const dir = resolve(file, "..");
  map.sources = (map.sources ?? []).map((source) => resolve(dir, source));
  return JSON.stringify(map);
}

/** Compiles every file; compile errors are collected per file, not thrown, so good files still load. */
export async function compileRewardFiles(files: readonly string[]): Promise<{ compiled: CompiledReward[]; errors: RewardCompileError[] }> {
  const settled = await Promise.allSettled(files.map((file) => compileRewardFile(file)));
  const compiled: CompiledReward[] = [];
  const errors: RewardCompileError[] = [];
  settled.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") compiled.push(outcome.value);
    else if (outcome.reason instanceof RewardCompileError) errors.push(outcome.reason);
    else errors.push(new RewardCompileError(files[i], [{ file: files[i], line: 1, column: 1, text: String(outcome.reason?.message ?? outcome.reason) }]));
  });
  return { compiled, errors };
}
