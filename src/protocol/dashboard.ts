/**
 * Messages of the training dashboard webview (webview/dashboard): one panel per run. The host reads
 * the run folder (run.json, metrics.jsonl as it grows) and posts only what is new; the webview draws
 * charts and asks the host to open things. Types only.
 */
import type { IpcMessage, ReadyMessage } from "./ipc";

/** One line of metrics.jsonl: the step and its numeric metrics ("reward/total/mean", "actor/kl", ...). */
export type MetricPoint = { step: number } & Record<string, number>;

/** run.json's status, `interrupted` (says running, process gone) or `unreadable` (run.json broken). */
export type DashboardRunState = "running" | "completed" | "cancelled" | "failed" | "interrupted" | "unreadable";

export interface DashboardRewardFile {
  /** Relative to the workspace, as in run.json ("rewards/accuracy.reward.ts"). */
  path: string;
  /** Reward names the file defines. */
  names: string[];
  /** How the workspace's file differs from the run's snapshot now; absent when it is the same. */
  change?: "modified" | "missing" | "added";
}

export interface DashboardRewards {
  /** The reward version the run trained with. */
  version: string;
  /** The version of the workspace's reward files now (same hash scheme); equal when unchanged. */
  currentVersion: string;
  /** The run's files, then files added to the workspace since. */
  files: DashboardRewardFile[];
}

/** Everything the header shows about a run (from run.json). */
export interface DashboardHeader {
  id: string;
  state: DashboardRunState;
  /** Why the run failed, or why run.json could not be read. */
  error?: string;
  preset?: string;
  steps?: { done: number; total: number };
  startedAt?: string;
  updatedAt?: string;
  endedAt?: string;
  best?: { step: number; accuracy: number } | null;
  baseCheckpoint?: string;
  rewards?: DashboardRewards;
  /** A few resolved settings worth seeing at a glance (name, value), e.g. ["adv_estimator", "grpo"]. */
  settings: [string, string][];
}

export interface DashboardWarning {
  kind: string;
  title: string;
  /** One explaining sentence. */
  message: string;
  fromStep: number;
  toStep: number;
  /** Metric keys involved: the dashboard highlights the charts that plot them. */
  metrics: string[];
}

/** A second run drawn over this one for comparison. */
export interface OverlayRun {
  id: string;
  /** "grpo · 20261123-073000-grpo" */
  label: string;
  points: MetricPoint[];
}

// Host -> webview
export type InitMessage = IpcMessage<"init", { header: DashboardHeader; points: MetricPoint[] }>;
/** New metrics lines of the run (or of the overlay run). `reset`: the file was rewritten, drop what came before. */
export type PointsMessage = IpcMessage<"points", { run: "main" | "overlay"; points: MetricPoint[]; reset: boolean }>;
export type HeaderMessage = IpcMessage<"header", DashboardHeader>;
export type WarningsMessage = IpcMessage<"warnings", { warnings: DashboardWarning[] }>;
/** Bad metrics lines, as "file:line: message" (the latest few; `total` counts them all). */
export type ProblemsMessage = IpcMessage<"problems", { problems: string[]; total: number }>;
export type OverlayMessage = IpcMessage<"overlay", { overlay: OverlayRun | null }>;
/** A short message for the status line ("No rollouts saved for step 7: opened step 10."). */
export type NoticeMessage = IpcMessage<"notice", { message: string }>;

export type HostToDashboardMessage = InitMessage | PointsMessage | HeaderMessage | WarningsMessage | ProblemsMessage | OverlayMessage | NoticeMessage;

// Webview -> host
/** Opens the step's rollouts (or held-out eval rollouts) in the trace viewer; the nearest saved step if that one has none. */
export type OpenStepMessage = IpcMessage<"openStep", { step: number; kind: "rollouts" | "eval" }>;
/** Asks the host for a quick pick of the other runs to overlay. */
export type PickOverlayMessage = IpcMessage<"pickOverlay", Record<string, never>>;
export type ClearOverlayMessage = IpcMessage<"clearOverlay", Record<string, never>>;
/** Opens a reward file: the run's snapshot, or a diff of the snapshot against the workspace's file now. */
export type OpenRewardFileMessage = IpcMessage<"openRewardFile", { path: string; diff: boolean }>;
/** "Train with current reward" for this run's preset (the reward files changed since the run). */
export type TrainAgainMessage = IpcMessage<"trainAgain", Record<string, never>>;

export type DashboardToHostMessage = ReadyMessage | OpenStepMessage | PickOverlayMessage | ClearOverlayMessage | OpenRewardFileMessage | TrainAgainMessage;
