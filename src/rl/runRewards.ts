/**
 * Which reward version a run uses, and whether the workspace's reward files still match it. A run
 * stores a snapshot of its reward files (`<run>/rewards/`) and their hashes in run.json; editing a
 * reward file afterwards must never silently change what a past (or running) run means.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isRewardFile } from "../reward/compile";

export interface RewardFileHash {
  /** Relative to the workspace folder, with forward slashes ("rewards/accuracy.reward.ts"). */
  path: string;
  sha256: string;
}

/**
 * A short name for a set of reward files: the first 12 hex digits of the SHA-256 over their sorted
 * paths and hashes. The trainer names a run's `rewards.version` this way, so the dashboard can say
 * "your files are now <version>" in the same terms.
 */
export function rewardVersion(files: readonly RewardFileHash[]): string {
  const hash = createHash("sha256");
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) hash.update(`${file.path}\n${file.sha256}\n`);
  return hash.digest("hex").slice(0, 12);
}

/** SHA-256 (hex) of a file's bytes, or undefined when it does not exist. */
export async function hashFile(path: string): Promise<string | undefined> {
  try {
    return createHash("sha256").update(await readFile(path)).digest("hex");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export type RewardFileChange = "modified" | "missing" | "added";

export interface RewardDrift {
  /** The version the run used (from run.json). */
  runVersion: string;
  /** The version of the workspace's reward files now, computed the same way. */
  currentVersion: string;
  /** Files that differ from the run's snapshot; empty when the run would train with the same rewards. */
  changes: { path: string; change: RewardFileChange }[];
}

/**
 * Compares a run's reward files with the workspace's files now, by hash: each file the run used is
 * `modified` or `missing`, and a new reward file in one of the same folders is `added`.
 */
export async function compareRewards(workspaceDir: string, run: { version: string; files: readonly RewardFileHash[] }): Promise<RewardDrift> {
  const used = new Set(run.files.map((file) => file.path));
  const folders = [...new Set(run.files.map((file) => dirname(file.path)))];
  const added = (await Promise.all(folders.map((folder) => rewardFilesIn(workspaceDir, folder)))).flat().filter((path) => !used.has(path));
  const now: RewardFileHash[] = [];
  const changes: RewardDrift["changes"] = [];
  for (const file of run.files) {
    const sha256 = await hashFile(join(workspaceDir, file.path));
    if (sha256 === undefined) changes.push({ path: file.path, change: "missing" });
    else {
      now.push({ path: file.path, sha256 });
      if (sha256 !== file.sha256) changes.push({ path: file.path, change: "modified" });
    }
  }
  for (const path of added) {
    const sha256 = await hashFile(join(workspaceDir, path));
    if (sha256 === undefined) continue;
    now.push({ path, sha256 });
    changes.push({ path, change: "added" });
  }
  return { runVersion: run.version, currentVersion: rewardVersion(now), changes };
}

/** Reward files directly in `folder` (relative to the workspace), as workspace-relative paths. */
async function rewardFilesIn(workspaceDir: string, folder: string): Promise<string[]> {
  try {
    const names = await readdir(join(workspaceDir, folder));
    return names.filter(isRewardFile).map((name) => (folder === "." ? name : `${folder}/${name}`));
  } catch {
    return [];
  }
}
