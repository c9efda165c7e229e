/** Per-reward statistics over the samples of some trace files. Pure: no I/O, no vscode. */
import type { SampleRow } from "../../protocol/traceViewer";

export interface RewardStats {
  name: string;
  /** Mean over non-null scores; null when there are none. */
  mean: number | null;
  nulls: number;
  errors: number;
  samples: number;
}

export function rewardStats(rowSets: readonly (readonly SampleRow[])[]): Map<string, RewardStats> {
  const stats = new Map<string, RewardStats & { sum: number; scored: number }>();
  for (const rows of rowSets) {
    for (const row of rows) {
      for (const [name, value] of Object.entries(row.rewards)) {
        let entry = stats.get(name);
        if (!entry) stats.set(name, (entry = { name, mean: null, nulls: 0, errors: 0, samples: 0, sum: 0, scored: 0 }));
        entry.samples++;
        if (typeof value === "number") {
          entry.sum += value;
          entry.scored++;
        } else entry.nulls++;
      }
    }
  }
  return new Map([...stats].map(([name, { sum, scored, ...entry }]) => [name, { ...entry, mean: scored ? sum / scored : null }]));
}

/** "mean 0.62 · 3 null · 2 errors · 1,024 samples", leaving out the zero counts. */
export function describeStats(stats: RewardStats): string {
  const parts = [`mean ${stats.mean === null ? "–" : stats.mean.toFixed(2)}`];
  if (stats.nulls) parts.push(`${stats.nulls} null`);
  if (stats.errors) parts.push(`${stats.errors} error${stats.errors === 1 ? "" : "s"}`);
  parts.push(`${stats.samples.toLocaleString("en-US")} samples`);
  return parts.join(" · ");
}
