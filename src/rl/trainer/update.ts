// From scored rollouts to parameter updates: pack the sequences, get the reference's log-probs and
// the critic's values, turn scores into token rewards (KL penalty when configured) and advantages,
// then μ = ppo_epochs passes over minibatches of ppo_mini_batch_size prompts (× rollout_n).

import { bucket, packSequences, PROMPT_BUCKET } from "../../policy/batch";
import { type Policy } from "../../policy/checkpoint";
import { type HostTensor, type ParamStore, seededRandom } from "../../runtime/index";
import { computeAdvantages, getAdvantageEstimator } from "../advantages";
import { applyKlPenalty } from "../kl";
import { maskTruncated, tokenLevelScores } from "../sampling";
import { type RlSettings } from "../settings";
import { maskedStats, padRows, selectRows } from "./batch";
import { type RlGraphs } from "./graphs";
import { type Rollouts } from "./rollout";
import { type BatchRewards } from "./rewards";

/** Response lengths are padded to multiples of this (few ONNX sessions, little padding). */
export const TRAIN_RESPONSE_BUCKET = 32;

export interface PreparedBatch {
  B: number;
  T: number;
  /** Real prompt and response length of each row (minibatches are trimmed to their own longest). */
  promptLengths: Int32Array;
  responseLengths: Int32Array;
  feeds: Record<string, HostTensor>;
  mask: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  scores: Float32Array;
  metrics: Record<string, number>;
}

/**
 * The rewards as verl's `token_level_scores` [B, T] and the per-response `scores` [B]. One rule for
 * every estimator: a response is worth its total as `rewardlab score` and the editor show it (a
 * process reward enters as its aggregate). Outcome estimators get that total on the last token;
 * token-level estimators (gae, reinforce_plus_plus) get the outcome rewards there and each process
 * step's score on the token that ends the step, so credit lands where the step happened.
 */
export function placeRewards(rewards: BatchRewards, B: number, T: number, mask: Float32Array, settings: RlSettings): { tokenScores: Float32Array; scores: Float32Array } {
  if (!getAdvantageEstimator(settings.adv_estimator).tokenLevel) return tokenLevelScores(B, T, mask, rewards.total);
  const { tokenScores } = tokenLevelScores(B, T, mask, rewards.outcome, rewards.steps.map((s) => s.filter((x) => x.token < T)));
  return { tokenScores, scores: Float32Array.from(rewards.total) };
}

/** Packs the rollouts and computes advantages (and everything the losses read). */
export async function prepareBatch(graphs: RlGraphs, policy: Policy, refParams: ParamStore | null, r: Rollouts, settings: RlSettings, promptLen: number): Promise<PreparedBatch> {
  const B = r.gens.length;
  const longest = Math.max(1, ...r.gens.map((g) => g.ids.length));
  const T = Math.min(bucket(longest, TRAIN_RESPONSE_BUCKET), bucket(settings.max_response_length, TRAIN_RESPONSE_BUCKET));
  const packed = packSequences(policy.config, r.items.map((it, b) => ({ ...it, responseIds: r.gens[b].ids })), policy.tokenizer.pad, { promptLen, responseLen: T });
  const truncated = r.gens.map((g) => g.stop === "length");
  const mask = settings.mask_truncated ? maskTruncated(packed.mask, truncated, B, T) : packed.mask;
  // The rollout's own log-probs are pi_old: same weights, same temperature (KV-cache decode equals
  // the full forward to ~1e-4, tested), so no second forward pass is spent on them.
  const oldLogProbs = padRows(r.gens.map((g) => g.logprobs), T);
  const refLogProbs = refParams ? ((await graphs.forward.run(packed.feeds, refParams)).log_probs.data as Float32Array) : null;
  const values = graphs.criticWarmup ? ((await graphs.forward.run(packed.feeds, policy.params)).values.data as Float32Array) : null;

  const { tokenScores, scores } = placeRewards(r.rewards, B, T, mask, settings);
  const metrics: Record<string, number> = {};
  let tokenRewards = tokenScores;
  if (settings.use_kl_in_reward && refLogProbs) {
    const penalty = applyKlPenalty({ B, T, tokenScores, oldLogProbs, refLogProbs, mask }, settings);
    tokenRewards = penalty.tokenRewards;
    Object.assign(metrics, penalty.metrics);
  }
  const { advantages, returns } = computeAdvantages({ B, T, mask, scores, tokenRewards, groups: r.groups, values }, settings);
  const adv = maskedStats(advantages, mask);
  Object.assign(metrics, { "critic/advantages/mean": adv.mean, "critic/advantages/std": adv.std, "critic/advantages/max": adv.max, "critic/advantages/min": adv.min });
  if (values) {
    const v = maskedStats(values, mask);
    const ret = maskedStats(returns, mask);
    Object.assign(metrics, { "critic/values/mean": v.mean, "critic/returns/mean": ret.mean });
  }
  const feeds: Record<string, HostTensor> = { ...packed.feeds };
  const bt = (data: Float32Array) => ({ data, shape: [B, T] });
  feeds.response_mask = bt(mask);
  feeds.old_log_probs = bt(oldLogProbs);
  feeds.advantages = bt(advantages);
  if (refLogProbs) feeds.ref_log_probs = bt(refLogProbs);
  if (values) {
    feeds.old_values = bt(values);
    feeds.returns = bt(returns);
  }
  const responseLengths = Int32Array.from(r.gens, (g) => g.ids.length);
  return { B, T, promptLengths: packed.lengths, responseLengths, feeds, mask, advantages, returns, scores, metrics };
}

/**
 * The optimisation of one step. Minibatches hold whole groups (a prompt's samples together, as
 * verl's shuffle keeps them). `criticOnly` trains just the value head (critic warm-up).
 * Throws on a non-finite loss or gradient before any parameter changes.
 */
export async function updatePolicy(graphs: RlGraphs, params: ParamStore, batch: PreparedBatch, groups: Int32Array, settings: RlSettings, step: number, criticOnly: boolean): Promise<Record<string, number>> {
  const trainer = criticOnly ? graphs.criticWarmup! : graphs.train;
  const groupIds = [...new Set(groups)];
  const perMinibatch = settings.ppo_mini_batch_size;
  const sums: Record<string, number> = {};
  let count = 0;
  for (let epoch = 0; epoch < settings.ppo_epochs; epoch++) {
    const order = shuffled(groupIds, (settings.seed * 7919 + step * 31 + epoch) >>> 0);
    for (let start = 0; start < order.length; start += perMinibatch) {
      const chosen = new Set(order.slice(start, start + perMinibatch));
      const rows = [...groups.keys()].filter((b) => chosen.has(groups[b]));
      const { loss, metrics } = await trainer.computeGradients(trimmedMinibatch(batch, rows));
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(`loss is ${loss} at step ${step} (epoch ${epoch + 1}, minibatch ${start / perMinibatch + 1})`, step);
      const { gradNorm } = await graphs.optimizer.step(params, trainer.grads);
      if (!Number.isFinite(gradNorm)) throw new NonFiniteLossError(`gradient norm is ${gradNorm} at step ${step}`, step);
      add(sums, "actor/grad_norm", gradNorm);
      add(sums, criticOnly ? "critic/vf_loss" : "actor/loss", loss);
      for (const [name, value] of Object.entries(metrics)) add(sums, name, (value.data as Float32Array)[0]);
      count++;
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, count)]));
}

/**
 * The rows of a minibatch, with prompt columns (left padding) and response columns (right padding)
 * cut to the minibatch's own longest, in buckets: a step's longest response no longer pads every
 * minibatch (measured ~40% padded tokens before). Every loss aggregation is unchanged by dropping
 * masked columns (seq-mean-token-sum-norm divides by a constant).
 */
function trimmedMinibatch(batch: PreparedBatch, rows: readonly number[]): Record<string, HostTensor> {
  const feeds = selectRows(batch.feeds, rows);
  const promptLen = feeds.prompt_tokens.shape[1];
  const keepPrompt = Math.min(promptLen, bucket(Math.max(...rows.map((b) => batch.promptLengths[b])), PROMPT_BUCKET));
  const keepResponse = Math.min(batch.T, bucket(Math.max(1, ...rows.map((b) => batch.responseLengths[b])), TRAIN_RESPONSE_BUCKET));
  for (const [name, feed] of Object.entries(feeds)) {
    if (name.startsWith("prompt_")) feeds[name] = columns(feed, promptLen - keepPrompt, promptLen);
    else if (name !== "image") feeds[name] = columns(feed, 0, keepResponse);
  }
  return feeds;
}

/** Columns [from, to) of a `[B, T]` feed. */
function columns(feed: HostTensor, from: number, to: number): HostTensor {
  const [B, T] = feed.shape;
  if (from === 0 && to === T) return feed;
  const data = new (feed.data.constructor as new (n: number) => Float32Array)(B * (to - from));
  for (let b = 0; b < B; b++) data.set((feed.data as Float32Array).subarray(b * T + from, b * T + to), b * (to - from));
  return { data, shape: [B, to - from] };
}

/** A NaN/Infinity loss or gradient: the run stops and keeps its last good checkpoint. */
export class NonFiniteLossError extends Error {
  /** The step whose loss, gradients or weights went non-finite. */
  constructor(message: string, readonly step: number) {
    super(message);
    this.name = "NonFiniteLossError";
  }
}

function add(sums: Record<string, number>, key: string, value: number): void {
  sums[key] = (sums[key] ?? 0) + value;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
