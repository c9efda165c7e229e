/**
 * How long each reward takes per sample, from the engine's timing columns (`ScoreTable.times`,
 * on with `SandboxOptions.timing`): p50 / p99 / max per reward, the slowest samples with their
 * file and line, and which rewards are over a time budget. A trainer waits for its slowest sample
 * every step, so the tail is what a user must see before shipping a reward to a cluster.
 * `rewardlab score --timing`, the editor's Rewards view and `rewardlab serve` report it.
 */
import type { ScoreTable } from "./table";

export interface RewardTimes {
  samples: number;
  mean_ms: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Present when a budget was given: p99 over it. */
  over_budget?: boolean;
}

export interface SlowSample {
  reward: string;
  id: string;
  file: string;
  line: number;
  ms: number;
}

export interface RewardTiming {
  rewards: Record<string, RewardTimes>;
  /** The slowest (reward, sample) pairs, slowest first. */
  slowest: SlowSample[];
  budget_ms?: number;
}

/** The `q` quantile of ascending `sorted` (nearest rank, as the CLI has always printed it). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Statistics of per-sample times (ms); null when there are none. */
export function timesOf(values: ArrayLike<number>, budget?: number): RewardTimes | null {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return null;
  let sum = 0;
  for (const v of sorted) sum += v;
  const p99 = quantile(sorted, 0.99);
  return { samples: sorted.length, mean_ms: sum / sorted.length, p50_ms: quantile(sorted, 0.5), p99_ms: p99, max_ms: sorted[sorted.length - 1], ...(budget !== undefined ? { over_budget: p99 > budget } : {}) };
}

/** Per-reward time per sample over `tables`, and the `keep` slowest samples. */
export function rewardTiming(tables: readonly ScoreTable[], budget?: number, keep = 10): RewardTiming {
  const byReward = new Map<string, number[]>();
  let slowest: SlowSample[] = [];
  let floor = -Infinity;
  for (const table of tables) {
    const columns = table.times;
    if (!columns) continue;
    table.rewards.forEach((reward, r) => {
      const list = byReward.get(reward.name) ?? [];
      byReward.set(reward.name, list);
      const column = columns[r];
      for (let row = 0; row < table.size; row++) {
        const ms = column[row];
        if (ms !== ms) continue;
        list.push(ms);
        if (ms > floor || slowest.length < keep) {
          slowest.push({ reward: reward.name, id: table.ids[row], file: table.file, line: table.lines[row], ms });
          if (slowest.length >= keep * 4) {
            slowest = slowest.sort((a, b) => b.ms - a.ms).slice(0, keep);
            floor = slowest[slowest.length - 1].ms;
          }
        }
      }
    });
  }
  const rewards: Record<string, RewardTimes> = {};
  for (const [name, ms] of byReward) {
    const times = timesOf(ms, budget);
    if (times) rewards[name] = times;
  }
  return { rewards, slowest: slowest.sort((a, b) => b.ms - a.ms).slice(0, keep), ...(budget !== undefined ? { budget_ms: budget } : {}) };
}

/** Milliseconds to print: three decimals under 0.1, two under 10, none above ("0.012", "3.40", "120"). */
export function formatMs(ms: number): string {
  return ms < 0.1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(0);
}

/**
 * The last `capacity` per-sample times of each reward (a ring per reward), for a process that
 * scores forever (`rewardlab serve`): its tail over recent traffic, in bounded memory.
 */
export class RecentTimes {
  private readonly rings = new Map<string, { values: Float32Array; next: number; filled: number }>();

  constructor(private readonly capacity = 10_000) {}

  /** Adds every timed (reward, sample) of `table`. */
  add(table: ScoreTable): void {
    const columns = table.times;
    if (!columns) return;
    table.rewards.forEach((reward, r) => {
      let ring = this.rings.get(reward.name);
      if (!ring) this.rings.set(reward.name, (ring = { values: new Float32Array(this.capacity), next: 0, filled: 0 }));
      const column = columns[r];
      for (let row = 0; row < table.size; row++) {
        const ms = column[row];
        if (ms !== ms) continue;
        ring.values[ring.next] = ms;
        ring.next = (ring.next + 1) % this.capacity;
        ring.filled = Math.min(this.capacity, ring.filled + 1);
      }
    });
  }

  /** Each reward's statistics over its recent samples. */
  summary(budget?: number): Record<string, RewardTimes> {
    const out: Record<string, RewardTimes> = {};
    for (const [name, ring] of this.rings) {
      const times = timesOf(ring.values.subarray(0, ring.filled), budget);
      if (times) out[name] = times;
    }
    return out;
  }
}
