// The verl export end to end: `rewardlab serve` on a free port, the generated module imported by
// /usr/bin/python3 (as verl's get_custom_reward_fn does), its scores compared with `rewardlab score`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";
import type { CliIO } from "../../src/cli/command";
import { presetNames } from "../../src/rl/presets";
import { resolveRunSettings } from "../../src/rl/resolve";
import { VERL_LAYOUTS, verlPlan } from "../../src/server/export/verl";

const root = join(__dirname, "../..");
const rewardFiles = {
  "builtin.reward.ts": `import { formatReward, answerMatchReward } from "rewardlab";\nexport default [formatReward(), answerMatchReward()];\n`,
  // Real-valued and weighted, so equality of the totals means something.
  "brevity.reward.ts": `export default { name: "brevity", weight: 0.5, score: (s) => 1 / (1 + s.completion.length / 37) };\n`,
};
const samples = [
  { completion: "<think>6 * 7 = 42</think><answer>42</answer>", answer: "42" },
  { completion: "<think>6 * 7 = 41</think><answer>41</answer>", answer: "42" },
  { completion: "It is 42.", answer: "42" },
  { completion: "<think>2 + 2</think><answer>4</answer>", answer: 4 },
  { completion: "<answer>x</answer>", answer: null },
];

function io(cwd: string) {
  const out: string[] = [], err: string[] = [];
  const value: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd, interactive: false };
  return { io: value, out, err };
}

function workspace(trainer: object = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-export-verl-"));
  mkdirSync(join(dir, "rewards"));
  for (const [name, text] of Object.entries(rewardFiles)) writeFileSync(join(dir, "rewards", name), text);
  writeFileSync(join(dir, "rewardlab.json"), JSON.stringify({ task: "t", trainer }));
  return dir;
}

/** Starts `rewardlab serve --port 0 --json` and resolves with its URL. */
function serve(rewards: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "serve", "--rewards", rewards, "--port", "0", "--json", "--workers", "1", "--no-watch"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve({ url: JSON.parse(out.split("\n")[0]).url, child });
    });
    child.once("exit", (code) => reject(new Error(`rewardlab serve exited ${code}: ${err}`)));
  });
}

/** A loopback port nobody listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Imports the module as verl does and runs `code` with it bound to `m`; returns its JSON output. */
function python(module: string, code: string, env: Record<string, string> = {}) {
  const script = `import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("custom_module", ${JSON.stringify(module)})
m = importlib.util.module_from_spec(spec)
sys.modules["custom_module"] = m
spec.loader.exec_module(m)
${code}`;
  const run = spawnSync("/usr/bin/python3", ["-c", script], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("the verl module scores through `rewardlab serve` exactly as `rewardlab score` does", async () => {
  const dir = workspace();
  const { url, child } = await serve(join(dir, "rewards"));
  try {
    const run = io(dir);
    assert.equal(await main(["export", "verl", ".", "--out", "out", "--url", url, "--json"], run.io), 0, run.err.join(""));
    const module = join(dir, "out/rewardlab_reward.py");
    // Expected: rewardlab score on the same samples.
    writeFileSync(join(dir, "s.trace.jsonl"), samples.map((s, i) => JSON.stringify({ id: `s${i}`, ...s })).join("\n") + "\n");
    const scored = io(dir);
    assert.equal(await main(["score", "s.trace.jsonl", "--rewards", "rewards", "--out", "scored.jsonl", "--workers", "1"], scored.io), 0, scored.err.join(""));
    const expected = readFileSync(join(dir, "scored.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { reward: number | null; rewards: Record<string, number | null> });

    const args = JSON.stringify({ sols: samples.map((s) => s.completion), gts: samples.map((s) => s.answer) });
    const result = python(module, `a = json.loads(${JSON.stringify(args)})
single = [m.compute_score("math", s, g, extra_info={"index": i}) for i, (s, g) in enumerate(zip(a["sols"], a["gts"]))]
batch = m.compute_score_batch(data_sources=["math"] * len(a["sols"]), solution_strs=a["sols"], ground_truths=a["gts"], extra_infos=[None] * len(a["sols"]))
print(json.dumps({"single": single, "batch": batch}))`, { REWARDLAB_BATCH_SIZE: "2" });
    assert.equal(result.status, 0, result.stderr);
    const { single, batch } = JSON.parse(result.stdout) as { single: Record<string, number>[]; batch: Record<string, number>[] };
    assert.deepEqual(batch, single, "batch (3 requests of <= 2 samples, in flight together) equals per-sample calls");
    single.forEach((got, i) => {
      assert.equal(got.score, expected[i].reward ?? 0, `sample ${i} total`);
      for (const name of ["format", "answer_match", "brevity"]) assert.equal(got[name], expected[i].rewards[name] ?? 0, `sample ${i} ${name}`);
      assert.equal(got.reward_version, 1);
    });
    assert.ok(single[0].score > single[1].score && single[1].score > single[2].score, JSON.stringify(single.map((s) => s.score)));
  } finally {
    child.kill("SIGTERM");
  }
});

test("the verl module fails with an error naming the URL when the server is down (after its retries)", async () => {
  const dir = workspace();
  const url = `http://127.0.0.1:${await closedPort()}/get_reward`;
  const run = io(dir);
  assert.equal(await main(["export", "verl", ".", "--out", "out", "--url", url], run.io), 0, run.err.join(""));
  const started = Date.now();
  const result = python(join(dir, "out/rewardlab_reward.py"), `m.compute_score("math", "<answer>1</answer>", "1")`, { REWARDLAB_ATTEMPTS: "2" });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /RewardServerError: RewardLab reward server at http:\/\/127\.0\.0\.1:\d+\/get_reward is not reachable after 2 attempts \(.*refused.*\)\. Start it with `rewardlab serve`/);
  assert.ok(Date.now() - started < 10_000);
  // REWARDLAB_REWARD_URL and the url reward kwarg point it elsewhere (verl passes reward_kwargs as keywords).
  const other = python(join(dir, "out/rewardlab_reward.py"), `
try:
    m.compute_score("math", "x", "1", url="http://127.0.0.1:1/get_reward")
except m.RewardServerError as e:
    print(e)`, { REWARDLAB_ATTEMPTS: "1" });
  assert.match(other.stdout, /at http:\/\/127\.0\.0\.1:1\/get_reward is not reachable after 1 attempts/);
});

test("export verl carries the workspace preset to verl's config paths; bash reads the overrides", async () => {
  const dir = workspace({ algo: "dapo", rollout_n: 16 });
  const run = io(dir);
  assert.equal(await main(["export", "verl", ".", "--out", "out", "--port", "5123", "--set", "clip_ratio_c=5"], run.io), 0, run.err.join(""));
  const manifest = JSON.parse(readFileSync(join(dir, "out/verl.json"), "utf8"));
  assert.equal(manifest.preset, "dapo");
  assert.equal(manifest.reward_manager, "dapo", "the overlong penalty needs verl's dapo reward manager");
  assert.equal(manifest.function, "compute_score");
  const bash = spawnSync("bash", ["-c", `source ${join(dir, "out/verl_overrides.sh")} && printf '%s\\n' "\${REWARDLAB_VERL_ARGS[@]}"`], { encoding: "utf8" });
  assert.equal(bash.status, 0, bash.stderr);
  const overrides = bash.stdout.trim().split("\n");
  for (const expected of [
    `reward.custom_reward_function.path=${join(dir, "out/rewardlab_reward.py")}`,
    "reward.custom_reward_function.name=compute_score",
    "++reward.custom_reward_function.reward_kwargs.url=http://127.0.0.1:5123/get_reward",
    "reward.reward_manager.name=dapo",
    "algorithm.adv_estimator=grpo",
    "algorithm.norm_adv_by_std_in_grpo=true",
    "actor_rollout_ref.actor.clip_ratio_low=0.2",
    "actor_rollout_ref.actor.clip_ratio_high=0.28",
    "actor_rollout_ref.actor.clip_ratio_c=5",
    "actor_rollout_ref.actor.loss_agg_mode=token-mean",
    "actor_rollout_ref.actor.use_kl_loss=false",
    "actor_rollout_ref.rollout.n=16",
    "++algorithm.filter_groups.enable=true",
    "++algorithm.filter_groups.metric=score",
    "++algorithm.filter_groups.max_num_gen_batches=10",
    "+reward.reward_kwargs.overlong_buffer_cfg.len=32",
    "+reward.reward_kwargs.max_resp_len=${data.max_response_length}",
  ]) assert.ok(overrides.includes(expected), `missing ${expected} in\n${overrides.join("\n")}`);
  // Sized for the local policy: never exported.
  assert.ok(!overrides.some((o) => /optim\.lr|train_batch_size|ppo_mini_batch_size|max_response_length=/.test(o)), overrides.join("\n"));
  assert.match(readFileSync(join(dir, "out/README.md"), "utf8"), /For a verl from before that group \(0\.4\/0\.5\), export again with `--verl-layout legacy`/);
  assert.equal(manifest.config_layout, "current");

  // verl 0.4/0.5 spelling, on request.
  assert.equal(await main(["export", "verl", ".", "--out", "legacy", "--port", "5123", "--verl-layout", "legacy"], run.io), 0, run.err.join(""));
  const legacy = (JSON.parse(readFileSync(join(dir, "legacy/verl.json"), "utf8")) as { overrides: string[] }).overrides;
  for (const expected of ["custom_reward_function.name=compute_score", "reward_model.reward_manager=dapo", "+reward_model.reward_kwargs.overlong_buffer_cfg.len=32", "+reward_model.reward_kwargs.max_resp_len=${data.max_response_length}"]) {
    assert.ok(legacy.includes(expected), `missing ${expected} in\n${legacy.join("\n")}`);
  }
  assert.match(readFileSync(join(dir, "legacy/README.md"), "utf8"), /These are verl 0\.4\/0\.5's reward keys/);
  assert.equal(await main(["export", "verl", ".", "--out", "x", "--verl-layout", "0.5"], run.io), 2);
  assert.match(run.err.join(""), /--verl-layout must be current or legacy \(got "0\.5"\)/);
});

test("export verl names the bad setting and its file", async () => {
  const dir = workspace({ algo: "grpo", clip_ratio_hi: 0.3 });
  const run = io(dir);
  assert.equal(await main(["export", "verl", ".", "--out", "out"], run.io), 2);
  assert.match(run.err.join(""), /rewardlab\.json: trainer: unknown setting "clip_ratio_hi"\. Did you mean .*clip_ratio_high/);
});

// Every exported override against verl's own config tree (test/fixtures/upstream/verl/config-keys.json:
// the dotted keys of verl-project/verl verl/trainer/config/_generated_ppo_trainer.yaml @05a1edd6 with
// reward/reward.yaml @418de7a4, and legacy_reward_impl.yaml @44b4d332). A plain `key=value` must name
// a key verl has (Hydra rejects unknown keys); a `+key` must not (Hydra refuses to append an existing
// key); `++key` adds or overrides either way. Every preset, both layouts, with and without the
// overlong penalty.
test("every verl override names a key verl's config has (plain) or adds one it lacks (+), for every preset and both layouts", () => {
  const fixture = JSON.parse(readFileSync(join(__dirname, "../fixtures/upstream/verl/config-keys.json"), "utf8")) as { current: string[]; legacy: string[] };
  const current = new Set(fixture.current);
  // Current verl still declares the legacy nodes (it migrates them), so they are in `current` too.
  const legacyKeys = new Set([...fixture.current.filter((k) => !k.startsWith("reward.")), ...fixture.legacy]);
  let checked = 0;
  for (const preset of presetNames()) {
    for (const overrides of [{}, { overlong_buffer_enable: "true" }] as Record<string, string>[]) {
      const { settings } = resolveRunSettings({ preset, overrides });
      for (const layout of VERL_LAYOUTS) {
        const keys = layout === "current" ? current : legacyKeys;
        for (const override of verlPlan("/x/rewardlab_reward.py", "http://127.0.0.1:5000/get_reward", settings, layout).overrides) {
          const [path] = override.split("=", 1);
          const key = path.replace(/^\+\+?/, "");
          if (path.startsWith("++")) continue;
          if (path.startsWith("+")) assert.ok(!keys.has(key), `${preset}/${layout}: "${override}" appends a key verl already has (Hydra would refuse): drop the +`);
          else assert.ok(keys.has(key), `${preset}/${layout}: "${override}" names a key verl's config does not have`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 100, `checked ${checked} overrides`);
});
