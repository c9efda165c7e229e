/**
 * The RL settings an export carries to a distributed trainer: the workspace's preset (`--algo`, or
 * rewardlab.json `trainer.algo`), its rewardlab.json `trainer` values and `--set` overrides, resolved
 * by src/rl/resolve.ts as for `rewardlab train`.
 *
 * Only the *algorithm* goes out (estimator, clipping, KL, loss aggregation, group size, DAPO
 * sampling). Settings sized for the small local policy (learning rate, batch sizes, lengths, step
 * counts) are not exported: a 7B model on a cluster needs its own, and carrying ours over would hurt.
 */
import { resolveRunSettings, type RunSettings } from "../../rl/resolve";
import type { RlSettingKey, RlSettings } from "../../rl/settings";
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

/**
 * Resolves the settings of a workspace as `rewardlab train` does: `algo` (the CLI's `--algo`), else
 * rewardlab.json `trainer.algo`, else the default preset; then the `trainer` values; then `overrides`
 * (`--set`). Throws naming the file and key when something is wrong.
 */
export function exportSettings(workspace: WorkspaceTrainer, algo?: string, overrides: Readonly<Record<string, string>> = {}): RunSettings {
  return resolveRunSettings({ preset: algo, trainer: workspace.config.trainer, trainerSource: workspace.configFile, overrides });
}

/** The overlong buffer is in tokens, sized for the local policy's response length. */
export function overlongNote(s: RlSettings): string {
  const share = Math.round((100 * s.overlong_buffer_len) / s.max_response_length);
  return `overlong_buffer_len = ${s.overlong_buffer_len} tokens is ${share}% of this workspace's max_response_length (${s.max_response_length}): scale it to your run's response length (DAPO: 4096 of 20480)`;
}
