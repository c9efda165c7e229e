/**
 * `rewardlab export verl`: a verl custom reward function that calls `rewardlab serve`
 * (verlModule.ts), and the Hydra overrides that carry the workspace's RL preset to verl's config.
 *
 * Our settings are named after verl's leaf keys (src/rl/settings.ts); `VERL_PATHS` gives each its
 * full path in verl's `ppo_trainer.yaml` (checked against verl's generated trainer config and the
 * DAPO recipe). It is a record over every exported key, so a new setting without a mapping is a
 * type error here, not a silent omission in users' runs.
 *
 * Reward paths follow verl's current `reward.` tree by default (verl/trainer/config/reward/reward.yaml:
 * `reward.custom_reward_function.path/name`, `reward.reward_manager.name`, `reward.reward_kwargs`);
 * `layout: "legacy"` writes verl 0.4/0.5's (`custom_reward_function.*`,
 * `reward_model.reward_manager`, `reward_model.reward_kwargs`), which current verl still accepts and
 * migrates (`migrate_legacy_reward_impl`). Recorded in test/fixtures/upstream/verl/config-keys.json.
 */
import { usesCritic } from "../../rl/advantages";
import type { RlSettings } from "../../rl/settings";
import { healthUrl, serveScript, shellQuote, type ExportFiles } from "./common";
import type { RunSettings } from "../../rl/resolve";
import { overlongNote, type AlgorithmSettingKey } from "./trainerSettings";
import { verlRewardModule } from "./verlModule";

/**
 * Where a setting goes: a verl config path (`value` derives it when it is not the setting itself;
 * `when` limits it to runs where it applies), or `none` with the reason verl has no equivalent
 * (reported when the value is not `neutral`).
 */
type VerlTarget =
  | { path: string; value?: (s: RlSettings) => unknown; when?: (s: RlSettings) => boolean }
  | { none: string; neutral: unknown };

/**
 * verl's reward config layout: `current` (the `reward.` tree of verl main / 0.9) or `legacy` (the
 * 0.4/0.5 spelling, from before that group; current verl still accepts and migrates it).
 */
export type VerlLayout = "current" | "legacy";
export const VERL_LAYOUTS: readonly VerlLayout[] = ["current", "legacy"];

/** Where each reward setting lives in a layout. */
const REWARD_PATHS: Record<VerlLayout, { function: string; manager: string; kwargs: string }> = {
  current: { function: "reward.custom_reward_function", manager: "reward.reward_manager.name", kwargs: "reward.reward_kwargs" },
  legacy: { function: "custom_reward_function", manager: "reward_model.reward_manager", kwargs: "reward_model.reward_kwargs" },
};

const ACTOR = "actor_rollout_ref.actor";
const ROLLOUT = "actor_rollout_ref.rollout";
const overlong = (s: RlSettings) => s.overlong_buffer_enable;

export const VERL_PATHS: Record<AlgorithmSettingKey, VerlTarget> = {
  adv_estimator: { path: "algorithm.adv_estimator" },
  norm_adv_by_std_in_grpo: { path: "algorithm.norm_adv_by_std_in_grpo" },
  grpo_std_scope: { none: "verl's grpo scales by each group's std; batch-level std (Lite PPO) has no verl setting", neutral: "group" },
  gamma: { path: "algorithm.gamma" },
  lam: { path: "algorithm.lam" },
  lam_actor: { none: "verl has one algorithm.lam for actor and critic (no decoupled GAE)", neutral: null },
  lam_critic: { none: "verl has one algorithm.lam for actor and critic (no decoupled GAE)", neutral: null },
  use_kl_in_reward: { path: "algorithm.use_kl_in_reward" },
  kl_penalty: { path: "algorithm.kl_penalty" },
  kl_coef: { path: "algorithm.kl_ctrl.kl_coef" },
  policy_loss: { path: `${ACTOR}.policy_loss.loss_mode` },
  clip_ratio: { path: `${ACTOR}.clip_ratio` },
  // verl's yaml sets both bounds to 0.2 explicitly, so "null = clip_ratio" must be written out.
  clip_ratio_low: { path: `${ACTOR}.clip_ratio_low`, value: (s) => s.clip_ratio_low ?? s.clip_ratio },
  clip_ratio_high: { path: `${ACTOR}.clip_ratio_high`, value: (s) => s.clip_ratio_high ?? s.clip_ratio },
  clip_ratio_c: { path: `${ACTOR}.clip_ratio_c` },
  loss_agg_mode: { path: `${ACTOR}.loss_agg_mode` },
  loss_scale_factor: { path: `++${ACTOR}.loss_scale_factor`, when: (s) => s.loss_scale_factor !== null },
  entropy_coeff: { path: `${ACTOR}.entropy_coeff` },
  use_kl_loss: { path: `${ACTOR}.use_kl_loss` },
  kl_loss_coef: { path: `${ACTOR}.kl_loss_coef` },
  kl_loss_type: { path: `${ACTOR}.kl_loss_type` },
  ppo_epochs: { path: `${ACTOR}.ppo_epochs` },
  cliprange_value: { path: "critic.cliprange_value", when: usesCritic },
  vf_coef: { none: "verl trains a separate critic model, so there is no shared-trunk value loss weight", neutral: undefined },
  critic_warmup: { path: "trainer.critic_warmup", when: usesCritic },
  rollout_n: { path: `${ROLLOUT}.n` },
  temperature: { path: `${ROLLOUT}.temperature` },
  top_p: { path: `${ROLLOUT}.top_p` },
  // Dynamic sampling lives in verl's DAPO trainer (recipe/dapo); main_ppo does not read these.
  filter_groups_enable: { path: "++algorithm.filter_groups.enable", when: (s) => s.filter_groups_enable },
  filter_groups_metric: { path: "++algorithm.filter_groups.metric", when: (s) => s.filter_groups_enable },
  max_num_gen_batches: { path: "++algorithm.filter_groups.max_num_gen_batches", when: (s) => s.filter_groups_enable },
  // The overlong penalty is applied by verl's dapo reward manager (it knows token lengths; we do not).
  // `@kwargs` stands for the layout's reward kwargs node (REWARD_PATHS).
  overlong_buffer_enable: { path: "+@kwargs.overlong_buffer_cfg.enable", when: overlong },
  overlong_buffer_len: { path: "+@kwargs.overlong_buffer_cfg.len", when: overlong },
  overlong_penalty_factor: { path: "+@kwargs.overlong_buffer_cfg.penalty_factor", when: overlong },
  mask_truncated: { none: "verl has no setting that masks truncated responses out of the loss", neutral: false },
  curriculum: { none: "curriculum ordering is RewardLab's; in verl use data.sampler.class_path with your own sampler", neutral: "off" },
  curriculum_metric: { none: "RewardLab curriculum setting", neutral: undefined },
  curriculum_promote_at: { none: "RewardLab curriculum setting", neutral: undefined },
  curriculum_window: { none: "RewardLab curriculum setting", neutral: undefined },
  curriculum_steps_per_level: { none: "RewardLab curriculum setting", neutral: undefined },
  prioritized_sampling: { none: "prioritised prompt sampling is RewardLab's; verl samples prompts uniformly", neutral: false },
  prioritized_floor: { none: "RewardLab prioritised sampling setting", neutral: undefined },
};

/** Hydra override value: booleans and null in YAML spelling, numbers as JS prints them. */
function hydraValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  return String(value);
}

export interface VerlPlan {
  /** `key=value` overrides, the reward function's first. */
  overrides: string[];
  /** Settings with no verl equivalent whose value matters, one line each. */
  notes: string[];
  rewardManager: "batch" | "dapo";
  functionName: "compute_score_batch" | "compute_score";
  layout: VerlLayout;
}

/**
 * The overrides for a module at `modulePath` and these settings. The batch reward manager sends one
 * request per batch; DAPO's overlong penalty needs verl's dapo manager, which scores one sample per
 * call (one request each: slower, still correct).
 */
export function verlPlan(modulePath: string, url: string, settings: RlSettings, layout: VerlLayout = "current"): VerlPlan {
  const rewardManager = settings.overlong_buffer_enable ? "dapo" : "batch";
  const functionName = rewardManager === "batch" ? "compute_score_batch" : "compute_score";
  const paths = REWARD_PATHS[layout];
  const overrides = [
    `${paths.function}.path=${modulePath}`,
    `${paths.function}.name=${functionName}`,
    // Not in verl's yaml: `++` adds it (or overrides it when a config already set one).
    `++${paths.function}.reward_kwargs.url=${url}`,
    `${paths.manager}=${rewardManager}`,
  ];
  const notes: string[] = [];
  for (const [key, target] of Object.entries(VERL_PATHS) as [AlgorithmSettingKey, VerlTarget][]) {
    if ("none" in target) {
      const value = settings[key];
      if (target.neutral !== undefined && value !== target.neutral) notes.push(`${key} = ${JSON.stringify(value)}: not exported (${target.none})`);
      continue;
    }
    if (target.when && !target.when(settings)) continue;
    overrides.push(`${target.path.replace("@kwargs", paths.kwargs)}=${hydraValue(target.value ? target.value(settings) : settings[key])}`);
  }
  // verl's dapo manager needs the response length the penalty zone ends at: the run's own.
  if (settings.overlong_buffer_enable) {
    overrides.push(`+${paths.kwargs}.max_resp_len=\${data.max_response_length}`);
    notes.push(overlongNote(settings));
  }
  return { overrides, notes, rewardManager, functionName, layout };
}

export interface VerlExportOptions {
  /** Absolute paths of the reward files or folders the server loads. */
  rewards: readonly string[];
  /** Reward names (for the module's docstring and the README). */
  rewardNames: string[];
  url: string;
  host: string;
  port: number;
  trainer: RunSettings;
  /** The module's path shown in verl.json and the README (the CLI: its absolute path in --out). */
  modulePath?: string;
  /** verl's reward config layout (default `current`). */
  layout?: VerlLayout;
}

export const VERL_MODULE_FILE = "rewardlab_reward.py";

/** Every file of the verl export. */
export function exportVerl(options: VerlExportOptions): ExportFiles {
  // In the shell script the module path follows the folder wherever it is copied.
  const placeholder = "@REWARDLAB_MODULE@";
  const words = verlPlan(placeholder, options.url, options.trainer.settings, options.layout).overrides.map((o) =>
    // shellQuote single-quotes `${data.max_response_length}`: a Hydra interpolation, not a shell variable.
    shellQuote(o).replace(placeholder, `"\${REWARDLAB_VERL_DIR}"/${VERL_MODULE_FILE}`),
  );
  const plan = verlPlan(options.modulePath ?? `./${VERL_MODULE_FILE}`, options.url, options.trainer.settings, options.layout);
  const argsSh = `# Generated by \`rewardlab export verl\` (${options.trainer.source}).
# Source this file, then add the overrides to verl's trainer command line:
#   python3 -m verl.trainer.main_ppo ... "\${REWARDLAB_VERL_ARGS[@]}"
# (DAPO dynamic sampling, filter_groups, needs the DAPO trainer: python3 -m recipe.dapo.main_dapo.)
REWARDLAB_VERL_DIR="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
REWARDLAB_VERL_ARGS=(
${words.map((w) => `  ${w}`).join("\n")}
)
`;
  const json = JSON.stringify({
    trainer: "verl", reward_url: options.url, rewards: options.rewards, reward_names: options.rewardNames,
    module: VERL_MODULE_FILE, function: plan.functionName, reward_manager: plan.rewardManager, config_layout: plan.layout,
    preset: options.trainer.preset, settings_source: options.trainer.source, overrides: plan.overrides, not_exported: plan.notes,
  }, null, 2) + "\n";
  return {
    [VERL_MODULE_FILE]: verlRewardModule({ url: options.url, rewards: options.rewardNames }),
    "verl_overrides.sh": argsSh,
    "serve_reward.sh": serveScript({ exporter: "rewardlab export verl", rewards: options.rewards, host: options.host, port: options.port }),
    "verl.json": json,
    "README.md": verlReadme(options, plan),
  };
}

function verlReadme(options: VerlExportOptions, plan: VerlPlan): string {
  const batch = plan.rewardManager === "batch";
  return `# verl settings for your RewardLab rewards

Rewards: ${options.rewardNames.join(", ")}. Algorithm: ${options.trainer.source}.

1. Start the reward server where the Ray workers can reach it: \`./serve_reward.sh\`
   (it runs \`rewardlab serve\`; check \`curl ${healthUrl(options.url)}\`).
2. Copy this folder to the machine that launches verl, then
   \`source verl_overrides.sh\` and append \`"\${REWARDLAB_VERL_ARGS[@]}"\` to your
   \`python3 -m verl.trainer.main_ppo\` command (after your own data/model settings).

\`${VERL_MODULE_FILE}\` is verl's custom reward function. It sends the decoded responses and ground
truths to the server and returns \`{"score": total, <one key per reward>, "reward_null",
"reward_failed", "reward_version"}\` per sample, so every reward shows up in verl's logs. The server
URL comes from the \`url\` reward kwarg (set below), else \`REWARDLAB_REWARD_URL\`, else
\`${options.url}\`. Unreachable server: it retries with backoff, then fails the step with an error naming
the URL (training never continues on made-up rewards). Standard library only.

${batch ? "The batch reward manager calls `compute_score_batch` once per batch (requests of 256 samples, 8 in flight)." : "DAPO's overlong penalty needs verl's `dapo` reward manager, which calls `compute_score` once per sample (one HTTP request each: slower than the batch manager, same rewards)."}

## Overrides

\`\`\`
${plan.overrides.join(" \\\n")}
\`\`\`
${plan.notes.length ? `\n## Not exported, or to adjust\n\n${plan.notes.map((n) => `- ${n}`).join("\n")}\n` : ""}
Run-size settings (learning rate, batch sizes, lengths, steps) are not exported: size them for your
model and cluster.

## verl versions

${plan.layout === "current"
    ? `These are current verl's reward keys (the \`reward.\` tree of verl/trainer/config/reward/reward.yaml).
For a verl from before that group (0.4/0.5), export again with \`--verl-layout legacy\`
(\`custom_reward_function.*\`, \`reward_model.reward_manager\`); current verl accepts those too and migrates them.`
    : `These are verl 0.4/0.5's reward keys (\`custom_reward_function.*\`, \`reward_model.reward_manager\`); current verl
still accepts and migrates them. Export without \`--verl-layout legacy\` for the \`reward.\` tree.`}
Older DAPO recipes spell the overlong buffer \`reward_model.overlong_buffer.enable/len/penalty_factor\`.
`;
}
