// RL settings: one flat object, validated with zod. Keys are verl's leaf config names where verl
// has one (the README maps each to verl's full path, TRL's GRPOConfig and OpenRLHF's flags), so
// `--set clip_ratio_high=0.28` means what it means in a verl script.

import { z } from "zod";
import { advantageEstimatorNames, getAdvantageEstimator } from "./advantages";
import { KL_ESTIMATORS } from "./kl";
import { LOSS_AGG_MODES, policyLossNames } from "./losses";
import { BASE_SETTINGS, PRESETS, presetNames } from "./presets";

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
    rollout_n: positiveInt().describe("samples per prompt (the group size G)"),
    train_batch_size: positiveInt().describe("prompts per training step"),
    temperature: z.number().positive().describe("sampling temperature for rollouts (log-probs use the same scaling)"),
    top_p: z.number().gt(0).max(1).describe("nucleus sampling for rollouts; 1 = off"),
    val_temperature: z.number().min(0).describe("sampling temperature for evaluation; 0 = greedy"),
    max_response_length: positiveInt().describe("tokens generated at most per response"),
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
    curriculum_promote_at: prob().describe("by_accuracy: move up a level when recent accuracy reaches this"),
    curriculum_window: positiveInt().describe("by_accuracy: steps of accuracy averaged"),
    curriculum_steps_per_level: positiveInt().describe("by_step: steps spent on each level"),
    prioritized_sampling: z.boolean().describe("draw prompts by recent advantage variance instead of uniformly"),
    prioritized_floor: prob().describe("share of uniform sampling mixed in, so no prompt starves"),
  })
  .strict()
  .superRefine(checkConsistency);

export type RlSettings = z.infer<typeof rlSettingsSchema>;
export type RlSettingKey = keyof RlSettings;

/** Checks that involve more than one key (verl asserts most of these at start-up). */
function checkConsistency(s: RlSettings, ctx: z.RefinementCtx): void {
  const fail = (key: RlSettingKey, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
  const estimators = advantageEstimatorNames();
  if (!estimators.includes(s.adv_estimator)) fail("adv_estimator", `unknown estimator "${s.adv_estimator}"; valid: ${estimators.join(", ")}`);
  else if (getAdvantageEstimator(s.adv_estimator).groupBased && s.rollout_n < 2) {
    fail("rollout_n", `${s.adv_estimator} compares the samples of a prompt, so it needs rollout_n >= 2 (got ${s.rollout_n})`);
  }
  const losses = policyLossNames();
  if (!losses.includes(s.policy_loss)) fail("policy_loss", `unknown policy loss "${s.policy_loss}"; valid: ${losses.join(", ")}`);
  if (s.ppo_mini_batch_size > s.train_batch_size || s.train_batch_size % s.ppo_mini_batch_size !== 0) {
    fail("ppo_mini_batch_size", `must divide train_batch_size (${s.train_batch_size}); got ${s.ppo_mini_batch_size}`);
  }
  if (s.overlong_buffer_enable && !(s.overlong_buffer_len > 0 && s.overlong_buffer_len <= s.max_response_length)) {
    fail("overlong_buffer_len", `must be in 1..max_response_length (${s.max_response_length}) when overlong_buffer_enable is on; got ${s.overlong_buffer_len}`);
  }
}

const settingKeys = () => Object.keys(rlSettingsSchema.shape) as RlSettingKey[];

/** One line per setting (key, expected type, doc): for `--help` and error messages. */
export function describeSettings(): { key: RlSettingKey; type: string; doc: string }[] {
  return settingKeys().map((key) => ({ key, type: expectedType(key), doc: rlSettingsSchema.shape[key].description ?? "" }));
}

type FieldSchema = (typeof rlSettingsSchema.shape)[RlSettingKey];

function expectedType(key: RlSettingKey): string {
  const schema: FieldSchema = rlSettingsSchema.shape[key];
  const nullable = schema.def.type === "nullable";
  const inner = (nullable ? (schema as z.ZodNullable<z.ZodNumber>).unwrap() : schema) as z.ZodType;
  const dynamic = key === "adv_estimator" ? advantageEstimatorNames() : key === "policy_loss" ? policyLossNames() : null;
  let type: string = inner.def.type;
  if (dynamic) type = `one of ${dynamic.join(" | ")}`;
  else if (inner instanceof z.ZodEnum) type = `one of ${inner.options.join(" | ")}`;
  else if (inner instanceof z.ZodNumber) type = `${inner.isInt ? "integer" : "number"}${numberBounds(inner)}`;
  return nullable ? `${type} or null` : type;
}

/** " >= 0 and <= 1" from a zod number's checks ("" when unbounded). */
function numberBounds(schema: z.ZodNumber): string {
  const bounds = (schema.def.checks ?? []).flatMap((check) => {
    const def = check._zod.def as { check: string; value?: number; inclusive?: boolean };
    if (def.check === "greater_than") return [`${def.inclusive ? ">=" : ">"} ${def.value}`];
    if (def.check === "less_than") return [`${def.inclusive ? "<=" : "<"} ${def.value}`];
    return [];
  });
  return bounds.length ? ` ${bounds.join(" and ")}` : "";
}

/** Parses one `--set` string into the type the setting has (validation comes after). */
export function parseSettingValue(key: RlSettingKey, raw: string): unknown {
  const schema: FieldSchema = rlSettingsSchema.shape[key];
  const text = raw.trim();
  let inner: z.ZodType = schema;
  if (schema.def.type === "nullable") {
    if (text === "null" || text === "none") return null;
    inner = (schema as z.ZodNullable<z.ZodNumber>).unwrap();
  }
  const bad = () => new Error(`setting "${key}" = "${raw}": expected ${expectedType(key)} (${schema.description})`);
  switch (inner.def.type) {
    case "number": {
      const value = text === "" ? NaN : Number(text);
      if (!Number.isFinite(value)) throw bad();
      return value;
    }
    case "boolean":
      if (["true", "1", "yes", "on"].includes(text.toLowerCase())) return true;
      if (["false", "0", "no", "off"].includes(text.toLowerCase())) return false;
      throw bad();
    default:
      return text;
  }
}

/** Setting keys within a small edit distance of `key` (for "did you mean"). */
export function closeSettingKeys(key: string): string[] {
  const scored = settingKeys().map((k) => ({ k, d: k.includes(key) || key.includes(k) ? 1 : editDistance(key, k) }));
  const limit = Math.max(2, Math.floor(key.length / 3));
  return scored.filter((s) => s.d <= limit).sort((a, b) => a.d - b.d).slice(0, 3).map((s) => s.k);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function unknownKeyError(key: string, where: string): Error {
  const close = closeSettingKeys(key);
  const hint = close.length ? ` Did you mean ${close.join(", ")}?` : " `rewardlab train --help` lists the settings.";
  return new Error(`${where}: unknown setting "${key}".${hint}`);
}

export interface ResolveOptions {
  /** Typed values from a config file (e.g. rewardlab.json `trainer`), applied before `overrides`. */
  config?: Readonly<Record<string, unknown>>;
  /** Names the config in errors, e.g. "rewardlab.json: trainer". */
  configSource?: string;
}

/**
 * The settings of a run: the preset's values, then `options.config` (typed), then `overrides`
 * (`--set key=value` strings, parsed to each key's type). Unknown keys fail with close matches;
 * invalid values fail naming the key, the value and what was expected.
 */
export function resolveSettings(preset: string, overrides: Readonly<Record<string, string>> = {}, options: ResolveOptions = {}): RlSettings {
  const entry = PRESETS[preset as keyof typeof PRESETS];
  if (!entry) throw new Error(`unknown algorithm preset "${preset}"; valid: ${presetNames().join(", ")}`);
  const merged: Record<string, unknown> = { ...BASE_SETTINGS, ...entry.settings };
  const keys = new Set<string>(settingKeys());
  for (const [key, value] of Object.entries(options.config ?? {})) {
    if (!keys.has(key)) throw unknownKeyError(key, options.configSource ?? "config");
    merged[key] = value;
  }
  for (const [key, raw] of Object.entries(overrides)) {
    if (!keys.has(key)) throw unknownKeyError(key, "--set");
    merged[key] = parseSettingValue(key as RlSettingKey, raw);
  }
  return validateSettings(merged, `preset "${preset}"`);
}

/** Validates a complete settings object; errors name every bad key with its value and doc. */
export function validateSettings(candidate: Readonly<Record<string, unknown>>, where = "settings"): RlSettings {
  const parsed = rlSettingsSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as RlSettingKey | undefined;
    if (!key) return issue.message;
    const doc = rlSettingsSchema.shape[key]?.description;
    return `${key} = ${JSON.stringify(candidate[key])}: ${issue.message}${doc ? ` (${doc})` : ""}`;
  });
  throw new Error(`invalid RL settings (${where}):\n  ${lines.join("\n  ")}`);
}
