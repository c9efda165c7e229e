// Messages between a trainer child process and its parent (the CLI or the extension host).
// Parent -> child: `start` once, `cancel` any time. Child -> parent: TrainEvent.

import { type EvalMetrics, type TypeResult } from "../eval";
import { type RlSettings } from "../settings";

export interface TrainRequest {
  /** Workspace folder (rewardlab.json). */
  workspace: string;
  /** Preset name; default: rewardlab.json "trainer.algo", else grpo. */
  preset?: string;
  /** `--set key=value` overrides (strings, parsed by the settings schema). */
  overrides: Record<string, string>;
  /** Reward files or folders to train with instead of rewardlab.json "rewards" (inside the workspace). */
  rewards?: string[];
  /** total_steps override. */
  steps?: number;
  /** Run folder; default: <workspace>/runs/<run id>. */
  out?: string;
  /** Run folder to continue (its latest checkpoint, same settings, same seeds). */
  resume?: string;
}

export type TrainPhase = "rollout" | "update" | "eval";

export type TrainEvent =
  | {
      type: "started";
      runDir: string;
      runId: string;
      preset: string;
      settings: RlSettings;
      startStep: number;
      rewards: string[];
      rewardVersion: string;
      critic: boolean;
    }
  | { type: "progress"; step: number; total: number; phase: TrainPhase; elapsedS: number }
  | { type: "metrics"; step: number; metrics: Record<string, number> }
  | { type: "eval"; step: number; metrics: EvalMetrics; byType: Record<string, TypeResult>; file: string }
  | { type: "log"; level: "info" | "warn"; message: string }
  | { type: "done"; status: "completed" | "cancelled"; runDir: string; step: number; checkpoint: string | null; best: { step: number; accuracy: number } | null }
  | { type: "error"; message: string; runDir: string | null; nonFinite: boolean };

export type ParentMessage = { type: "start"; request: TrainRequest } | { type: "cancel" };
