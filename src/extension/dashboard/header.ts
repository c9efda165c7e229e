import type { DashboardHeader, DashboardRewardFile } from "../../protocol/dashboard";
import type { RewardDrift } from "../../rl/runRewards";
import type { RunEntry } from "../../rl/runs";

/** Settings longer than this are cut in the header (a prompt template is no use there). */
const MAX_SETTING_CHARS = 120;

/** The dashboard header for a run: run.json's facts and, when known, how its reward files differ from the workspace's now. */
export function dashboardHeader(entry: RunEntry, drift?: RewardDrift): DashboardHeader {
  if (!entry.info) return { id: entry.id, state: "unreadable", error: entry.error, settings: [] };
  const { info } = entry;
  const changes = new Map((drift?.changes ?? []).map((change) => [change.path, change.change]));
  const files: DashboardRewardFile[] = info.rewards.files.map((file) => ({ path: file.path, names: file.names, change: changes.get(file.path) }));
  for (const change of drift?.changes ?? []) {
    if (change.change === "added") files.push({ path: change.path, names: [], change: "added" });
  }
  return {
    id: entry.id,
    state: entry.state,
    error: info.error,
    preset: info.preset,
    steps: info.steps,
    startedAt: info.startedAt,
    updatedAt: info.updatedAt,
    endedAt: info.endedAt,
    best: info.best ?? null,
    baseCheckpoint: info.baseCheckpoint,
    // Changed or not is decided by the per-file hashes; the version is only the name shown for it.
    rewards: { version: info.rewards.version, currentVersion: drift && drift.changes.length > 0 ? drift.currentVersion : info.rewards.version, files },
    settings: Object.entries(info.settings).map(([name, value]) => [name, settingText(value)]),
  };
}

function settingText(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_SETTING_CHARS ? `${text.slice(0, MAX_SETTING_CHARS - 1)}…` : text;
}
