// The trainer's graphs: the policy's scoring graph with the RL losses on top (actor, and for
// value-based estimators the critic through the value head), plus a forward-only graph for the
// frozen reference's log-probs and the critic's values at rollout time.
//
// The value head shares the policy's trunk (one network, two heads, as TRL's value-head models):
// the critic loss is added to the actor's with `vf_coef`, and the value head's own parameters get
// `critic_lr` through a second AdamW.

import { GraphBuilder, type Tensor } from "../../ir/index";
import { type PolicyConfig } from "../../policy/config";
import { buildScoringGraph } from "../../policy/model";
import { AdamW, CompiledGraph, type CompileOptions, type Optimizer, type ParamStore, type StepStats, Trainer, decayMatrices } from "../../runtime/index";
import { usesCritic } from "../advantages";
import { actorLoss, criticLoss, entropyFromLogits } from "../losses";
import { type RlSettings } from "../settings";

/** Whether the run needs the frozen reference's log-probs. */
export function usesReference(settings: RlSettings): boolean {
  return settings.use_kl_loss || settings.use_kl_in_reward;
}

/**
 * Two AdamWs over one parameter store: the value head at `critic_lr`, everything else at `lr`.
 * Each clips its own gradients' global norm (the reported norm is the actor's).
 */
export class ActorCriticOptimizer implements Optimizer {
  readonly actor: AdamW;
  readonly critic: AdamW;

  constructor(settings: RlSettings, decays: (name: string) => boolean, private readonly criticParams: ReadonlySet<string>) {
    const common = { weightDecay: settings.weight_decay, clipNorm: settings.grad_clip, decays };
    this.actor = new AdamW({ ...common, lr: settings.lr });
    this.critic = new AdamW({ ...common, lr: settings.critic_lr });
  }

  step(params: ParamStore, grads: ParamStore, lrScale = 1): StepStats {
    const split = (wanted: boolean) => new Map([...grads].filter(([n]) => this.criticParams.has(n) === wanted));
    const actorGrads = split(false);
    const criticGrads = split(true);
    const stats = actorGrads.size > 0 ? this.actor.step(params, actorGrads, lrScale) : { gradNorm: 0 };
    if (criticGrads.size > 0) this.critic.step(params, criticGrads, lrScale);
    return stats;
  }
}

export interface RlGraphs {
  /** Actor loss (+ vf_coef * critic loss with a critic). */
  train: Trainer;
  /** Critic loss only, for `critic_warmup` steps; null without a critic. */
  criticWarmup: Trainer | null;
  /** Forward only: `log_probs` (and `values`) of the response tokens. */
  forward: CompiledGraph;
  optimizer: ActorCriticOptimizer;
}

/** Names of the extra graph inputs the RL losses read (all `[B, Tr]` float32). */
export const RL_INPUTS = ["old_log_probs", "advantages", "response_mask", "ref_log_probs", "old_values", "returns"] as const;

/** Builds the graphs for `config` and `settings`; `params` is shared by all of them. */
export function buildRlGraphs(config: PolicyConfig, settings: RlSettings, params: ParamStore, options: CompileOptions = {}): RlGraphs {
  const critic = usesCritic(settings);
  if (critic && !config.value_head) throw new Error(`${settings.adv_estimator} needs a value head, and this policy has none (config.json "value_head": false)`);
  const g = new GraphBuilder();
  const sg = buildScoringGraph(g, config, settings.temperature);
  const input = (name: (typeof RL_INPUTS)[number]) => g.input(name, "float32", ["B", "Tr"]);
  const mask = input("response_mask");
  const actor = actorLoss(g, {
    logProbs: sg.logProbs,
    oldLogProbs: input("old_log_probs"),
    advantages: input("advantages"),
    mask,
    refLogProbs: usesReference(settings) ? input("ref_log_probs") : undefined,
    entropy: entropyFromLogits(g, sg.logits),
  }, settings);
  let loss = actor.loss;
  const metrics: Record<string, Tensor> = { ...actor.metrics };
  let warmupLoss: Tensor | null = null;
  if (critic) {
    const c = criticLoss(g, { values: sg.values!, oldValues: input("old_values"), returns: input("returns"), mask }, settings);
    Object.assign(metrics, c.metrics);
    warmupLoss = c.loss;
    loss = g.add(loss, g.mul(c.loss, settings.vf_coef));
  }
  const optimizer = new ActorCriticOptimizer(settings, decayMatrices(g), sg.criticParams);
  const trainable = [...g.params.keys()].filter((n) => critic || !sg.criticParams.has(n));
  const train = new Trainer(g, loss, { ...options, optimizer, params, trainable, metrics });
  const criticWarmup = warmupLoss
    ? new Trainer(g, warmupLoss, { ...options, optimizer, params, trainable: [...sg.criticParams], metrics: {} })
    : null;

  const fg = new GraphBuilder();
  const fs = buildScoringGraph(fg, config, settings.temperature);
  const outputs: Record<string, Tensor> = { log_probs: fs.logProbs };
  if (critic) outputs.values = fs.values!;
  return { train, criticWarmup, forward: new CompiledGraph(fg, outputs, options), optimizer };
}

export async function disposeRlGraphs(graphs: RlGraphs): Promise<void> {
  await graphs.train.dispose();
  await graphs.criticWarmup?.dispose();
  await graphs.forward.dispose();
}
