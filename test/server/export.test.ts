import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";
import type { CliIO } from "../../src/cli/command";
import { presetNames } from "../../src/rl/presets";
import { resolveRunSettings } from "../../src/rl/resolve";
import { openRlhfArgs } from "../../src/server/export/openrlhf";

function io(cwd: string) {
  const out: string[] = [], err: string[] = [];
  const value: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd, interactive: false };
  return { io: value, out, err };
}

function workspace(reward: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-export-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/v.reward.ts"), reward);
  return dir;
}

test("export openrlhf writes both flag spellings, a serve script and JSON; bash reads the arrays", async () => {
  const dir = workspace(`export default { name: "v", score: () => 1 };\n`);
  const run = io(dir);
  const code = await main(["export", "openrlhf", ".", "--out", "out", "--port", "5123", "--label-key", "label", "--json"], run.io);
  assert.equal(code, 0, run.err.join(""));
  const manifest = JSON.parse(readFileSync(join(dir, "out/openrlhf.json"), "utf8"));
  assert.deepEqual(manifest.args.slice(0, 6), ["--reward.remote_url", "http://127.0.0.1:5123/get_reward", "--data.input_key", "prompt", "--data.label_key", "label"]);
  assert.deepEqual(manifest.legacy_args.slice(0, 2), ["--remote_rm_url", "http://127.0.0.1:5123/get_reward"]);
  // The default preset (grpo): group-normalised advantages, k3 KL loss of 0.001, groups of 8.
  const flags = (list: string[]) => list.join(" ");
  assert.match(flags(manifest.args), /--algo\.advantage\.estimator group_norm .*--actor\.eps_clip_low_high 0\.2 0\.2 .*--algo\.kl\.use_loss --algo\.kl\.init_coef 0\.001 --algo\.kl\.estimator k3 --rollout\.n_samples_per_prompt 8/);
  assert.match(flags(manifest.legacy_args), /--advantage_estimator group_norm .*--eps_clip_low_high 0\.2 0\.2 .*--use_kl_loss --init_kl_coef 0\.001 --kl_estimator k3 --n_samples_per_prompt 8/);
  assert.equal(manifest.preset, "grpo");
  assert.ok(manifest.not_exported.some((n: string) => n.startsWith("loss_agg_mode = seq-mean-token-mean")));
  assert.ok(statSync(join(dir, "out/serve_reward.sh")).mode & 0o100);
  assert.match(readFileSync(join(dir, "out/serve_reward.sh"), "utf8"), /rewardlab serve --rewards .*rewards --host 127\.0\.0\.1 --port 5123/);
  assert.match(readFileSync(join(dir, "out/README.md"), "utf8"), /--remote_rm_url/);
  const bash = spawnSync("bash", ["-c", `source ${join(dir, "out/openrlhf_args.sh")} && printf '%s\\n' "\${REWARDLAB_OPENRLHF_ARGS[@]}"`], { encoding: "utf8" });
  assert.equal(bash.status, 0, bash.stderr);
  assert.deepEqual(bash.stdout.trim().split("\n"), manifest.args);
});

test("export openrlhf: Dr.GRPO turns off the std division; DAPO filters on its metric through --score-reward", async () => {
  const dir = workspace(`export default { name: "v", score: () => 1 };\n`);
  writeFileSync(join(dir, "rewardlab.json"), JSON.stringify({ trainer: { algo: "dr_grpo" } }));
  const drGrpo = io(dir);
  assert.equal(await main(["export", "openrlhf", ".", "--out", "dr", "--json"], drGrpo.io), 0, drGrpo.err.join(""));
  const dr = JSON.parse(readFileSync(join(dir, "dr/openrlhf.json"), "utf8"));
  assert.ok(dr.args.includes("--algo.advantage.no_std_norm") && dr.legacy_args.includes("--no_advantage_std_norm"));
  assert.ok(dr.args.join(" ").includes("--algo.kl.init_coef 0"), "no KL: the reference model is off");
  const dapo = io(dir);
  assert.equal(await main(["export", "openrlhf", ".", "--out", "dapo", "--algo", "dapo", "--set", "filter_groups_metric=v"], dapo.io), 0, dapo.err.join(""));
  const manifest = JSON.parse(readFileSync(join(dir, "dapo/openrlhf.json"), "utf8"));
  assert.match(manifest.args.join(" "), /--actor\.eps_clip_low_high 0\.2 0\.28 --actor\.dual_clip 10 .*--algo\.dynamic_filtering_enable --reward\.overlong_buffer_len 32 --reward\.overlong_penalty_factor 1/);
  assert.match(manifest.legacy_args.join(" "), /--dynamic_filtering --overlong_buffer_len 32 --overlong_penalty_factor 1/);
  assert.equal(manifest.score_reward, "v");
  assert.match(readFileSync(join(dir, "dapo/serve_reward.sh"), "utf8"), /--port 5000 --score-reward v "\$@"/);
});

test("export refuses rewards that do not compile (exit 3, nothing written) and unknown trainers", async () => {
  const dir = workspace(`export default { name: "v", score: () => ( };\n`);
  const run = io(dir);
  assert.equal(await main(["export", "openrlhf", ".", "--out", "out"], run.io), 3);
  assert.ok(!existsSync(join(dir, "out")));
  const other = io(dir);
  assert.equal(await main(["export", "deepspeed", ".", "--out", "out"], other.io), 2);
  assert.match(other.err.join(""), /unknown trainer "deepspeed"/);
});

test("a workspace listing several reward paths exports them all; serve takes them all", async () => {
  const dir = workspace(`export default { name: "v", score: () => 1 };\n`);
  mkdirSync(join(dir, "hackable"));
  writeFileSync(join(dir, "hackable/h.reward.ts"), `export default { name: "h", score: () => 0.5 };\n`);
  writeFileSync(join(dir, "rewardlab.json"), JSON.stringify({ rewards: ["rewards", "hackable/h.reward.ts"] }));
  const run = io(dir);
  assert.equal(await main(["export", "verl", ".", "--out", "out", "--json"], run.io), 0, run.err.join(""));
  assert.deepEqual(JSON.parse(run.out.join("")).rewards, ["v", "h"]);
  const script = readFileSync(join(dir, "out/serve_reward.sh"), "utf8");
  assert.match(script, /rewardlab serve --rewards \S+\/rewards --rewards \S+\/hackable\/h\.reward\.ts --host/);
});


// Every flag `export openrlhf` writes, for every preset, against OpenRLHF's own argparse definitions
// (test/fixtures/upstream/openrlhf/train_ppo_ray-flags.json: OpenRLHF/OpenRLHF openrlhf/cli/train_ppo_ray.py,
// grouped flags @10eb6118, flat flags @d90c4fde and @021d1b09): the flag exists, takes the number of
// values it is given (store_true: none; nargs 2: two), and the values are among its choices.
test("export openrlhf writes only flags OpenRLHF's train_ppo_ray declares, with values it accepts, for every preset", () => {
  interface Flag { action?: string; nargs?: number | string; choices?: unknown[]; type?: string | null }
  const fixture = JSON.parse(readFileSync(join(__dirname, "../fixtures/upstream/openrlhf/train_ppo_ray-flags.json"), "utf8")) as Record<"hierarchical" | "flat" | "flat_legacy", Record<string, Flag>>;
  const check = (args: readonly string[], declared: Record<string, Flag>, where: string) => {
    for (let i = 0; i < args.length; ) {
      const name = args[i];
      assert.ok(name.startsWith("--"), `${where}: expected a flag at ${i}, got ${name}`);
      const flag = declared[name];
      assert.ok(flag, `${where}: ${name} is not a train_ppo_ray flag`);
      let end = i + 1;
      while (end < args.length && !args[end].startsWith("--")) end++;
      const values = args.slice(i + 1, end);
      const expected = flag.action === "store_true" ? 0 : typeof flag.nargs === "number" ? flag.nargs : 1;
      if (flag.nargs !== "+" && flag.nargs !== "*") assert.equal(values.length, expected, `${where}: ${name} takes ${expected} value(s), got ${values.join(" ")}`);
      if (flag.choices) for (const v of values) assert.ok(flag.choices.map(String).includes(v), `${where}: ${name} ${v} is not one of ${flag.choices.join(", ")}`);
      if (flag.type === "float" || flag.type === "int") for (const v of values) assert.ok(Number.isFinite(Number(v)), `${where}: ${name} ${v} is not a number`);
      i = end;
    }
  };
  let checked = 0;
  for (const preset of presetNames()) {
    for (const overrides of [{}, { overlong_buffer_enable: "true" }, { use_kl_loss: "true" }] as Record<string, string>[]) {
      const trainer = resolveRunSettings({ preset, overrides });
      const { current, legacy } = openRlhfArgs({ rewards: [], url: "http://127.0.0.1:5000/get_reward", host: "127.0.0.1", port: 5000, inputKey: "prompt", labelKey: "answer", trainer });
      check(current, fixture.hierarchical, `${preset} grouped`);
      check(legacy, fixture.flat, `${preset} flat`);
      check(legacy, fixture.flat_legacy, `${preset} flat (older)`);
      checked += current.length + legacy.length;
    }
  }
  assert.ok(checked > 200, `checked ${checked} words`);
});
