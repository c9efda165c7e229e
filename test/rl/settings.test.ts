// Settings: presets resolve to valid settings, `--set key=value` strings parse to each key's type,
// and mistakes fail with messages that say which key, what value and what was expected. The
// README's mapping table must list every setting.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BASE_SETTINGS, DEFAULT_PRESET, PRESETS, presetNames } from "../../src/rl/presets";
import { closeSettingKeys, describeSettings, parseSettingValue, parseSetFlags, presetByName, resolveRunSettings, resolveSettings, validateSettings } from "../../src/rl/resolve";

test("every preset resolves to valid settings and names its paper", () => {
  assert.deepEqual(presetNames(), ["grpo", "dapo", "dr_grpo", "ppo", "rloo", "reinforce_pp", "gspo"]);
  for (const name of presetNames()) {
    const s = resolveSettings(name);
    assert.match(PRESETS[name].paper, /arXiv \d{4}\.\d{5}/, `${name}: paper`);
    for (const [key, value] of Object.entries(PRESETS[name].settings)) assert.deepEqual(s[key as keyof typeof s], value, `${name}.${key}`);
  }
  assert.equal(DEFAULT_PRESET, "grpo");
  validateSettings(BASE_SETTINGS);
});

test("what each preset changes, as its paper says", () => {
  const dapo = resolveSettings("dapo");
  assert.deepEqual([dapo.clip_ratio_low, dapo.clip_ratio_high, dapo.loss_agg_mode, dapo.filter_groups_enable, dapo.overlong_buffer_enable, dapo.use_kl_loss], [0.2, 0.28, "token-mean", true, true, false]);
  const dr = resolveSettings("dr_grpo");
  assert.deepEqual([dr.norm_adv_by_std_in_grpo, dr.loss_agg_mode, dr.use_kl_loss], [false, "seq-mean-token-sum-norm", false]);
  const ppo = resolveSettings("ppo");
  assert.deepEqual([ppo.adv_estimator, ppo.lam, ppo.lam_actor, ppo.lam_critic, ppo.vf_coef], ["gae", 1, null, null, 0.1]);
  assert.equal(resolveSettings("gspo").policy_loss, "gspo");
  assert.equal(resolveSettings("rloo").use_kl_in_reward, true);
  assert.equal(resolveSettings("reinforce_pp").kl_loss_type, "mse");
});

test("--set strings parse to the setting's type, with null for nullable keys", () => {
  const s = resolveSettings("grpo", { lr: "3e-5", ppo_epochs: "2", use_kl_loss: "false", mask_truncated: "yes", lam_actor: "0.9", clip_ratio_high: "null", loss_agg_mode: "token-mean" });
  assert.deepEqual([s.lr, s.ppo_epochs, s.use_kl_loss, s.mask_truncated, s.lam_actor, s.clip_ratio_high, s.loss_agg_mode], [3e-5, 2, false, true, 0.9, null, "token-mean"]);
  assert.equal(parseSettingValue("clip_ratio_low", "none"), null);
});

test("config values (typed) apply between the preset and --set", () => {
  const s = resolveSettings("grpo", { lr: "1e-5" }, { config: { lr: 2e-5, rollout_n: 4 }, configSource: "rewardlab.json: trainer" });
  assert.deepEqual([s.lr, s.rollout_n], [1e-5, 4]);
  assert.throws(() => resolveSettings("grpo", {}, { config: { rollout: 4 }, configSource: "rewardlab.json: trainer" }), /rewardlab.json: trainer: unknown setting "rollout". Did you mean rollout_n/);
});

test("unknown keys list close matches; unknown presets list the presets", () => {
  assert.throws(() => resolveSettings("grpo", { clip_ratio_hi: "0.3" }), /--set: unknown setting "clip_ratio_hi". Did you mean clip_ratio, clip_ratio_high/);
  assert.throws(() => resolveSettings("grpo", { kl_los_coef: "0.1" }), /Did you mean kl_loss_coef/);
  assert.deepEqual(closeSettingKeys("learning_rate"), []);
  assert.throws(() => resolveSettings("grpo", { learning_rate: "1" }), /unknown setting "learning_rate". `rewardlab train --help` lists the settings/);
  assert.throws(() => resolveSettings("ppo2"), /unknown algorithm preset "ppo2". Did you mean ppo\? Presets: grpo, dapo, dr_grpo, ppo, rloo, reinforce_pp, gspo/);
});

test("one resolver: --algo, then rewardlab.json trainer.algo, then the default; unknown names fail alike", () => {
  const trainer = { algo: "dapo", rollout_n: 4 };
  assert.equal(resolveRunSettings({}).preset, DEFAULT_PRESET);
  const fromConfig = resolveRunSettings({ trainer, trainerSource: "/ws/rewardlab.json" });
  assert.deepEqual([fromConfig.preset, fromConfig.settings.rollout_n, fromConfig.settings.clip_ratio_high], ["dapo", 4, 0.28]);
  assert.equal(fromConfig.source, 'preset "dapo" + rewardlab.json trainer (rollout_n)');
  const named = resolveRunSettings({ preset: "ppo", trainer, trainerSource: "/ws/rewardlab.json", overrides: { lr: "1e-5" } });
  assert.deepEqual([named.preset, named.settings.adv_estimator, named.settings.rollout_n, named.settings.lr], ["ppo", "gae", 4, 1e-5]);
  assert.equal(named.source, 'preset "ppo" + rewardlab.json trainer (rollout_n) + --set lr');
  assert.throws(() => resolveRunSettings({ preset: "grpp" }), /^Error: --algo: unknown algorithm preset "grpp". Did you mean grpo, gspo\? Presets: grpo, dapo/);
  assert.throws(() => resolveRunSettings({ trainer: { algo: "DAPO" }, trainerSource: "/ws/rewardlab.json" }), /^Error: \/ws\/rewardlab.json: trainer.algo: unknown algorithm preset "DAPO". Did you mean dapo\?/);
  assert.throws(() => resolveRunSettings({ trainer: { algo: 3 }, trainerSource: "/ws/rewardlab.json" }), /trainer.algo: the algorithm preset must be a name \(got 3\)/);
  assert.throws(() => presetByName("reinforce", "--algo"), /Did you mean reinforce_pp\?/);
  assert.throws(() => resolveRunSettings({ trainer: { algo: "grpo", rolout_n: 4 }, trainerSource: "/ws/rewardlab.json" }), /\/ws\/rewardlab.json: trainer: unknown setting "rolout_n". Did you mean rollout_n/);
});

test("--set: keys trimmed, values parsed by the key's type; a missing '=' names the flag", () => {
  assert.deepEqual(parseSetFlags([" lr = 1e-5", "use_kl_loss=false"]), { lr: " 1e-5", use_kl_loss: "false" });
  assert.equal(resolveRunSettings({ overrides: parseSetFlags([" lr = 1e-5"]) }).settings.lr, 1e-5);
  assert.throws(() => parseSetFlags(["lr"]), /--set "lr": write KEY=VALUE, e.g. --set clip_ratio_high=0.28/);
  assert.throws(() => parseSetFlags(["=3"]), /--set "=3": write KEY=VALUE/);
});

test("bad values name the key, the value and the expected type or range", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ lr: "fast" }, /setting "lr" = "fast": expected number > 0 \(actor learning rate/],
    [{ use_kl_loss: "maybe" }, /setting "use_kl_loss" = "maybe": expected boolean/],
    [{ clip_ratio_c: "0.9" }, /clip_ratio_c = 0.9: Too small: expected number to be >1/],
    [{ ppo_epochs: "1.5" }, /ppo_epochs = 1.5: .*expected int/],
    [{ top_p: "1.5" }, /top_p = 1.5: Too big/],
    [{ kl_loss_type: "k4" }, /kl_loss_type = "k4": Invalid option: expected one of "kl"\|"k1"/],
    [{ adv_estimator: "ppo" }, /adv_estimator = "ppo": unknown estimator "ppo"; valid: grpo, rloo, reinforce_plus_plus, reinforce_plus_plus_baseline, gae/],
    [{ policy_loss: "cispo" }, /unknown policy loss "cispo"; valid: vanilla, gspo/],
    [{ rollout_n: "1" }, /rollout_n = 1: grpo compares the samples of a prompt, so it needs rollout_n >= 2/],
    [{ ppo_mini_batch_size: "6" }, /ppo_mini_batch_size = 6: must divide train_batch_size \(16\)/],
    [{ overlong_buffer_len: "200" }, /overlong_buffer_len = 200: must be in 1..max_response_length \(128\)/],
  ];
  for (const [overrides, message] of cases) assert.throws(() => resolveSettings(overrides.overlong_buffer_len ? "dapo" : "grpo", overrides), message, JSON.stringify(overrides));
});

test("describeSettings documents every key with its type", () => {
  const rows = describeSettings();
  assert.equal(rows.length, Object.keys(BASE_SETTINGS).length);
  for (const row of rows) assert.ok(row.doc.length > 10 && row.type.length > 0, row.key);
  assert.equal(rows.find((r) => r.key === "clip_ratio_low")?.type, "number > 0 or null");
  assert.equal(rows.find((r) => r.key === "loss_agg_mode")?.type, "one of token-mean | seq-mean-token-mean | seq-mean-token-sum | seq-mean-token-sum-norm");
});

test("the README maps every setting to verl, TRL and OpenRLHF", () => {
  const readme = readFileSync(join(__dirname, "../../src/rl/README.md"), "utf8");
  const rows = new Map(readme.split("\n").filter((l) => l.startsWith("| `")).map((l) => [l.split("|")[1].trim().replace(/`/g, ""), l.split("|").length - 2]));
  for (const key of Object.keys(BASE_SETTINGS)) {
    assert.ok(rows.has(key), `README table has no row for ${key}`);
    assert.equal(rows.get(key), 5, `${key}: setting | default | verl | TRL | OpenRLHF`);
  }
});

test("sizes that would exhaust memory are refused with the bound, not a V8 crash", () => {
  assert.throws(() => resolveSettings("grpo", { train_batch_size: "1000000000" }), /train_batch_size = 1000000000: Too big: expected number to be <=65536/);
  assert.throws(() => resolveSettings("grpo", { train_batch_size: "16384", ppo_mini_batch_size: "16384" }), /train_batch_size x rollout_n = 131072 responses per step; at most 65536/);
});
