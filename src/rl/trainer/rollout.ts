// One step's rollouts: G responses per prompt from the current policy, turned into trace records,
// scored by the workspace's rewards, with DAPO's dynamic sampling (drop groups whose scores are all
// equal; generate more until the batch is full or the generation budget is spent).

import { dirname } from "node:path";
import { type SequenceItem } from "../../policy/batch";
import { type Generation, type PolicyGenerator } from "../../policy/generate";
import { type DatasetRecord } from "../../policy/tasks/dataset";
import { type TraceRecord } from "../../trace/types";
import { rolloutRecord, tokenInfo } from "../rollouts";
import { filterGroups, shouldRefill } from "../sampling";
import { type RlSettings } from "../settings";
import { type BatchRewards, type RolloutScorer, rewardMetric } from "./rewards";

export interface Rollouts {
  /** Prompt index (into the training set) of each response. */
  prompts: number[];
  /** Group index of each response (0..groups-1). */
  groups: Int32Array;
  items: SequenceItem[];
  gens: Generation[];
  records: TraceRecord[];
  rewards: BatchRewards;
  /** Groups generated and kept by dynamic sampling, and generation batches used. */
  sampling: { generatedGroups: number; keptGroups: number; batches: number };
  seconds: { rollout: number; reward: number };
}

export interface RolloutSource {
  records: readonly DatasetRecord[];
  items: readonly SequenceItem[];
  datasetFile: string;
}

/** Character offset where each token of `gen` ends (to place step scores on tokens). */
function tokenEnds(pieces: readonly string[]): number[] {
  const ends: number[] = [];
  let at = 0;
  for (const p of pieces) ends.push((at += p.length));
  return ends;
}

/**
 * Generates and scores one step's rollouts. `choosePrompts(k)` supplies k more prompt indices
 * (called again when dynamic sampling refills); `outFile` is where the rollouts will be written.
 */
export async function collectRollouts(
  generator: PolicyGenerator,
  scorer: RolloutScorer,
  source: RolloutSource,
  settings: RlSettings,
  step: number,
  choosePrompts: (count: number, batch: number) => number[],
  outFile: string,
): Promise<Rollouts> {
  const tok = generator.policy.tokenizer;
  const n = settings.rollout_n;
  const kept: Omit<Rollouts, "sampling" | "seconds" | "groups" | "rewards"> = { prompts: [], items: [], gens: [], records: [] };
  const keptRewards: { from: BatchRewards; i: number }[] = [];
  const errors: BatchRewards["errors"] = { count: 0, first: null };
  const seconds = { rollout: 0, reward: 0 };
  let generatedGroups = 0, keptGroups = 0, batches = 0;
  do {
    const prompts = choosePrompts(settings.train_batch_size, batches).flatMap((p) => Array<number>(n).fill(p));
    const items = prompts.map((p) => source.items[p]);
    let t0 = performance.now();
    const gens = await generator.generate(items, {
      temperature: settings.temperature, topP: settings.top_p, maxNewTokens: settings.max_response_length,
      seed: (settings.seed * 1_000_003 + step * 101 + batches) >>> 0,
    });
    seconds.rollout += (performance.now() - t0) / 1000;
    const records = gens.map((gen, i) => {
      const p = prompts[i];
      return rolloutRecord(source.records[p], tok.decode(gen.ids), tokenInfo(tok, gen), { datasetDir: dirname(source.datasetFile), outFile }, {
        id: `s${step}-p${p}-${i % n}`, group: `p${p}@${step}${batches ? `.${batches}` : ""}`, step,
        meta: { stop: gen.stop },
      });
    });
    t0 = performance.now();
    const rewards = await scorer.score(records, gens.map((gen) => tokenEnds(gen.ids.map((id) => tok.piece(id)))));
    seconds.reward += (performance.now() - t0) / 1000;
    const groupOf = Int32Array.from(prompts.map((_, i) => Math.floor(i / n)));
    const metric = rewardMetric(rewards, settings.filter_groups_metric);
    const keep = settings.filter_groups_enable ? filterGroups(groupOf, metric).keep : prompts.map((_, i) => i);
    generatedGroups += prompts.length / n;
    batches++;
    const room = (settings.train_batch_size - keptGroups) * n;
    for (const i of keep.slice(0, room)) {
      kept.prompts.push(prompts[i]);
      kept.items.push(items[i]);
      kept.gens.push(gens[i]);
      kept.records.push(records[i]);
      keptRewards.push({ from: rewards, i });
    }
    keptGroups = kept.prompts.length / n;
    errors.count += rewards.errors.count;
    errors.first ??= rewards.errors.first;
  } while (settings.filter_groups_enable && shouldRefill(keptGroups, batches, settings));
  if (kept.prompts.length === 0) throw new Error(`step ${step}: dynamic sampling kept no group in ${batches} generation batches (every group's rewards were equal); lower max_num_gen_batches's strictness or check the rewards`);
  const groups = Int32Array.from(kept.prompts.map((_, i) => Math.floor(i / n)));
  return { ...kept, rewards: gatherRewards(keptRewards, errors), groups, sampling: { generatedGroups, keptGroups, batches }, seconds };
}


/** The kept responses' rewards, in kept order, as one BatchRewards. */
function gatherRewards(kept: readonly { from: BatchRewards; i: number }[], errors: BatchRewards["errors"]): BatchRewards {
  const byReward: Record<string, Float64Array> = {};
  for (const name of Object.keys(kept[0]?.from.byReward ?? {})) byReward[name] = Float64Array.from(kept, ({ from, i }) => from.byReward[name][i]);
  return {
    total: Float64Array.from(kept, ({ from, i }) => from.total[i]),
    outcome: Float64Array.from(kept, ({ from, i }) => from.outcome[i]),
    steps: kept.map(({ from, i }) => from.steps[i]),
    byReward,
    perSample: kept.map(({ from, i }) => from.perSample[i]),
    errors,
  };
}
