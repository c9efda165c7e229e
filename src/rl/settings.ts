// RL settings: one flat object, validated with zod. Keys are verl's leaf config names where verl
// has one (the README maps each to verl's full path, TRL's GRPOConfig and OpenRLHF's flags), so
// `--set clip_ratio_high=0.28` means what it means in a verl script.
//
// This file is a leaf: the schema and the fixed vocabularies only. Names that come from registries
// (advantage estimators, policy losses), presets and `--set` parsing are resolved in resolve.ts.

import { z } from "zod";

/** KL estimators (kl.ts): verl's names and Schulman's k1/k2/k3 aliases. */
export const KL_ESTIMATORS = ["kl", "k1", "abs", "mse", "k2", "low_var_kl", "k3"] as const;
export type KlEstimator = (typeof KL_ESTIMATORS)[number];

/** Loss aggregation modes (losses.ts), verl's `loss_agg_mode`. */
export const LOSS_AGG_MODES = ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm"] as const;
export type LossAggMode = (typeof LOSS_AGG_MODES)[number];

const prob = () => z.number().min(0).max(1);
const positiveInt = () => z.number().int().positive();

/** Every setting with its type, range and one line of documentation. */
export const rlSettingsSchema = z
  .object({
    // Advantage estimation (verl `algorithm.*`)
    adv_estimator: z.string().describe("advantage estimator: grpo | rloo | reinforce_plus_plus | reinforce_plus_plus_baseline | gae"),
    norm_adv_by_std_in_grpo: z.boolean().describe("grpo: divide by the std of the rewards (false = Dr.GRPO)"),
    grpo_std_scope: z.enum(["group", "batch"]).describe("grpo: std of the prompt's group (GRPO) or of the whole batch (Lite PPO; TRL scale_rewards=batch)"),
    gamma: prob().describe("discount factor for gae and reinforce_plus_plus"),
    lam: prob().describe("GAE lambda (used for both actor and critic unless lam_actor / lam_critic are set)"),
    lam_actor: prob().nullable().describe("decoupled GAE (VC-PPO): lambda of the actor's advantages; null = lam"),
    lam_critic: prob().nullable().describe("decoupled GAE (VC-PPO): lambda of the critic's return targets; null = lam"),
    use_kl_in_reward: z.boolean().describe("subtract kl_coef * KL(old || ref) from the token rewards (PPO/RLOO style)"),
    kl_penalty: z.enum(KL_ESTIMATORS).describe("KL estimator of the reward penalty: kl (k1) | abs | mse (k2) | low_var_kl (k3)"),
    kl_coef: z.number().min(0).describe("coefficient of the KL reward penalty"),
    // Actor (verl `actor_rollout_ref.actor.*`)
    policy_loss: z.string().describe("policy loss: vanilla (PPO clip, token ratio) | gspo (sequence ratio)"),
    clip_ratio: z.number().positive().describe("PPO clip epsilon; default for clip_ratio_low / clip_ratio_high"),
    clip_ratio_low: z.number().positive().nullable().describe("lower clip: ratio >= 1 - clip_ratio_low; null = clip_ratio"),
    clip_ratio_high: z.number().positive().nullable().describe("upper clip: ratio <= 1 + clip_ratio_high (DAPO clip-higher 0.28); null = clip_ratio"),
    clip_ratio_c: z.number().gt(1).describe("dual-clip bound for negative advantages: loss <= -A * clip_ratio_c"),
    loss_agg_mode: z.enum(LOSS_AGG_MODES).describe("loss aggregation: token-mean | seq-mean-token-mean | seq-mean-token-sum | seq-mean-token-sum-norm"),
    loss_scale_factor: z.number().positive().nullable().describe("seq-mean-token-sum-norm divisor; null = max_response_length"),
    entropy_coeff: z.number().describe("entropy bonus: loss -= entropy_coeff * entropy"),
    use_kl_loss: z.boolean().describe("add kl_loss_coef * KL(policy || ref) to the actor loss (GRPO style)"),
    kl_loss_coef: z.number().min(0).describe("coefficient of the KL loss term"),
    kl_loss_type: z.enum(KL_ESTIMATORS).describe("KL estimator of the loss term: kl (k1) | abs | mse (k2) | low_var_kl (k3)"),
    ppo_epochs: positiveInt().describe("passes over each step's rollouts (mu in the GRPO paper)"),
    ppo_mini_batch_size: positiveInt().describe("prompts per optimiser step (times rollout_n samples); divides train_batch_size"),
    grad_clip: z.number().positive().describe("clip the global gradient norm to this"),
    lr: z.number().positive().describe("actor learning rate (AdamW)"),
    weight_decay: z.number().min(0).describe("AdamW weight decay of the actor (and critic)"),
    // Critic (verl `critic.*`)
    critic_lr: z.number().positive().describe("critic (value head) learning rate"),
    cliprange_value: z.number().positive().describe("value clipping: |V - V_old| <= cliprange_value"),
    vf_coef: z.number().min(0).describe("weight of the value loss when the value head shares the policy's trunk"),
    critic_warmup: z.number().int().min(0).describe("steps that train only the critic before the actor starts (value pretraining)"),
    // Rollout (verl `actor_rollout_ref.rollout.*`, `data.*`)
    rollout_n: positiveInt().max(1024).describe("samples per prompt (the group size G)"),
    train_batch_size: positiveInt().max(65_536).describe("prompts per training step"),
    temperature: z.number().positive().describe("sampling temperature for rollouts (log-probs use the same scaling)"),
    top_p: z.number().gt(0).max(1).describe("nucleus sampling for rollouts; 1 = off"),
    val_temperature: z.number().min(0).describe("sampling temperature for evaluation; 0 = greedy"),
    max_response_length: positiveInt().max(65_536).describe("tokens generated at most per response"),
    // DAPO dynamic sampling and overlong shaping
    filter_groups_enable: z.boolean().describe("DAPO dynamic sampling: drop groups whose filter_groups_metric is equal for all samples"),
    filter_groups_metric: z.string().min(1).describe("what must differ within a group: score (total reward) or a reward name"),
    max_num_gen_batches: z.number().int().min(0).describe("rollout batches per step at most when refilling filtered groups; 0 = no limit"),
    overlong_buffer_enable: z.boolean().describe("DAPO soft overlong punishment in the last overlong_buffer_len tokens"),
    overlong_buffer_len: z.number().int().min(0).describe("length of the soft penalty zone below max_response_length"),
    overlong_penalty_factor: z.number().min(0).describe("penalty at max_response_length"),
    mask_truncated: z.boolean().describe("drop responses cut at max_response_length from the loss (overlong filtering)"),
    // Run (ours)
    total_steps: positiveInt().describe("training steps"),
    eval_every: z.number().int().min(0).describe("evaluate on the held-out split every N steps; 0 = never"),
    save_every: z.number().int().min(0).describe("write a checkpoint every N steps; 0 = only at the end"),
    seed: z.number().int().min(0).describe("seed for sampling, shuffling and initialisation"),
    curriculum: z.enum(["off", "by_accuracy", "by_step"]).describe("curriculum over difficulty levels: off | by_accuracy | by_step"),
    curriculum_metric: z.string().min(1).describe("by_accuracy: the reward (by name) whose batch mean decides promotion, or score (the total reward)"),
    curriculum_promote_at: z.number().describe("by_accuracy: move up a level when the recent mean of curriculum_metric reaches this"),
    curriculum_window: positiveInt().describe("by_accuracy: steps of curriculum_metric averaged"),
    curriculum_steps_per_level: positiveInt().describe("by_step: steps spent on each level"),
    prioritized_sampling: z.boolean().describe("draw prompts by recent advantage variance instead of uniformly"),
    prioritized_floor: prob().describe("share of uniform sampling mixed in, so no prompt starves"),
  })
  .strict();

export type RlSettings = z.infer<typeof rlSettingsSchema>;
export type RlSettingKey = keyof RlSettings;

/** Every setting key, in schema order. */
export const settingKeys = (): RlSettingKey[] => Object.keys(rlSettingsSchema.shape) as RlSettingKey[];
