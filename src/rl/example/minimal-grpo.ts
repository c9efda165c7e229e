// A minimal GRPO loop over the library, to read top to bottom (in the spirit of cleanrl's
// single-file PPO). The "policy" is a learned table of logits, one row per prompt: a response is
// T tokens drawn independently from softmax(table[prompt]) and earns the fraction of its tokens
// equal to the prompt's rewarded token. GRPO must raise the probability of that token.
//
// Everything a real trainer does is here in small: sample rollout_n responses per prompt, score
// them, compute advantages with the registry, then optimise the actor loss over mini-batches with
// the runtime's Trainer (ONNX Runtime forward + backward, AdamW in JS).
//
//   npx tsx src/rl/example/minimal-grpo.ts

import { GraphBuilder, tokenLogProbs } from "../../ir/index";
import { AdamW, Trainer, seededRandom } from "../../runtime/index";
import { computeAdvantages } from "../advantages";
import { actorLoss, entropyFromLogits } from "../losses";
import { tokenLevelScores } from "../sampling";
import { resolveSettings } from "../resolve";
import type { RlSettings } from "../settings";

export interface MinimalGrpoOptions {
  prompts?: number;
  vocab?: number;
  /** Response length T. */
  tokens?: number;
  steps?: number;
  seed?: number;
  /** `--set`-style overrides of the grpo preset. */
  overrides?: Record<string, string>;
}

export interface StepLog {
  step: number;
  meanReward: number;
  /** Mean probability of the rewarded token over the prompts. */
  pTarget: number;
  metrics: Record<string, number>;
}

/** Trains the logits table with GRPO and returns one log line per step. */
export async function runMinimalGrpo(options: MinimalGrpoOptions = {}): Promise<StepLog[]> {
  const { prompts = 4, vocab = 6, tokens: T = 3, steps = 25, seed = 0 } = options;
  const settings: RlSettings = resolveSettings("grpo", { train_batch_size: String(prompts), ppo_mini_batch_size: String(prompts / 2), lr: "0.05", seed: String(seed), ...options.overrides });
  const G = settings.rollout_n;
  const rand = seededRandom(settings.seed);
  const target = Array.from({ length: prompts }, (_, p) => (p * 5 + 1) % vocab); // the rewarded token of each prompt

  // 1. The policy and its loss, as one graph. B = responses in a mini-batch.
  const g = new GraphBuilder();
  const table = g.param("logits", [prompts, vocab], { kind: "zeros" });
  const promptIds = g.input("prompt", "int64", ["B"]);
  const responseTokens = g.input("tokens", "int64", ["B", T]);
  const logits = g.expand(g.reshape(g.gather(table, promptIds), ["B", 1, vocab]), ["B", T, vocab]);
  const feedNames = ["oldLogProbs", "refLogProbs", "advantages", "mask"] as const;
  const [oldLogProbs, refLogProbs, advantages, mask] = feedNames.map((name) => g.input(name, "float32", ["B", T]));
  const { loss, metrics } = actorLoss(
    g,
    { logProbs: tokenLogProbs(g, logits, responseTokens), oldLogProbs, refLogProbs, advantages, mask, entropy: entropyFromLogits(g, logits) },
    settings,
  );
  const trainer = new Trainer(g, loss, { optimizer: new AdamW({ lr: settings.lr, clipNorm: settings.grad_clip }), seed, threads: 1, metrics });
  const reference = Float32Array.from(trainer.params.get("logits")!); // frozen copy for the KL term

  const logProbsOf = (weights: Float32Array, p: number) => logSoftmax(weights.subarray(p * vocab, (p + 1) * vocab));
  const history: StepLog[] = [];
  for (let step = 0; step < steps; step++) {
    // 2. Rollouts: every prompt, G responses each, T tokens sampled from the current policy.
    const B = prompts * G;
    const prompt = Int32Array.from({ length: B }, (_, i) => Math.floor(i / G));
    const sampled = new Int32Array(B * T);
    const old = new Float32Array(B * T), ref = new Float32Array(B * T);
    for (let i = 0; i < B; i++) {
      const policy = logProbsOf(trainer.params.get("logits")!, prompt[i]);
      const frozen = logProbsOf(reference, prompt[i]);
      for (let t = 0; t < T; t++) {
        const token = sampleIndex(policy, rand());
        sampled[i * T + t] = token;
        old[i * T + t] = policy[token];
        ref[i * T + t] = frozen[token];
      }
    }

    // 3. Rewards, then advantages (one call, whatever the estimator).
    const fullMask = new Float32Array(B * T).fill(1);
    const outcome = Array.from({ length: B }, (_, i) => sampled.subarray(i * T, (i + 1) * T).filter((tok) => tok === target[prompt[i]]).length / T);
    const { tokenScores, scores } = tokenLevelScores(B, T, fullMask, outcome);
    const adv = computeAdvantages({ B, T, mask: fullMask, scores, tokenRewards: tokenScores, groups: prompt, values: null }, settings).advantages;

    // 4. Policy update: ppo_epochs passes over mini-batches of ppo_mini_batch_size prompts.
    const rows = settings.ppo_mini_batch_size * G;
    let last: Record<string, number> = {};
    for (let epoch = 0; epoch < settings.ppo_epochs; epoch++) {
      for (let start = 0; start < B; start += rows) {
        const take = <A extends Float32Array | Int32Array>(a: A, width: number) => a.slice(start * width, (start + rows) * width) as A;
        const feeds = {
          prompt: { data: BigInt64Array.from(take(prompt, 1), BigInt), shape: [rows] },
          tokens: { data: BigInt64Array.from(take(sampled, T), BigInt), shape: [rows, T] },
          oldLogProbs: { data: take(old, T), shape: [rows, T] },
          refLogProbs: { data: take(ref, T), shape: [rows, T] },
          advantages: { data: take(adv, T), shape: [rows, T] },
          mask: { data: take(fullMask, T), shape: [rows, T] },
        };
        const result = await trainer.step(feeds);
        last = Object.fromEntries(Object.entries(result.metrics).map(([k, v]) => [k, (v.data as Float32Array)[0]]));
      }
    }

    const pTarget = target.reduce((a, tok, p) => a + Math.exp(logProbsOf(trainer.params.get("logits")!, p)[tok]), 0) / prompts;
    history.push({ step, meanReward: outcome.reduce((a, r) => a + r, 0) / B, pTarget, metrics: last });
  }
  await trainer.dispose();
  return history;
}

function logSoftmax(row: Float32Array): Float64Array {
  const max = row.reduce((a, v) => Math.max(a, v), -Infinity);
  const logZ = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
  return Float64Array.from(row, (v) => v - logZ);
}

/** Index drawn from log-probabilities `logp` for a uniform `u` in [0, 1). */
function sampleIndex(logp: Float64Array, u: number): number {
  for (let i = 0; i < logp.length; i++) {
    u -= Math.exp(logp[i]);
    if (u < 0) return i;
  }
  return logp.length - 1;
}

async function main(): Promise<void> {
  for (const { step, meanReward, pTarget, metrics } of await runMinimalGrpo()) {
    console.log(`step ${step}: reward ${meanReward.toFixed(3)}  p(target) ${pTarget.toFixed(3)}  pg_loss ${metrics["actor/pg_loss"].toFixed(4)}  kl ${metrics["actor/kl"].toFixed(4)}`);
  }
}

if (require.main === module) void main();
