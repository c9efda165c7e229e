// Writes a run folder (the contract src/rl/runs.ts reads): run.json rewritten atomically,
// metrics.jsonl appended one line per step, rollouts and eval traces per step, a snapshot of the
// reward files, and checkpoints.

import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { writeFileAtomic } from "../../trace/io";
import { hashFile, rewardVersion, type RewardFileHash } from "../runRewards";
import { METRICS_FILE, RUN_FILE, type RunInfo, parseRunInfo, stepFile } from "../runs";

/** A fresh run id: UTC time plus the preset, e.g. `20261123-073000-grpo`. */
export function newRunId(preset: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${preset}`;
}

/** `checkpoints/step-00010` */
export function checkpointName(step: number): string {
  return `checkpoints/step-${String(step).padStart(5, "0")}`;
}

/** Hashes of the reward files (paths relative to the workspace) and the version they make. */
export async function rewardSnapshot(workspaceDir: string, files: readonly string[], names: ReadonlyMap<string, string[]>) {
  const hashes: (RewardFileHash & { names: string[] })[] = [];
  for (const file of files) {
    const sha256 = (await hashFile(file)) ?? "";
    hashes.push({ path: relative(workspaceDir, file).split("\\").join("/"), sha256, names: names.get(file) ?? [] });
  }
  return { version: rewardVersion(hashes), files: hashes };
}

export class RunFolder {
  private info: RunInfo;

  constructor(readonly dir: string, info: RunInfo) {
    this.info = info;
  }

  /** Creates the folder, copies the reward files into `rewards/` and writes run.json. */
  static async create(dir: string, info: RunInfo, workspaceDir: string): Promise<RunFolder> {
    mkdirSync(join(dir, "rollouts"), { recursive: true });
    for (const file of info.rewards.files) {
      const target = join(dir, file.path);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(workspaceDir, file.path), target);
    }
    const folder = new RunFolder(dir, info);
    await folder.update({});
    return folder;
  }

  /** Opens an existing run folder to continue it; run.json is read with the same schema as every reader's. */
  static open(dir: string): RunFolder {
    const file = join(dir, RUN_FILE);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`${dir}: not a run folder (${(error as Error).message})`);
    }
    return new RunFolder(dir, parseRunInfo(text, file));
  }

  get current(): RunInfo {
    return this.info;
  }

  /** Merges `patch` into run.json (with a fresh updatedAt) and rewrites it atomically. */
  async update(patch: Partial<RunInfo>): Promise<void> {
    this.info = { ...this.info, ...patch, updatedAt: new Date().toISOString() };
    await writeFileAtomic(join(this.dir, RUN_FILE), JSON.stringify(this.info, null, 2) + "\n");
  }

  /** Appends one step's metrics (a whole line per write, so readers never see half a line for long). */
  appendMetrics(row: Record<string, number>): void {
    appendFileSync(join(this.dir, METRICS_FILE), JSON.stringify(row) + "\n");
  }

  /** Drops metrics lines after `step` (a resumed run rewrites what it redoes). */
  truncateMetrics(step: number): void {
    let text = "";
    try {
      text = readFileSync(join(this.dir, METRICS_FILE), "utf8");
    } catch {
      return;
    }
    const kept = text.split("\n").filter((line) => {
      if (!line.trim()) return false;
      try {
        return (JSON.parse(line) as { step: number }).step <= step;
      } catch {
        return false;
      }
    });
    writeFileSync(join(this.dir, METRICS_FILE), kept.map((l) => l + "\n").join(""));
  }

  rolloutsFile(step: number): string {
    return stepFile(this.dir, "rollouts", step);
  }

  evalFile(step: number): string {
    return stepFile(this.dir, "eval", step);
  }
}
