// What the local lab teaches (issue 17): each arm trains a sample workspace's shipped base policy
// with a preset and a set of reward files, exactly as `rewardlab train` does (the trainer child
// process, on a temporary copy of the workspace), for several seeds, and prints held-out greedy
// accuracy at every evaluation step (mean and min..max over seeds), the steps each seed needed to
// reach the arm's target, wall time, and the ratio of the final accuracy to the base's.
// The reference is the base policy itself (step 0 of every run): a benchmark of learning, not a
// timed test.
//
// Usage: npm run bench -- learn
//   LEARN_ARMS=grpo,ppo       only arms whose names contain one of these words
//   LEARN_SEEDS=3             seeds per arm (default 3; the issue's figures are means of 3)
//   LEARN_QUICK=1             one seed and half the steps, for a quick look
//   LEARN_STEPS=60            train every chosen arm this many steps (evaluating every STEPS/6)
//   LEARN_KEEP=DIR            keep the run folders under DIR (open them in the dashboard)
//   LEARN_SET=lam_actor=1,lr=2e-4   extra settings for every chosen arm (over the arm's own)

import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startTraining } from "../src/rl/trainer/client";
import { type TrainEvent } from "../src/rl/trainer/protocol";

const root = resolve(new URL("..", import.meta.url).pathname);

interface Arm {
  name: string;
  workspace: "math-cot" | "shapes-vqa";
  preset: string;
  /** Reward files or folders inside the workspace; default: rewardlab.json "rewards". */
  rewards?: string[];
  overrides?: Record<string, string>;
  steps: number;
  evalEvery: number;
  /** What the arm shows, printed above its table. */
  claim: string;
  /** Another arm (run before this one): print when each arm first reaches that arm's final mean accuracy. */
  compareWith?: string;
}

/** Held-out accuracy gain (over the base) that counts as "reached" in the steps-to-target column. */
const TARGET_GAIN = 0.2;

const ARMS: Arm[] = [
  { name: "math-cot grpo", workspace: "math-cot", preset: "grpo", steps: 20, evalEvery: 5, claim: "default preset, good rewards: held-out accuracy must rise >= 20 points" },
  { name: "math-cot ppo", workspace: "math-cot", preset: "ppo", overrides: { critic_warmup: "5" }, steps: 30, evalEvery: 5, claim: "PPO (GAE, value head, 5 steps of critic warm-up): >= 10 points" },
  { name: "math-cot outcome", workspace: "math-cot", preset: "grpo", rewards: ["rewards/format.reward.ts", "rewards/accuracy.reward.ts"], steps: 12, evalEvery: 2, claim: "outcome reward only (format + accuracy)" },
  { name: "math-cot process", workspace: "math-cot", preset: "grpo", rewards: ["rewards/format.reward.ts", "process"], steps: 12, evalEvery: 2, claim: "process reward instead of the outcome reward (format + per-step solution): steps to reach the outcome arm's final accuracy", compareWith: "math-cot outcome" },
  { name: "math-cot dapo", workspace: "math-cot", preset: "dapo", steps: 20, evalEvery: 5, claim: "DAPO against the grpo arm", compareWith: "math-cot grpo" },
  { name: "math-cot curriculum", workspace: "math-cot", preset: "grpo", overrides: { curriculum: "by_accuracy" }, steps: 20, evalEvery: 5, claim: "curriculum by accuracy against the grpo arm", compareWith: "math-cot grpo" },
  { name: "math-cot hackable", workspace: "math-cot", preset: "grpo", rewards: ["rewards/format.reward.ts", "hackable"], steps: 30, evalEvery: 5, claim: "hackable reward: its own score rises while held-out accuracy falls" },
  { name: "shapes-vqa grpo", workspace: "shapes-vqa", preset: "grpo", steps: 30, evalEvery: 5, claim: "default preset, good rewards: held-out accuracy must rise >= 20 points" },
  { name: "shapes-vqa ppo", workspace: "shapes-vqa", preset: "ppo", overrides: { critic_warmup: "5" }, steps: 30, evalEvery: 5, claim: "PPO: >= 10 points" },
  { name: "shapes-vqa hackable", workspace: "shapes-vqa", preset: "grpo", rewards: ["rewards/format.reward.ts", "hackable"], steps: 30, evalEvery: 5, claim: "hackable reward: its own score rises while held-out accuracy falls" },
];

interface RunResult {
  seed: number;
  /** step -> held-out accuracy, answer_top_share, accuracy per question type */
  evals: Map<number, { accuracy: number; topShare: number | null; length: number; byType: Record<string, number> }>;
  /** Training-reward mean per step for each reward. */
  rewards: Map<number, Record<string, number>>;
  wallS: number;
}

const quick = process.env.LEARN_QUICK === "1";
const seeds = quick ? 1 : Number(process.env.LEARN_SEEDS ?? 3);
const stepsOverride = process.env.LEARN_STEPS ? Number(process.env.LEARN_STEPS) : undefined;
if (stepsOverride !== undefined && !(Number.isInteger(stepsOverride) && stepsOverride > 0)) throw new Error(`LEARN_STEPS must be a positive integer (got "${process.env.LEARN_STEPS}")`);
const filters = (process.env.LEARN_ARMS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const keep = process.env.LEARN_KEEP ? resolve(process.env.LEARN_KEEP) : null;
const extraSettings: Record<string, string> = Object.fromEntries(
  (process.env.LEARN_SET ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((kv) => {
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new Error(`LEARN_SET entries are key=value (got "${kv}")`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
);

const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
const fmt = (x: number) => x.toFixed(3);

async function runArm(arm: Arm, seed: number): Promise<RunResult> {
  const source = join(root, "sample-workspaces", arm.workspace);
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-bench-learn-"));
  cpSync(source, dir, { recursive: true, filter: (src) => !src.startsWith(join(source, "runs")) });
  const steps = stepsOverride ?? (quick ? Math.max(arm.evalEvery, Math.round(arm.steps / 2)) : arm.steps);
  const out = keep ? join(keep, `${arm.name.replace(/\s+/g, "-")}-seed${seed}`) : join(dir, "runs", "learn");
  if (keep) mkdirSync(keep, { recursive: true });
  const result: RunResult = { seed, evals: new Map(), rewards: new Map(), wallS: 0 };
  const t0 = performance.now();
  try {
    const evalEvery = stepsOverride !== undefined ? Math.max(1, Math.round(stepsOverride / 6)) : arm.evalEvery;
    const overrides = { ...arm.overrides, ...extraSettings, seed: String(seed), eval_every: String(evalEvery), save_every: "0" };
    const onEvent = (e: TrainEvent) => {
      if (e.type === "eval") result.evals.set(e.step, { accuracy: e.metrics.accuracy, topShare: e.metrics.answer_top_share, length: e.metrics.response_length, byType: Object.fromEntries(Object.entries(e.byType).map(([type, r]) => [type, r.accuracy])) });
      if (e.type === "metrics") {
        const r: Record<string, number> = {};
        for (const [k, v] of Object.entries(e.metrics)) if (/^reward\/[^/]+\/mean$/.test(k)) r[k.split("/")[1]] = v;
        result.rewards.set(e.step, r);
      }
    };
    const run = startTraining({ workspace: dir, preset: arm.preset, steps, out, overrides, rewards: arm.rewards }, { onEvent, onOutput: () => undefined });
    const final = await run.finished;
    if (final.type === "error") throw new Error(`${arm.name} seed ${seed}: ${final.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.wallS = (performance.now() - t0) / 1000;
  return result;
}

function spread(xs: number[]): string {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.length > 1 ? `${fmt(mean)} (${fmt(Math.min(...xs))}..${fmt(Math.max(...xs))})` : fmt(mean);
}

function report(arm: Arm, runs: RunResult[]): void {
  const steps = [...runs[0].evals.keys()].sort((a, b) => a - b);
  const base = runs[0].evals.get(0)?.accuracy ?? NaN;
  console.log(`\n## ${arm.name}: ${arm.claim}`);
  const settings = { ...arm.overrides, ...extraSettings };
  console.log(`preset ${arm.preset}${Object.keys(settings).length ? ` ${JSON.stringify(settings)}` : ""}, rewards ${arm.rewards?.join(" + ") ?? "rewards/"}, ${runs.length} seed(s)`);
  console.log("step | held-out accuracy mean (min..max) | answer_top_share | response length");
  for (const step of steps) {
    const at = runs.map((r) => r.evals.get(step)).filter((e) => e !== undefined);
    const tops = at.map((e) => e.topShare).filter((t) => t !== null);
    console.log(`${String(step).padStart(4)} | ${spread(at.map((e) => e.accuracy))} | ${tops.length ? spread(tops) : "-"} | ${spread(at.map((e) => e.length))}`);
  }
  const last = steps[steps.length - 1];
  // The gain per question type: a skill shows in the types it concerns, answer collapse as one
  // type rising while others fall.
  const types = Object.keys(runs[0].evals.get(0)?.byType ?? {}).sort();
  if (types.length > 1) {
    console.log(`per question type, step 0 -> ${last} (mean over seeds):`);
    for (const type of types) {
      const at = (step: number) => mean(runs.map((r) => r.evals.get(step)?.byType[type] ?? NaN));
      console.log(`  ${type}: ${fmt(at(0))} -> ${fmt(at(last))}${steps.length > 2 ? ` (${steps.slice(1).map((step) => `${step}: ${fmt(at(step))}`).join(", ")})` : ""}`);
    }
  }
  const finals = runs.map((r) => r.evals.get(last)?.accuracy ?? NaN);
  const reach = runs.map((r) => [...r.evals].find(([step, e]) => step > 0 && e.accuracy >= base + TARGET_GAIN)?.[0]);
  const rewardNames = Object.keys(runs[0].rewards.get(1) ?? {});
  const rewardLine = rewardNames
    .map((name) => {
      const first = runs.map((r) => r.rewards.get(1)?.[name] ?? NaN);
      const end = runs.map((r) => r.rewards.get(Math.max(...r.rewards.keys()))?.[name] ?? NaN);
      return `${name} ${spread(first)} -> ${spread(end)}`;
    })
    .join("; ");
  console.log(`base ${fmt(base)} -> step ${last}: ${spread(finals)}, gain ${spread(finals.map((f) => f - base))}, ratio ${fmt(finals.reduce((a, b) => a + b, 0) / finals.length / base)}x`);
  console.log(`steps to base + ${TARGET_GAIN}: ${reach.map((s) => (s === undefined ? "not reached" : s)).join(", ")}`);
  console.log(`training reward (step 1 -> last): ${rewardLine}`);
  console.log(`wall time per run: ${runs.map((r) => `${r.wallS.toFixed(0)} s`).join(", ")}`);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The first evaluation step (> 0) at which a run's held-out accuracy reaches `target`. */
function firstReach(run: RunResult, target: number): number | undefined {
  return [...run.evals].sort(([a], [b]) => a - b).find(([step, e]) => step > 0 && e.accuracy >= target - 1e-9)?.[0];
}

/** Steps each arm needed to reach the other arm's final mean accuracy (the PRM/ORM "fewer steps" claim). */
function compare(runs: RunResult[], other: Arm, otherRuns: RunResult[]): void {
  const finalMean = (rs: RunResult[]) => mean(rs.map((r) => r.evals.get(Math.max(...r.evals.keys()))!.accuracy));
  const target = finalMean(otherRuns);
  const show = (rs: RunResult[]) => rs.map((r) => firstReach(r, target) ?? "not reached").join(", ");
  console.log(`vs ${other.name}: its final mean accuracy ${fmt(target)} is reached at step ${show(runs)} here, at step ${show(otherRuns)} there (per seed)`);
  console.log(`  mean accuracy at each shared step, here / there: ${[...runs[0].evals.keys()].filter((s) => otherRuns[0].evals.has(s)).sort((a, b) => a - b).map((s) => `${s}: ${fmt(mean(runs.map((r) => r.evals.get(s)!.accuracy)))} / ${fmt(mean(otherRuns.map((r) => r.evals.get(s)!.accuracy)))}`).join("; ")}`);
}

async function main(): Promise<void> {
  const arms = ARMS.filter((a) => filters.length === 0 || filters.some((f) => a.name.includes(f)));
  if (arms.length === 0) throw new Error(`LEARN_ARMS matched none of: ${ARMS.map((a) => a.name).join(", ")}`);
  console.log(`${arms.length} arm(s) x ${seeds} seed(s)${quick ? " (LEARN_QUICK: half the steps)" : ""}; load ${load()}`);
  const done = new Map<string, RunResult[]>();
  for (const arm of arms) {
    const runs: RunResult[] = [];
    for (let seed = 0; seed < seeds; seed++) runs.push(await runArm(arm, seed));
    report(arm, runs);
    done.set(arm.name, runs);
    const other = arm.compareWith ? ARMS.find((a) => a.name === arm.compareWith) : undefined;
    if (other && done.has(other.name)) compare(runs, other, done.get(other.name)!);
  }
  console.log(`\nload after: ${load()}`);
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
