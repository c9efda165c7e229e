// Rewards for a batch of rollouts, through the same reward engine (sandboxed worker threads) that
// `rewardlab score` and the VS Code views use. Each response gets the total the editor shows (the
// ScoreTable's weighted sum, a process reward entering as its aggregate), which is what outcome
// estimators train on; token-level estimators (gae, reinforce_plus_plus) also get each process
// reward's step scores, placed on the tokens where each step ends.

import { type LoadResult, RewardEngine, type RewardEngineOptions } from "../../reward/engine";
import { type OutcomeReward, type RewardContext } from "../../reward/api/types";
import { TraceSample } from "../../reward/sample";
import { splitSteps } from "../../trace/steps";
import { type StepSplitOptions, type TraceRecord } from "../../trace/types";
import { type StepScore, stepEndTokens } from "../sampling";
import type { RlSettings } from "../settings";

/** Built-in shaping rewards read only the sample (its tokens); they need no file or image context. */
const SHAPING_CONTEXT: RewardContext = { file: "", imageSize: () => null, log: { metric: () => undefined } };

export interface BatchRewards {
  /**
   * [B] the sample's total reward exactly as `rewardlab score`, the server and the editor compute
   * it (ScoreTable.totals: sum of weight x score over rewards with a value, a process reward as its
   * aggregate), plus built-in shaping; 0 when no reward has a value. Outcome estimators use this.
   */
  total: Float64Array;
  /** [B] weighted sum of the outcome rewards (null scores count 0): token-level estimators put it on the last token. */
  outcome: Float64Array;
  /** Per response: weighted process step scores on step-end token indices. */
  steps: StepScore[][];
  /** Per reward name: [B] raw scores (NaN where the reward returned null or failed). */
  byReward: Record<string, Float64Array>;
  /** Rewards' own scores per response, for the rollout records. */
  perSample: Record<string, number | null>[];
  /** Failures: count and the first message (reward, sample, error). */
  errors: { count: number; first: string | null };
}

/** Names that mean the total reward where a setting names a reward (verl's dynamic sampling says seq_reward). */
const TOTAL_METRICS = ["score", "seq_reward"];

/** The [B] values a setting such as filter_groups_metric or curriculum_metric names: the total reward or one reward's raw scores. */
export function rewardMetric(rewards: BatchRewards, name: string): Float64Array {
  if (TOTAL_METRICS.includes(name)) return rewards.total;
  const column = rewards.byReward[name];
  if (!column) throw new Error(`"${name}" is not a reward of this run; use score or one of: ${Object.keys(rewards.byReward).join(", ")}`);
  return column;
}

/**
 * Checks at start that the settings naming a reward name one this run has (a curriculum following a
 * reward the run lacks would never advance); throws naming the setting, the value and the choices.
 */
export function checkRewardMetrics(settings: RlSettings, rewardNames: readonly string[]): void {
  const used: [string, string][] = [];
  if (settings.filter_groups_enable) used.push(["filter_groups_metric", settings.filter_groups_metric]);
  if (settings.curriculum === "by_accuracy") used.push(["curriculum_metric", settings.curriculum_metric]);
  for (const [key, name] of used) {
    if (TOTAL_METRICS.includes(name) || rewardNames.includes(name)) continue;
    throw new Error(`${key} = "${name}" is not a reward of this run (rewards: ${rewardNames.join(", ")}); set it with --set ${key}=NAME to one of them, or to score (the total reward)`);
  }
}

/** Scores rollouts with the workspace's reward files (loaded once per run: a run's rewards never change under it). */
export class RolloutScorer {
  private constructor(
    private readonly engine: RewardEngine,
    readonly loaded: LoadResult,
    private readonly stepOptions: StepSplitOptions,
    private readonly extra: OutcomeReward[],
  ) {}

  /** Compiles and loads the reward files; throws with every load error when any file is broken. */
  static async open(
    rewards: string | readonly string[],
    extra: OutcomeReward[] = [],
    stepOptions: StepSplitOptions = { mode: "auto" },
    /** The workspace's `sandbox` and what the strict sandbox may read (the workspace). */
    sandbox: Pick<RewardEngineOptions, "sandbox" | "strictReads"> = {},
  ): Promise<RolloutScorer> {
    const engine = new RewardEngine({ rewards, steps: stepOptions, ...sandbox });
    const loaded = await engine.load();
    if (loaded.errors.length > 0) {
      engine.dispose();
      throw new Error(`reward files failed to load:\n${loaded.errors.map((e) => `  ${e.message}`).join("\n")}`);
    }
    if (loaded.rewards.length === 0) {
      engine.dispose();
      throw new Error(`no rewards found in ${[rewards].flat().join(", ")} (reward files are *.reward.ts exporting defineReward(...))`);
    }
    return new RolloutScorer(engine, loaded, stepOptions, extra);
  }

  /** Names of every reward the run optimises (file rewards, then built-in shaping such as DAPO's overlong penalty). */
  get rewardNames(): string[] {
    return [...this.loaded.rewards.map((r) => r.name), ...this.extra.map((r) => r.name)];
  }

  /**
   * Scores `records`; `tokenEnds[b]` holds the character offset where each response token ends
   * (to place step scores on tokens).
   */
  async score(records: readonly TraceRecord[], tokenEnds: readonly (readonly number[])[]): Promise<BatchRewards> {
    const B = records.length;
    const table = await this.engine.scoreRecords(records);
    const total = Float64Array.from(table.totals.subarray(0, B), (t) => (t === t ? t : 0));
    const outcome = new Float64Array(B);
    const steps: StepScore[][] = records.map(() => []);
    const byReward: Record<string, Float64Array> = {};
    const perSample: Record<string, number | null>[] = records.map(() => ({}));
    this.loaded.rewards.forEach((reward, r) => {
      const column = new Float64Array(B);
      for (let i = 0; i < B; i++) {
        const v = table.values[r][i];
        column[i] = v;
        perSample[i][reward.name] = Number.isFinite(v) ? v : null;
        if (reward.kind !== "process" && Number.isFinite(v)) outcome[i] += reward.weight * v;
      }
      byReward[reward.name] = column;
    });
    for (let i = 0; i < B; i++) {
      const stepScores = table.stepScores.get(i);
      if (!stepScores) continue;
      const spans = splitSteps(records[i].completion, this.stepOptions);
      const ends = stepEndTokens(spans.map((s) => s.span.end), tokenEnds[i]);
      for (const reward of this.loaded.rewards) {
        const scores = stepScores[reward.name];
        if (!scores) continue;
        scores.forEach((s, k) => {
          if (s !== null && Number.isFinite(s) && ends[k] !== undefined) steps[i].push({ token: ends[k], score: reward.weight * s });
        });
      }
    }
    for (const reward of this.extra) {
      const column = new Float64Array(B);
      for (let i = 0; i < B; i++) {
        const sample = new TraceSample(records[i], i, 0, this.stepOptions);
        const v = Number(await reward.score(sample, SHAPING_CONTEXT));
        column[i] = v;
        perSample[i][reward.name] = Number.isFinite(v) ? v : null;
        if (Number.isFinite(v)) {
          outcome[i] += (reward.weight ?? 1) * v;
          total[i] += (reward.weight ?? 1) * v;
        }
      }
      byReward[reward.name] = column;
    }
    let count = 0;
    let first: string | null = null;
    for (const [i, failures] of table.errors) {
      count += failures.length;
      first ??= `${failures[0].reward} on sample ${records[i].id ?? i}: ${failures[0].message}`;
    }
    return { total, outcome, steps, byReward, perSample, errors: { count, first } };
  }

  dispose(): void {
    this.engine.dispose();
  }
}
