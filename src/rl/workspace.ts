// A RewardLab workspace (DESIGN.md): `rewardlab.json` naming the task, data splits, reward files,
// the base policy checkpoint, the runs folder and trainer settings. Paths are relative to the
// workspace folder; every error names the file and the key.

import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { SANDBOX_MODES } from "../reward/sandbox/mode";

const workspaceSchema = z
  .object({
    task: z.string().optional(),
    /** Reward files: a folder, a file, or a list of either. */
    rewards: z.union([z.string(), z.array(z.string())]).default("rewards"),
    /** Split files, or a folder holding train.jsonl and test.jsonl. */
    data: z
      .union([z.string(), z.object({ train: z.string().optional(), test: z.string().optional() }).passthrough()])
      .default({}),
    /** Base policy checkpoint folder. */
    policy: z.string().default("policy"),
    runs: z.string().default("runs"),
    /**
     * Where reward code runs for this workspace (score, serve, the trainer): "worker" threads, or
     * "strict": a child process under Node's permission model (reads limited to the workspace and
     * the rewards' folders; no writes, no child processes, no native addons).
     */
    sandbox: z.enum(SANDBOX_MODES).default("worker"),
    /** Trainer settings (flat, verl names); `algo` picks the preset. */
    trainer: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();

export type WorkspaceConfig = z.infer<typeof workspaceSchema>;

/** A loaded workspace with absolute paths. */
export interface Workspace {
  dir: string;
  configFile: string;
  config: WorkspaceConfig;
  rewardPaths: string[];
  trainData: string | null;
  testData: string | null;
  policyDir: string;
  runsDir: string;
}

/** Reads `<dir>/rewardlab.json`; a missing file gives the defaults (rewards/, policy/, runs/). */
export function loadWorkspace(dirArg: string): Workspace {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dirArg}: not a folder (a workspace is a folder with rewardlab.json)`);
  const configFile = join(dir, "rewardlab.json");
  let raw: unknown = {};
  if (existsSync(configFile)) {
    try {
      raw = JSON.parse(readFileSync(configFile, "utf8"));
    } catch (err) {
      throw new Error(`${configFile}: not valid JSON (${(err as Error).message})`);
    }
  }
  const parsed = workspaceSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${configFile}: "${issue.path.join(".") || "(root)"}": ${issue.message}`);
  }
  const config = parsed.data;
  const at = (p: string) => resolve(dir, p);
  const split = (data: WorkspaceConfig["data"], name: "train" | "test") => {
    if (typeof data === "string") return at(join(data, `${name}.jsonl`));
    return data[name] ? at(data[name]) : null;
  };
  const rewards = Array.isArray(config.rewards) ? config.rewards : [config.rewards];
  return {
    dir,
    configFile,
    config,
    rewardPaths: rewards.map(at),
    trainData: split(config.data, "train"),
    testData: split(config.data, "test"),
    policyDir: at(config.policy),
    runsDir: at(config.runs),
  };
}

/** The split's dataset file, or an error saying which key of rewardlab.json to set. */
export function splitFile(ws: Workspace, split: "train" | "test"): string {
  const file = split === "train" ? ws.trainData : ws.testData;
  if (!file) throw new Error(`${ws.configFile}: no "data.${split}" file configured`);
  if (!existsSync(file)) throw new Error(`${file}: the ${split} split named in ${ws.configFile} does not exist`);
  return file;
}
