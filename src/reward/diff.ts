/**
 * Reward diff: what a change to the reward files did to each sample, against a baseline (a file
 * `rewardlab score --out` wrote earlier). Per reward: how many samples went up or down, became null
 * or a number, started or stopped failing, and the largest changes. Pure: no I/O, no vscode.
 */
import type { ScoreTable } from "./table";

/** One sample's scores as a baseline file holds them (`rewards`, `reward_errors`). */
export interface BaselineScores {
  rewards: Record<string, number | null>;
  errors: Record<string, string>;
}

export interface RewardChange {
  id: string;
  file: string;
  line: number;
  before: number | null;
  after: number | null;
}

/** How one reward moved over the samples both runs scored. */
export interface RewardDiff {
  compared: number;
  up: number;
  down: number;
  same: number;
  /** null before, a number now (and the reverse). */
  nullToNumber: number;
  numberToNull: number;
  /** Failed before and scores now, and the reverse. */
  fixed: number;
  broke: number;
  /** The transitions by value, largest groups first (`0 -> 1: 41`). */
  transitions: { before: number | null; after: number | null; count: number }[];
  /** The largest changes in value, largest first (at most `top`). */
  largest: RewardChange[];
}

export interface ScoreDiff {
  /** Samples found in the baseline (by id) / not found. */
  matched: number;
  unmatched: number;
  rewards: Record<string, RewardDiff>;
  /** Rewards the baseline has and this run does not, and the reverse. */
  removed: string[];
  added: string[];
}

const EPS = 1e-9;

/** Compares `tables` with `baseline` (keyed by sample id); keeps the `top` largest changes per reward. */
export function diffScores(tables: readonly ScoreTable[], baseline: ReadonlyMap<string, BaselineScores>, top = 10): ScoreDiff {
  const names = tables[0]?.rewards.map((r) => r.name) ?? [];
  const baselineNames = new Set<string>();
  for (const scores of baseline.values()) for (const name of Object.keys(scores.rewards)) baselineNames.add(name);
  const diff: ScoreDiff = { matched: 0, unmatched: 0, rewards: {}, removed: [...baselineNames].filter((n) => !names.includes(n)).sort(), added: names.filter((n) => !baselineNames.has(n)) };
  const transitions = new Map<string, Map<string, number>>();
  for (const name of names) {
    diff.rewards[name] = { compared: 0, up: 0, down: 0, same: 0, nullToNumber: 0, numberToNull: 0, fixed: 0, broke: 0, transitions: [], largest: [] };
    transitions.set(name, new Map());
  }
  for (const table of tables) {
    for (let i = 0; i < table.size; i++) {
      const before = baseline.get(table.ids[i]);
      if (!before) {
        diff.unmatched++;
        continue;
      }
      diff.matched++;
      const now = table.sampleScores(i);
      const failedNow = new Set((table.errors.get(i) ?? []).map((f) => f.reward));
      for (const name of names) {
        if (!(name in before.rewards) && !(name in before.errors)) continue;
        const d = diff.rewards[name];
        d.compared++;
        const wasError = name in before.errors;
        const isError = failedNow.has(name);
        if (wasError !== isError) {
          if (wasError) d.fixed++;
          else d.broke++;
          continue;
        }
        if (isError) {
          d.same++;
          continue;
        }
        const a = before.rewards[name] ?? null;
        const b = now.rewards[name] ?? null;
        if (a === null && b === null) d.same++;
        else if (a === null) d.nullToNumber++;
        else if (b === null) d.numberToNull++;
        else if (Math.abs(a - b) <= EPS) d.same++;
        else {
          if (b > a) d.up++;
          else d.down++;
          d.largest.push({ id: table.ids[i], file: table.file, line: table.lines[i], before: a, after: b });
        }
        if (a !== b) {
          const key = `${a}\u0000${b}`;
          const counts = transitions.get(name)!;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
  }
  for (const name of names) {
    const d = diff.rewards[name];
    d.largest.sort((x, y) => Math.abs((y.after ?? 0) - (y.before ?? 0)) - Math.abs((x.after ?? 0) - (x.before ?? 0)));
    d.largest = d.largest.slice(0, top);
    d.transitions = [...transitions.get(name)!]
      .map(([key, count]) => {
        const [a, b] = key.split("\u0000");
        return { before: a === "null" ? null : Number(a), after: b === "null" ? null : Number(b), count };
      })
      .sort((x, y) => y.count - x.count)
      .slice(0, top);
  }
  return diff;
}

/** A baseline line (`rewardlab score --out`): its id and scores; null when it has none. */
export function baselineEntry(record: unknown): [string, BaselineScores] | null {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return null;
  const r = record as Record<string, unknown>;
  if (typeof r.id !== "string" && typeof r.id !== "number") return null;
  const rewards: Record<string, number | null> = {};
  if (r.rewards && typeof r.rewards === "object") {
    for (const [name, value] of Object.entries(r.rewards as Record<string, unknown>)) rewards[name] = typeof value === "number" && Number.isFinite(value) ? value : null;
  }
  const errors: Record<string, string> = {};
  if (r.reward_errors && typeof r.reward_errors === "object") {
    for (const [name, message] of Object.entries(r.reward_errors as Record<string, unknown>)) errors[name] = String(message);
  }
  return [String(r.id), { rewards, errors }];
}
