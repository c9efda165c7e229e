// Seconds per RL training step for the default preset (grpo) on sample-workspaces/shapes-vqa, split
// into rollout (generation) / reward (the workspace's reward files in the sandbox) / update (reference
// log-probs + ppo_epochs passes of forward, backward and AdamW), with tokens/s of each. Runs the
// trainer child process exactly as `rewardlab train` does (`startTraining`) on a temporary copy of
// the workspace (nothing is written to the repo) and reads the per-step metrics events; medians
// exclude the first step (session creation).
// There is no PyTorch reference: phases are reported as shares of the step.
// Usage: npm run bench -- train   (env BENCH_STEPS=N steps, default 4)

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bucket } from "../src/policy/batch";
import { initPolicy, saveCheckpoint } from "../src/policy/checkpoint";
import { defaultPolicyConfig, imageTokens, parsePolicyConfig } from "../src/policy/config";
import { IMAGE_SIZE } from "../src/policy/tasks/raster";
import { formatPrompt } from "../src/policy/items";
import { PolicyTokenizer } from "../src/policy/tokenizer";
import { type RlSettings } from "../src/rl/settings";
import { startTraining } from "../src/rl/trainer/client";
import { type TrainEvent } from "../src/rl/trainer/protocol";
import { TRAIN_RESPONSE_BUCKET } from "../src/rl/trainer/update";

const root = resolve(new URL("..", import.meta.url).pathname);
const source = join(root, "sample-workspaces/shapes-vqa");
const steps = Number(process.env.BENCH_STEPS ?? 4);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");

/** A temporary copy of the workspace with a policy (the shipped one, else a seeded random one). */
function workspaceCopy(): { dir: string; policy: string } {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-bench-train-"));
  cpSync(source, dir, { recursive: true, filter: (src) => !src.startsWith(join(source, "runs")) });
  if (existsSync(join(dir, "policy/model.safetensors"))) return { dir, policy: "shipped base policy" };
  const tok = PolicyTokenizer.characterLevel();
  saveCheckpoint(join(dir, "policy"), initPolicy(defaultPolicyConfig(tok.vocabSize, { size: IMAGE_SIZE, patch: 8 }), tok, 0));
  return { dir, policy: "seeded initPolicy (no shipped policy yet)" };
}

interface StepTokens {
  responses: number;
  /** Generated (response) tokens. */
  generated: number;
  /** Image + prompt + response tokens of every sequence (what the update's forward/backward reads). */
  sequence: number;
  /** The same with padding: B x (image + longest training prompt + response bucket), what the graphs compute. */
  padded: number;
}

/**
 * Token counts of one step, from its rollouts file (prompt text and response tokens). The padded
 * count follows update.ts: prompts padded to the longest training prompt, responses to a bucket.
 */
function stepTokens(runDir: string, step: number, tok: PolicyTokenizer, promptLen: number, s: RlSettings, imageLen: number): StepTokens {
  const file = join(runDir, "rollouts", `step-${String(step).padStart(5, "0")}.trace.jsonl`);
  const rows = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { prompt: string; tokens?: unknown[] });
  let generated = 0, sequence = 0, longest = 1;
  for (const r of rows) {
    const response = r.tokens?.length ?? 0;
    generated += response;
    longest = Math.max(longest, response);
    sequence += imageLen + tok.encode(formatPrompt(r.prompt)).length + response;
  }
  const T = Math.min(bucket(longest, TRAIN_RESPONSE_BUCKET), bucket(s.max_response_length, TRAIN_RESPONSE_BUCKET));
  return { responses: rows.length, generated, sequence, padded: rows.length * (imageLen + promptLen + T) };
}

/** The longest training prompt in tokens (update.ts pads every batch's prompts to it). */
function longestPrompt(dir: string, tok: PolicyTokenizer): number {
  const lines = readFileSync(join(dir, "data/train.jsonl"), "utf8").trim().split("\n");
  return Math.max(...lines.map((l) => tok.encode(formatPrompt((JSON.parse(l) as { prompt: string }).prompt)).length));
}

async function main(): Promise<void> {
  const ws = workspaceCopy();
  const out = join(ws.dir, "runs", "bench");
  const events: TrainEvent[] = [];
  console.log(`policy: ${ws.policy}; preset grpo, ${steps} steps (eval_every 0, save_every 0); load ${load()}`);
  const t0 = performance.now();
  try {
    const run = startTraining({ workspace: ws.dir, steps, out, overrides: { eval_every: "0", save_every: "0" } }, { onEvent: (e) => events.push(e), onOutput: (text) => process.stderr.write(text) });
    const final = await run.finished;
    if (final.type === "error") throw new Error(`training failed: ${final.message}`);
    const wall = (performance.now() - t0) / 1000;
    const s = (events.find((e) => e.type === "started") as { settings: RlSettings }).settings;
    const last = events.flatMap((e) => (e.type === "metrics" ? [e.metrics] : [])).pop()!;
    console.log(`settings: train_batch_size ${s.train_batch_size} x rollout_n ${s.rollout_n}, max_response_length ${s.max_response_length}, ppo_mini_batch_size ${s.ppo_mini_batch_size}, ppo_epochs ${s.ppo_epochs}, use_kl_loss ${s.use_kl_loss}`);
    // CPU seconds per wall second: how much of the 2 cores the trainer actually got on a shared machine.
    const cpu = last["perf/cpu_time_s"];
    console.log(`whole run: ${wall.toFixed(0)} s wall (process start included), trainer ${cpu.toFixed(0)} s CPU over ${last.time_s.toFixed(0)} s (${(cpu / last.time_s).toFixed(2)} cores busy on average)`);
    const config = parsePolicyConfig(JSON.parse(readFileSync(join(ws.dir, "policy/config.json"), "utf8")), "policy/config.json");
    report(events, out, s, longestPrompt(ws.dir, PolicyTokenizer.characterLevel()), imageTokens(config));
    console.log(`trainer peak RSS ${(last["perf/cpu_memory_peak_gb"] * 1024).toFixed(0)} MB (policy, reference, ORT sessions per shape bucket)`);
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
  console.log(`load after: ${load()}`);
}

function report(events: TrainEvent[], runDir: string, s: RlSettings, promptLen: number, imageLen: number): void {
  const tok = PolicyTokenizer.characterLevel();
  const rows = events.flatMap((e) => (e.type === "metrics" && e.step > 0 ? [e.metrics] : []));
  const tokens = new Map(rows.map((m) => [m.step, stepTokens(runDir, m.step, tok, promptLen, s, imageLen)]));
  for (const m of rows) {
    const n = tokens.get(m.step)!;
    console.log(`step ${m.step}: ${m["timing/step_s"].toFixed(2)} s = rollout ${m["timing/rollout_s"].toFixed(2)} + reward ${m["timing/reward_s"].toFixed(2)} + update ${m["timing/update_s"].toFixed(2)} + other; ${n.responses} responses, mean length ${m["response_length/mean"].toFixed(1)}, ${n.sequence} sequence tokens (${n.padded} padded)`);
  }
  const timed = rows.length > 1 ? rows.slice(1) : rows;
  const col = (key: string) => median(timed.map((m) => m[key]));
  const rate = (count: (n: StepTokens) => number, key: string) => median(timed.map((m) => count(tokens.get(m.step)!) / m[key]));
  const stepS = col("timing/step_s");
  const otherOf = (m: Record<string, number>) => m["timing/step_s"] - m["timing/rollout_s"] - m["timing/reward_s"] - m["timing/update_s"];
  // Shares are medians of each step's own ratio (medians of the parts need not add up to the whole).
  const shareOf = (part: (m: Record<string, number>) => number) => median(timed.map((m) => part(m) / m["timing/step_s"]));
  const share = (key: string) => `${col(key).toFixed(2)} s (${(100 * shareOf((m) => m[key])).toFixed(0)}% of the step)`;
  console.log(`median over steps ${timed.map((m) => m.step).join(",")}: ${stepS.toFixed(2)} s/step`);
  console.log(`  rollout ${share("timing/rollout_s")}, ${rate((n) => n.generated, "timing/rollout_s").toFixed(0)} generated tokens/s`);
  console.log(`  reward  ${share("timing/reward_s")}, ${rate((n) => n.responses, "timing/reward_s").toFixed(0)} responses/s`);
  const epochs = s.ppo_epochs;
  console.log(`  update  ${share("timing/update_s")}, ${rate((n) => n.sequence * epochs, "timing/update_s").toFixed(0)} tokens/s (image+prompt+response x ppo_epochs ${epochs}); ${rate((n) => n.padded * epochs, "timing/update_s").toFixed(0)} padded tokens/s`);
  console.log(`  other   ${median(timed.map(otherOf)).toFixed(2)} s (${(100 * shareOf(otherOf)).toFixed(0)}% of the step): trace records, advantages, writing rollouts`);
}

void main();
