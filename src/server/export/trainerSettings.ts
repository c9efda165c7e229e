/**
 * The RL settings an export carries to a distributed trainer: the workspace's preset (`--algo`, or
 * rewardlab.json `trainer.algo`), its rewardlab.json `trainer` values and `--set` overrides, resolved
 * by src/rl/settings.ts as for `rewardlab train`.
 *
 * Only the *algorithm* goes out (estimator, clipping, KL, loss aggregation, group size, DAPO
 * sampling). Settings sized for the small local policy (learning rate, batch sizes, lengths, step
 * counts) are not exported: a 7B model on a cluster needs its own, and carrying ours over would hurt.
 */
import { DEFAULT_PRESET, presetNames } from "../../rl/presets";
import { resolveSettings, type RlSettingKey, type RlSettings } from "../../rl/settings";
import type { Workspace } from "../../rl/workspace";

/** The part of a workspace the settings come from (a loaded `Workspace` is one). */
export type WorkspaceTrainer = Pick<Workspace, "configFile"> & { config: Pick<Workspace["config"], "trainer"> };

/** Settings that depend on the model and cluster size, never exported. */
export const RUN_SCALE_KEYS = [
  "lr", "weight_decay", "critic_lr", "grad_clip", "train_batch_size", "ppo_mini_batch_size",
  "max_response_length", "total_steps", "eval_every", "save_every", "seed", "val_temperature",
] as const satisfies readonly RlSettingKey[];

/** The settings an export carries: every key that is not sized for the run. */
export type AlgorithmSettingKey = Exclude<RlSettingKey, (typeof RUN_SCALE_KEYS)[number]>;

export interface ExportSettings {
  preset: string;
  settings: RlSettings;
  /** Where they came from, for READMEs: e.g. `preset "dapo" + rewardlab.json trainer (rollout_n)`. */
  source: string;
}

/**
 * Resolves the settings of a workspace as `rewardlab train` does: `algo` (the CLI's `--algo`), else
 * rewardlab.json `trainer.algo`, else the default preset; then the `trainer` values; then `overrides`
 * (`--set`). Throws naming the file and key when something is wrong.
 */
export function exportSettings(workspace: WorkspaceTrainer, algo?: string, overrides: Readonly<Record<string, string>> = {}): ExportSettings {
  const { algo: named, ...config } = workspace.config.trainer;
  if (named !== undefined && typeof named !== "string") throw new Error(`${workspace.configFile}: "trainer.algo" must be a preset name (one of ${presetNames().join(", ")})`);
  const preset = algo ?? named ?? DEFAULT_PRESET;
  const settings = resolveSettings(preset, overrides, { config, configSource: `${workspace.configFile}: trainer` });
  const parts = [`preset "${preset}"`];
  if (Object.keys(config).length > 0) parts.push(`rewardlab.json trainer (${Object.keys(config).join(", ")})`);
  if (Object.keys(overrides).length > 0) parts.push(`--set ${Object.keys(overrides).join(", ")}`);
  return { preset, settings, source: parts.join(" + ") };
}

/** `key=value` strings (`--set`) -> record; throws on a missing "=". */
export function parseSetFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values) {
    const at = item.indexOf("=");
    if (at <= 0) throw new Error(`--set expects key=value (got "${item}")`);
    out[item.slice(0, at).trim()] = item.slice(at + 1);
  }
  return out;
}

/** The overlong buffer is in tokens, sized for the local policy's response length. */
export function overlongNote(s: RlSettings): string {
  const share = Math.round((100 * s.overlong_buffer_len) / s.max_response_length);
  return `overlong_buffer_len = ${s.overlong_buffer_len} tokens is ${share}% of this workspace's max_response_length (${s.max_response_length}): scale it to your run's response length (DAPO: 4096 of 20480)`;
}
