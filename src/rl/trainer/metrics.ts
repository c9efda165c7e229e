// One metrics.jsonl row per step, with verl-style namespaced keys (what the dashboard charts).

import { groupRanges } from "../sampling";
import { meanStd } from "../../reward/stats";
import { type Rollouts } from "./rollout";
import { type PreparedBatch } from "./update";

export interface StepTimings {
  update: number;
  step: number;
  sinceStart: number;
}

/** The metrics of a finished step (eval keys are added by the caller on eval steps). */
export function stepMetrics(step: number, r: Rollouts, batch: PreparedBatch, losses: Record<string, number>, time: StepTimings): Record<string, number> {
  const out: Record<string, number> = { step, time_s: round(time.sinceStart) };
  const total = meanStd(batch.scores);
  out["reward/total/mean"] = total.mean;
  out["reward/total/std"] = total.std;
  for (const [name, column] of Object.entries(r.rewards.byReward)) {
    const { mean, count } = meanStd(column);
    if (count > 0) out[`reward/${name}/mean`] = mean;
  }
  if (r.rewards.errors.count > 0) out["reward/errors"] = r.rewards.errors.count;
  const lengths = r.gens.map((g) => g.ids.length);
  out["response_length/mean"] = lengths.reduce((a, v) => a + v, 0) / Math.max(1, lengths.length);
  out["response_length/max"] = Math.max(0, ...lengths);
  out["response_length/clip_ratio"] = r.gens.filter((g) => g.stop === "length").length / Math.max(1, r.gens.length);
  let entropy = 0, tokens = 0;
  for (const g of r.gens) {
    for (const e of g.entropies) entropy += e;
    tokens += g.entropies.length;
  }
  out["rollout/entropy"] = tokens ? entropy / tokens : 0;
  out["sampling/kept_groups"] = r.sampling.keptGroups;
  out["sampling/generated_groups"] = r.sampling.generatedGroups;
  out["sampling/equal_score_groups"] = equalScoreShare(r.rewards.total, r.groups);
  Object.assign(out, batch.metrics, losses);
  // The short names for the dashboard, next to verl's.
  if (losses["actor/pg_clipfrac"] !== undefined) out["actor/clip_frac"] = losses["actor/pg_clipfrac"];
  out["timing/rollout_s"] = round(r.seconds.rollout);
  out["timing/reward_s"] = round(r.seconds.reward);
  out["timing/update_s"] = round(time.update);
  out["timing/step_s"] = round(time.step);
  out["throughput/rollout_tokens_per_s"] = round(tokens / Math.max(1e-9, r.seconds.rollout));
  // The trainer process so far, in verl's perf/ namespace: peak resident memory (maxRSS is in KiB)
  // and CPU seconds over all threads (against time_s: how many cores the run actually got).
  const usage = process.resourceUsage();
  out["perf/cpu_memory_peak_gb"] = round(usage.maxRSS / 2 ** 20);
  out["perf/cpu_time_s"] = round((usage.userCPUTime + usage.systemCPUTime) / 1e6);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => Number.isFinite(v)));
}

/**
 * Share of groups whose responses all scored the same: they carry no group-relative advantage
 * (GRPO, RLOO), so a value near 1 means the step taught next to nothing (DAPO's dynamic sampling
 * drops them).
 */
export function equalScoreShare(scores: ArrayLike<number>, groups: Int32Array): number {
  const range = groupRanges(groups, scores);
  let equal = 0;
  for (const { min, max } of range.values()) if (max === min) equal++;
  return range.size ? equal / range.size : 0;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
