// Named algorithms are presets: a few settings over one shared base, each with its paper and what
// it changes. Adding a variant touches this file only (verl keeps DAPO and Dr.GRPO as settings
// too, not as code paths).
//
// BASE_SETTINGS are verl's defaults (ppo_trainer.yaml) except where verl's sizes assume a 7B model
// on GPUs: batch sizes, response length and learning rates here fit a ~1M-parameter policy trained
// on 2 CPU cores for a few minutes. ppo_mini_batch_size is half of train_batch_size: two updates
// per step, so the second is off-policy and the clipping (and GSPO's ratio) has work to do.

import type { RlSettings } from "./settings";

/** The one place to tune the learning rates of every preset (verl: 1e-6 actor, 1e-5 critic for 7B
 *  models; a ~1M-parameter policy needs far larger steps). */
const LEARNING_RATES = { lr: 1e-4, critic_lr: 1e-3 };

export const BASE_SETTINGS: RlSettings = {
  adv_estimator: "gae",
  norm_adv_by_std_in_grpo: true,
  grpo_std_scope: "group",
  gamma: 1.0,
  lam: 1.0,
  lam_actor: null,
  lam_critic: null,
  use_kl_in_reward: false,
  kl_penalty: "kl",
  kl_coef: 0.001,
  policy_loss: "vanilla",
  clip_ratio: 0.2,
  clip_ratio_low: null,
  clip_ratio_high: null,
  clip_ratio_c: 3.0,
  loss_agg_mode: "token-mean",
  loss_scale_factor: null,
  entropy_coeff: 0,
  use_kl_loss: false,
  kl_loss_coef: 0.001,
  kl_loss_type: "low_var_kl",
  ppo_epochs: 1,
  ppo_mini_batch_size: 8,
  grad_clip: 1.0,
  lr: LEARNING_RATES.lr,
  weight_decay: 0.01,
  critic_lr: LEARNING_RATES.critic_lr,
  cliprange_value: 0.5,
  // The value head shares the policy's trunk (verl trains a separate critic): at 1.0 the value
  // loss's gradients pulled the trunk away from what the policy had learned (PPO on shapes-vqa fell
  // before it rose) and took most of the shared grad-norm clip. 0.1 is TRL's value-head default
  // (PPOConfig / PPOv2Config `vf_coef`).
  vf_coef: 0.1,
  critic_warmup: 0,
  rollout_n: 8,
  train_batch_size: 16,
  temperature: 1.0,
  top_p: 1.0,
  val_temperature: 0,
  max_response_length: 128,
  filter_groups_enable: false,
  filter_groups_metric: "score",
  max_num_gen_batches: 0,
  overlong_buffer_enable: false,
  overlong_buffer_len: 32,
  overlong_penalty_factor: 1.0,
  mask_truncated: false,
  total_steps: 100,
  eval_every: 10,
  save_every: 25,
  seed: 0,
  curriculum: "off",
  curriculum_metric: "accuracy",
  curriculum_promote_at: 0.8,
  curriculum_window: 3,
  curriculum_steps_per_level: 20,
  prioritized_sampling: false,
  prioritized_floor: 0.2,
};

export interface Preset {
  /** Paper (and where verl keeps its recipe). */
  paper: string;
  /** What it changes, in one sentence. */
  summary: string;
  /** Settings over BASE_SETTINGS. */
  settings: Partial<RlSettings>;
}

export const PRESETS = {
  grpo: {
    paper: "Shao et al. 2024, DeepSeekMath (arXiv 2402.03300)",
    summary: "value-free: group-normalised outcome advantages, per-response loss mean, k3 KL loss to the reference",
    settings: { adv_estimator: "grpo", loss_agg_mode: "seq-mean-token-mean", use_kl_loss: true, kl_loss_type: "low_var_kl", kl_loss_coef: 0.001 },
  },
  dapo: {
    paper: "Yu et al. 2025, DAPO (arXiv 2503.14476); verl recipe/dapo",
    summary: "GRPO + clip-higher (0.28), dynamic sampling, token-level loss, soft overlong punishment, no KL",
    settings: {
      adv_estimator: "grpo",
      clip_ratio_low: 0.2,
      clip_ratio_high: 0.28,
      clip_ratio_c: 10.0,
      loss_agg_mode: "token-mean",
      use_kl_loss: false,
      use_kl_in_reward: false,
      filter_groups_enable: true,
      max_num_gen_batches: 10,
      overlong_buffer_enable: true,
      overlong_buffer_len: 32,
      overlong_penalty_factor: 1.0,
    },
  },
  dr_grpo: {
    paper: "Liu et al. 2025, Understanding R1-Zero-Like Training (Dr.GRPO, arXiv 2503.20783)",
    summary: "GRPO without the std division and without per-response length normalisation (constant divisor), no KL",
    settings: { adv_estimator: "grpo", norm_adv_by_std_in_grpo: false, loss_agg_mode: "seq-mean-token-sum-norm", use_kl_loss: false },
  },
  ppo: {
    paper: "Schulman et al. 2017, PPO (arXiv 1707.06347); value pretraining and decoupled GAE from Yuan et al. 2025, VC-PPO (arXiv 2503.01491)",
    summary: "GAE with a value head, lambda 1 (the critic a baseline for the end-of-response reward); lam_actor / lam_critic decouple it (VC-PPO); critic_warmup for value pretraining",
    // lambda 1 for the actor too, not VC-PPO's 0.95: measured on both sample workspaces (30 steps,
    // 3 seeds) it learned more (shapes-vqa +14.0 -> +19.8, math-cot +51.8 -> +57.7 held-out points):
    // with short responses and a young critic, 0.95 spreads the one reward over many noisy deltas.
    settings: { adv_estimator: "gae", gamma: 1.0, lam: 1.0, lam_actor: null, lam_critic: null, critic_warmup: 0, cliprange_value: 0.5 },
  },
  rloo: {
    paper: "Ahmadian et al. 2024, Back to Basics: REINFORCE-style optimisation (RLOO, arXiv 2402.14740); verl examples/rloo_trainer",
    summary: "leave-one-out baseline, KL to the reference as a reward penalty",
    settings: { adv_estimator: "rloo", use_kl_in_reward: true, kl_penalty: "kl", kl_coef: 0.001, use_kl_loss: false },
  },
  reinforce_pp: {
    paper: "Hu 2025, REINFORCE++ (arXiv 2501.03262); verl examples/reinforce_plus_plus_trainer",
    summary: "whitened discounted token returns (no critic, no groups needed), k2 KL loss",
    settings: { adv_estimator: "reinforce_plus_plus", use_kl_loss: true, kl_loss_type: "mse", kl_loss_coef: 0.001, use_kl_in_reward: false },
  },
  gspo: {
    paper: "Zheng et al. 2025, Group Sequence Policy Optimization (arXiv 2507.18071); verl recipe/gspo",
    summary: "GRPO advantages with one importance ratio per response (geometric mean), tight clip 3e-4 / 4e-4, no KL",
    settings: { adv_estimator: "grpo", policy_loss: "gspo", clip_ratio_low: 3e-4, clip_ratio_high: 4e-4, loss_agg_mode: "seq-mean-token-mean", use_kl_loss: false },
  },
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;

/** The preset used when none is named. */
export const DEFAULT_PRESET: PresetName = "grpo";

export function presetNames(): PresetName[] {
  return Object.keys(PRESETS) as PresetName[];
}
