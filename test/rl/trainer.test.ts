import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { initPolicy, loadPolicy, saveCheckpoint } from "../../src/policy/checkpoint";
import { defaultPolicyConfig } from "../../src/policy/config";
import { generateMath } from "../../src/policy/tasks/math";
import { writeDataset } from "../../src/policy/tasks/dataset";
import { PolicyTokenizer } from "../../src/policy/tokenizer";
import { presetNames } from "../../src/rl/presets";
import { TRAINER_MALLOC_ENV, startTraining } from "../../src/rl/trainer/client";
import { runTraining } from "../../src/rl/trainer/loop";
import { equalScoreShare } from "../../src/rl/trainer/metrics";
import { type TrainEvent, type TrainRequest } from "../../src/rl/trainer/protocol";

const root = new URL("../..", import.meta.url).pathname;

/** A workspace with a tiny random policy, a few math problems and the math-cot rewards. */
async function tinyWorkspace(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-train-"));
  cpSync(join(root, "sample-workspaces/math-cot/rewards"), join(dir, "rewards"), { recursive: true });
  const examples = generateMath({ seed: 3, count: 12, difficulty: 1 });
  await writeDataset(dir, "train", examples.slice(0, 8));
  await writeDataset(dir, "test", examples.slice(8));
  const tok = PolicyTokenizer.characterLevel();
  const config = { ...defaultPolicyConfig(tok.vocabSize, null), d_model: 16, n_layers: 1, n_heads: 2, d_hidden: 32, max_text_len: 96 };
  saveCheckpoint(join(dir, "policy"), initPolicy(config, tok, 1));
  writeFileSync(join(dir, "rewardlab.json"), JSON.stringify({ task: "math-cot", data: { train: "data/train.jsonl", test: "data/test.jsonl" } }));
  return dir;
}

const small = { train_batch_size: "2", rollout_n: "2", ppo_mini_batch_size: "1", max_response_length: "16", eval_every: "0", save_every: "1" };

async function train(request: Partial<TrainRequest> & { workspace: string }, stopAfter?: number) {
  const events: TrainEvent[] = [];
  const abort = new AbortController();
  await runTraining({ overrides: small, ...request }, (e) => {
    events.push(e);
    if (stopAfter !== undefined && e.type === "metrics" && e.step === stopAfter) abort.abort();
  }, abort.signal);
  const final = events.find((e) => e.type === "done" || e.type === "error");
  return { events, final };
}

test("a short GRPO run writes the run folder the dashboard reads", async () => {
  const ws = await tinyWorkspace();
  const out = join(ws, "runs", "r1");
  const { events, final } = await train({ workspace: ws, steps: 2, out, overrides: { ...small, eval_every: "2" } });
  assert.equal(final?.type, "done", JSON.stringify(final));
  const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
  assert.equal(info.status, "completed");
  assert.deepEqual(info.steps, { done: 2, total: 2 });
  assert.deepEqual(info.checkpoints, ["checkpoints/step-00001", "checkpoints/step-00002"]);
  assert.ok(info.rewards.files.some((f: { path: string }) => f.path === "rewards/accuracy.reward.ts"));
  assert.ok(existsSync(join(out, "rewards/accuracy.reward.ts")), "reward snapshot");
  const rows = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((r) => r.step), [0, 1, 2]);
  for (const key of ["reward/total/mean", "reward/accuracy/mean", "actor/pg_loss", "actor/kl", "actor/entropy", "response_length/mean", "timing/rollout_s", "sampling/equal_score_groups"]) {
    assert.ok(Number.isFinite(rows[1][key]), `${key} in ${JSON.stringify(rows[1])}`);
  }
  assert.ok(Number.isFinite(rows[2]["eval/accuracy"]));
  assert.ok(rows[1]["perf/cpu_memory_peak_gb"] > 0.01 && rows[1]["perf/cpu_time_s"] > 0, "trainer memory and CPU");
  const rollout = JSON.parse(readFileSync(join(out, "rollouts/step-00001.trace.jsonl"), "utf8").split("\n")[0]);
  assert.equal(rollout.step, 1);
  assert.ok(rollout.group && rollout.rewards && "accuracy" in rollout.rewards);
  assert.ok(rollout.tokens.every((t: { logprob: number; entropy: number; advantage: number }) => [t.logprob, t.entropy, t.advantage].every(Number.isFinite)));
  assert.ok(events.some((e) => e.type === "eval" && e.step === 2));
});

test("cancel keeps a usable checkpoint and --resume continues bit for bit", async () => {
  const ws = await tinyWorkspace();
  const straight = join(ws, "runs", "straight");
  assert.equal((await train({ workspace: ws, steps: 3, out: straight })).final?.type, "done");
  const split = join(ws, "runs", "split");
  const first = await train({ workspace: ws, steps: 3, out: split }, 1);
  assert.equal(first.final?.type === "done" && first.final.status, "cancelled");
  assert.equal(JSON.parse(readFileSync(join(split, "run.json"), "utf8")).status, "cancelled");
  const resumed = await train({ workspace: ws, resume: split });
  assert.equal(resumed.final?.type === "done" && resumed.final.status, "completed");
  const weights = (run: string) => readFileSync(join(run, "checkpoints/step-00003/model.safetensors"));
  assert.ok(weights(straight).equals(weights(split)), "resumed weights differ from an uninterrupted run");
  const steps = (run: string) => readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).step);
  assert.deepEqual(steps(split), [1, 2, 3]);
});

test("a non-finite loss stops the run with a clear error and keeps the last good checkpoint", async () => {
  const ws = await tinyWorkspace();
  const out = join(ws, "runs", "nan");
  const { final } = await train({ workspace: ws, steps: 4, out, overrides: { ...small, lr: "1e30", grad_clip: "1e30" } });
  assert.equal(final?.type, "error");
  assert.ok(final?.type === "error" && final.nonFinite, JSON.stringify(final));
  const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
  assert.equal(info.status, "failed");
  assert.match(info.error, /loss is NaN|gradient norm is|not finite|Infinity/);
  const saved = existsSync(join(out, "checkpoints")) ? readdirSync(join(out, "checkpoints")) : [];
  assert.ok(saved.length < 4, `no checkpoint after the failure: ${saved}`);
});

/**
 * The loop as a whole must learn: a tiny random policy, a dense reward (the share of digits among
 * the first 12 characters: ~10% for a uniform sampler), GRPO and PPO. A sign error, advantages
 * applied to the wrong rows or log-probs shifted by one token would leave the reward flat.
 */
test("GRPO and PPO raise a dense toy reward on a tiny policy", async () => {
  const ws = await tinyWorkspace();
  rmSync(join(ws, "rewards"), { recursive: true });
  mkdirSync(join(ws, "rewards"));
  writeFileSync(join(ws, "rewards", "digits.reward.ts"), `import { defineReward } from "rewardlab";
export default defineReward({
  name: "digits",
  score(sample) {
    const head = sample.completion.slice(0, 12);
    return head.length === 0 ? 0 : [...head].filter((c) => c >= "0" && c <= "9").length / 12;
  },
});
`);
  for (const preset of ["grpo", "ppo"]) {
    const out = join(ws, "runs", `learn-${preset}`);
    const overrides = { ...small, train_batch_size: "4", rollout_n: "8", ppo_mini_batch_size: "4", max_response_length: "12", save_every: "0", lr: "1e-2", critic_lr: "1e-2", seed: "1" };
    const { final } = await train({ workspace: ws, preset, steps: 20, out, overrides });
    assert.equal(final?.type, "done", `${preset}: ${JSON.stringify(final)}`);
    const rows = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const reward = (from: number, to: number) => rows.slice(from, to).reduce((a, r) => a + r["reward/digits/mean"], 0) / (to - from);
    const [first, last] = [reward(0, 3), reward(17, 20)];
    assert.ok(last > first + 0.2, `${preset}: digit share ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  }
});

test("equal_score_groups counts the groups whose responses all scored the same", () => {
  // groups 0: {1, 1}, 1: {0, 1}, 2: {0.5, 0.5} -> 2 of 3 carry no group-relative advantage
  assert.equal(equalScoreShare(Float32Array.of(1, 1, 0, 1, 0.5, 0.5), Int32Array.of(0, 0, 1, 1, 2, 2)), 2 / 3);
  assert.equal(equalScoreShare(new Float32Array(0), new Int32Array(0)), 0);
});

test("every preset runs a step (value-free and PPO with the value head)", async () => {
  const ws = await tinyWorkspace();
  for (const preset of presetNames()) {
    const { final } = await train({ workspace: ws, preset, steps: 1, out: join(ws, "runs", preset), overrides: { ...small, max_num_gen_batches: "2", overlong_buffer_len: "8" } });
    assert.equal(final?.type, "done", `${preset}: ${JSON.stringify(final)}`);
  }
});

test("the trainer process gets the malloc settings unless the caller sets its own", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-trainer-env-"));
  // A stand-in trainer that answers the start request with its malloc variables.
  const script = join(dir, "child.cjs");
  writeFileSync(script, `process.on("message", () => process.send({ type: "error", runDir: null, nonFinite: false,
    message: JSON.stringify([process.env.MALLOC_MMAP_THRESHOLD_, process.env.MALLOC_TRIM_THRESHOLD_]) }, () => process.exit(0)));`);
  const envOf = async (env?: Record<string, string>) => {
    const run = startTraining({ workspace: dir, overrides: {} }, { onEvent: () => {}, script, ...(env ? { env } : {}) });
    const final = await run.finished;
    if (final.type !== "error") throw new Error(`expected the stand-in's error event, got ${final.type}`);
    return JSON.parse(final.message) as string[];
  };
  try {
    assert.deepEqual(await envOf(), [TRAINER_MALLOC_ENV.MALLOC_MMAP_THRESHOLD_, TRAINER_MALLOC_ENV.MALLOC_TRIM_THRESHOLD_]);
    assert.deepEqual(await envOf({ MALLOC_MMAP_THRESHOLD_: "65536" }), ["65536", TRAINER_MALLOC_ENV.MALLOC_TRIM_THRESHOLD_]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("curriculum by_accuracy follows the reward curriculum_metric names, and a run without that reward fails at start", async () => {
  const ws = await tinyWorkspace();
  const harder = generateMath({ seed: 4, count: 4, difficulty: 2 });
  await writeDataset(ws, "train", [...generateMath({ seed: 3, count: 8, difficulty: 1 }), ...harder]);
  const missing = await train({ workspace: ws, steps: 1, out: join(ws, "runs", "missing"), overrides: { ...small, curriculum: "by_accuracy", curriculum_metric: "correct" } });
  assert.equal(missing.final?.type, "error");
  assert.match(missing.final?.type === "error" ? missing.final.message : "", /curriculum_metric = "correct" is not a reward of this run \(rewards: .*accuracy.*\); set it with --set curriculum_metric=NAME to one of them, or to score/);
  // Promote whenever the window's mean of "format" reaches 0 (always): level 1 after the first step.
  const out = join(ws, "runs", "format");
  const { final } = await train({ workspace: ws, steps: 1, out, overrides: { ...small, curriculum: "by_accuracy", curriculum_metric: "format", curriculum_promote_at: "0", curriculum_window: "1" } });
  assert.equal(final?.type, "done", JSON.stringify(final));
  const state = JSON.parse(readFileSync(join(out, "checkpoints/step-00001/trainer-state.json"), "utf8"));
  assert.equal(state.sampler.curriculum.level, 1);
});

test("a run that goes non-finite sets aside the weights that caused it; the checkpoints it keeps are finite", async () => {
  const ws = await tinyWorkspace();
  const out = join(ws, "runs", "blowup");
  const { final } = await train({ workspace: ws, steps: 6, out, overrides: { ...small, lr: "1e6", grad_clip: "1e9" } });
  assert.equal(final?.type, "error", JSON.stringify(final));
  if (final?.type !== "error") return;
  assert.equal(final.nonFinite, true, final.message);
  // Seeded: the loss goes NaN at step 3 with the weights saved after step 2.
  assert.match(final.message, /the weights saved after step \d+ produced it and were set aside \(checkpoints\/step-\d{5}\.nonfinite\); last good checkpoint: checkpoints\/step-\d{5}/);
  const failedAt = Number(/at step (\d+)|after step (\d+)/.exec(final.message)?.slice(1).find(Boolean));
  const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
  assert.equal(info.status, "failed");
  for (const name of info.checkpoints as string[]) {
    const policy = loadPolicy(join(out, name));
    for (const data of policy.params.values()) assert.ok(data.every(Number.isFinite), `${name} is finite`);
    assert.ok(Number(name.slice(-5)) < failedAt - 1, `${name} was saved before the weights that failed at step ${failedAt}`);
  }
  assert.ok(existsSync(join(out, `checkpoints/step-${String(failedAt - 1).padStart(5, "0")}.nonfinite`)));
});
