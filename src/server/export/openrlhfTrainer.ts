/**
 * The workspace's RL settings as OpenRLHF `train_ppo_ray` flags, in both spellings: newer releases
 * group the flags (`--algo.advantage.estimator`, `--actor.eps_clip_low_high`, `--algo.kl.init_coef`),
 * older ones are flat (`--advantage_estimator`, `--eps_clip_low_high`, `--init_kl_coef`). Checked
 * against openrlhf/cli/train_ppo_ray.py of both generations.
 *
 * Unlike verl, OpenRLHF names and groups things its own way, so this is a function per concept
 * rather than a path table; what has no OpenRLHF flag is reported, never dropped silently.
 */
import { usesCritic } from "../../rl/advantages";
import type { RlSettings } from "../../rl/settings";
import { overlongNote } from "./trainerSettings";

export interface OpenRlhfTrainerArgs {
  current: string[];
  legacy: string[];
  /** Settings OpenRLHF cannot express (or only approximately), one line each. */
  notes: string[];
  /** The reward `rewardlab serve --score-reward` must put in `scores` (dynamic filtering metric). */
  scoreReward?: string;
}

/** verl / RewardLab estimator name -> OpenRLHF's. */
const ESTIMATORS: Record<string, string> = {
  grpo: "group_norm",
  rloo: "rloo",
  reinforce_plus_plus: "reinforce",
  reinforce_plus_plus_baseline: "reinforce_baseline",
  gae: "gae",
};

/** The loss aggregations OpenRLHF's `--actor.loss_agg_mode` accepts (train_ppo_ray.py @10eb6118). */
const OPENRLHF_LOSS_AGG = ["token-mean", "seq-mean-token-mean"];

/** verl KL estimator names -> OpenRLHF's k1/k2/k3 (`abs` has none). */
const KL_ESTIMATORS: Record<string, string> = { kl: "k1", k1: "k1", mse: "k2", k2: "k2", low_var_kl: "k3", k3: "k3" };

/** Builds both flag lists; `flag(current, legacy, ...values)` adds one flag to each. */
export function openRlhfTrainerArgs(s: RlSettings): OpenRlhfTrainerArgs {
  const current: string[] = [];
  const legacy: string[] = [];
  const notes: string[] = [];
  const flag = (grouped: string, flat: string, ...values: unknown[]) => {
    current.push(grouped, ...values.map(String));
    legacy.push(flat, ...values.map(String));
  };

  const estimator = ESTIMATORS[s.adv_estimator];
  if (estimator) flag("--algo.advantage.estimator", "--advantage_estimator", estimator);
  else notes.push(`adv_estimator = ${s.adv_estimator}: OpenRLHF has no such estimator (it has ${Object.values(ESTIMATORS).join(", ")}, dr_grpo)`);
  if (s.adv_estimator === "grpo" && !s.norm_adv_by_std_in_grpo) flag("--algo.advantage.no_std_norm", "--no_advantage_std_norm");
  if (s.adv_estimator === "grpo" && s.grpo_std_scope !== "group") notes.push(`grpo_std_scope = ${s.grpo_std_scope}: OpenRLHF's group_norm divides by each group's std`);
  if (s.adv_estimator === "gae" || s.adv_estimator === "reinforce_plus_plus") {
    flag("--algo.advantage.gamma", "--gamma", s.gamma);
    flag("--algo.advantage.lambd", "--lambd", s.lam);
    if (s.lam_actor !== null || s.lam_critic !== null) notes.push("lam_actor / lam_critic: OpenRLHF has one --lambd (no decoupled GAE)");
  }

  // Written only for gspo: releases before GSPO do not know the flag, and ppo is its default.
  if (s.policy_loss === "gspo") flag("--actor.policy_loss_type", "--policy_loss_type", "gspo");
  else if (s.policy_loss !== "vanilla") notes.push(`policy_loss = ${s.policy_loss}: OpenRLHF has ppo and gspo only`);
  flag("--actor.eps_clip_low_high", "--eps_clip_low_high", s.clip_ratio_low ?? s.clip_ratio, s.clip_ratio_high ?? s.clip_ratio);
  flag("--actor.dual_clip", "--dual_clip", s.clip_ratio_c);
  flag("--train.max_epochs", "--max_epochs", s.ppo_epochs);
  if (s.entropy_coeff !== 0) flag("--actor.entropy_coef", "--entropy_loss_coef", s.entropy_coeff);
  // OpenRLHF >= 0.11 has --actor.loss_agg_mode (token-mean | seq-mean-token-mean); the flat releases have none.
  if (OPENRLHF_LOSS_AGG.includes(s.loss_agg_mode)) {
    current.push("--actor.loss_agg_mode", s.loss_agg_mode);
    if (s.loss_agg_mode !== "token-mean") notes.push(`loss_agg_mode = ${s.loss_agg_mode}: written for OpenRLHF's grouped flags only; the flat releases aggregate token-mean`);
  } else notes.push(`loss_agg_mode = ${s.loss_agg_mode}: OpenRLHF's --actor.loss_agg_mode takes ${OPENRLHF_LOSS_AGG.join(" or ")}; check its loss aggregation matches`);

  klArgs(s, flag, notes);

  flag("--rollout.n_samples_per_prompt", "--n_samples_per_prompt", s.rollout_n);
  flag("--rollout.temperature", "--temperature", s.temperature);
  flag("--rollout.top_p", "--top_p", s.top_p);
  if (usesCritic(s)) {
    flag("--critic.value_clip", "--value_clip", s.cliprange_value);
    if (s.critic_warmup > 0) flag("--critic.freezing_steps", "--freezing_actor_steps", s.critic_warmup);
  }

  let scoreReward: string | undefined;
  if (s.filter_groups_enable) {
    flag("--algo.dynamic_filtering_enable", "--dynamic_filtering");
    notes.push("filter_groups: OpenRLHF keeps groups whose mean score lies strictly inside --dynamic_filtering_reward_range (default 0 1): set it to your reward's range");
    if (s.filter_groups_metric !== "score") scoreReward = s.filter_groups_metric;
  }
  if (s.overlong_buffer_enable) {
    flag("--reward.overlong_buffer_len", "--overlong_buffer_len", s.overlong_buffer_len);
    flag("--reward.overlong_penalty_factor", "--overlong_penalty_factor", s.overlong_penalty_factor);
    notes.push(overlongNote(s));
  }
  if (s.mask_truncated) notes.push("mask_truncated: OpenRLHF has no flag that masks truncated responses out of the loss");
  if (s.curriculum !== "off") notes.push(`curriculum = ${s.curriculum}: RewardLab's own; OpenRLHF samples prompts in dataset order`);
  if (s.prioritized_sampling) notes.push("prioritized_sampling: RewardLab's own; OpenRLHF samples prompts in dataset order");
  return { current, legacy, notes, ...(scoreReward ? { scoreReward } : {}) };
}

/**
 * KL: OpenRLHF has one coefficient (--init_kl_coef) used either as a loss term (--use_kl_loss) or
 * as a reward penalty; 0 turns the reference model off.
 */
function klArgs(s: RlSettings, flag: (grouped: string, flat: string, ...values: unknown[]) => void, notes: string[]): void {
  const asLoss = s.use_kl_loss;
  const asReward = s.use_kl_in_reward;
  if (asLoss && asReward) notes.push("use_kl_loss and use_kl_in_reward are both on: OpenRLHF uses one KL coefficient, exported as the loss term");
  if (!asLoss && !asReward) {
    flag("--algo.kl.init_coef", "--init_kl_coef", 0);
    return;
  }
  if (asLoss) flag("--algo.kl.use_loss", "--use_kl_loss");
  flag("--algo.kl.init_coef", "--init_kl_coef", asLoss ? s.kl_loss_coef : s.kl_coef);
  const type = asLoss ? s.kl_loss_type : s.kl_penalty;
  const estimator = KL_ESTIMATORS[type];
  if (estimator) flag("--algo.kl.estimator", "--kl_estimator", estimator);
  else notes.push(`KL estimator ${type}: OpenRLHF has k1, k2 and k3 only`);
}
