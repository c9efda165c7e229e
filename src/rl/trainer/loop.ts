// The RL training loop, top to bottom: rollouts (G per prompt) -> rewards (the workspace's reward
// files, sandboxed) -> advantages -> ppo_epochs passes over minibatches; metrics, rollouts, evals
// and checkpoints go to a run folder. Runs in the trainer's child process (process.ts), reports
// through `onEvent`, stops cleanly when `signal` aborts.

import { existsSync, renameSync, rmSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { type Policy, cloneParams, loadPolicy, readOptimizerState, readTrainerState, removeInterruptedSaves, saveCheckpoint } from "../../policy/checkpoint";
import { PolicyGenerator } from "../../policy/generate";
import { ItemBuilder } from "../../policy/items";
import { type DatasetRecord, readDataset } from "../../policy/tasks/dataset";
import { findRewardFiles, isRewardFile } from "../../reward/compile";
import { DEFAULT_EVAL, evaluatePolicy, writeTrace } from "../eval";
import { overlongShaping } from "../sampling";
import { resolveRunSettings } from "../resolve";
import type { RlSettings } from "../settings";
import { loadWorkspace, splitFile, type Workspace } from "../workspace";
import { usesCritic } from "../advantages";
import { buildRlGraphs, disposeRlGraphs, type RlGraphs, usesReference } from "./graphs";
import { PromptSelector, type PromptSamplerState } from "./prompts";
import { type TrainEvent, type TrainRequest } from "./protocol";
import { RolloutScorer, checkRewardMetrics, rewardMetric } from "./rewards";
import { collectRollouts, type Rollouts } from "./rollout";
import { RunFolder, checkpointName, newRunId, rewardSnapshot } from "./runFolder";
import { stepMetrics } from "./metrics";
import { NonFiniteLossError, prepareBatch, updatePolicy } from "./update";

interface TrainerState {
  step: number;
  sampler: PromptSamplerState;
  best: { step: number; accuracy: number } | null;
}

interface Setup {
  ws: Workspace;
  settings: RlSettings;
  preset: string;
  policy: Policy;
  refParams: ReturnType<typeof cloneParams> | null;
  train: { records: DatasetRecord[]; items: ReturnType<ItemBuilder["item"]>[]; file: string };
  test: { records: DatasetRecord[]; file: string } | null;
  scorer: RolloutScorer;
  run: RunFolder;
  state: TrainerState;
}

export type EmitEvent = (event: TrainEvent) => void;

/** Runs a whole training run (or the rest of a resumed one). Never throws: failures become events. */
export async function runTraining(request: TrainRequest, emit: EmitEvent, signal: AbortSignal): Promise<void> {
  let setup: Setup | null = null;
  try {
    setup = await prepare(request, emit);
    await trainSteps(setup, emit, signal);
  } catch (err) {
    let message = (err as Error).message;
    if (setup && err instanceof NonFiniteLossError) message += await setAsideCheckpoint(setup, err.step - 1);
    if (setup) await setup.run.update({ status: "failed", error: message, endedAt: new Date().toISOString(), pid: undefined });
    emit({ type: "error", message, runDir: setup?.run.dir ?? null, nonFinite: err instanceof NonFiniteLossError });
  } finally {
    setup?.scorer.dispose();
  }
}

async function prepare(request: TrainRequest, emit: EmitEvent): Promise<Setup> {
  const resumeDir = request.resume ? resolve(request.resume) : null;
  const previous = resumeDir ? RunFolder.open(resumeDir).current : null;
  const ws = loadWorkspace(request.workspace);
  const overrides = { ...request.overrides, ...(request.steps ? { total_steps: String(request.steps) } : {}) };
  // A resumed run keeps its own preset and settings; only --set / --steps change them.
  const { preset, settings } = previous
    ? resolveRunSettings({ preset: previous.preset, presetSource: `${resumeDir}: run.json preset`, trainer: previous.settings, trainerSource: `${resumeDir}/run.json`, overrides })
    : resolveRunSettings({ preset: request.preset, trainer: ws.config.trainer, trainerSource: ws.configFile, overrides });

  const trainFile = splitFile(ws, "train");
  const testFile = ws.testData && existsSync(ws.testData) ? ws.testData : null;
  const base = loadPolicy(ws.policyDir);
  const latest = previous && previous.checkpoints.length ? join(resumeDir!, previous.checkpoints[previous.checkpoints.length - 1]) : null;
  const policy = latest ? loadPolicy(latest) : base;
  const builder = new ItemBuilder(policy);
  const trainRecords = await readDataset(trainFile);
  const items = trainRecords.map((r) => builder.item(r, resolve(trainFile, "..")));

  // A run's snapshot also lists the helpers its reward files import; only the reward files are loaded.
  const rewardPaths = previous ? previous.rewards.files.filter((f) => isRewardFile(f.path)).map((f) => join(ws.dir, f.path)) : chosenRewards(ws, request.rewards);
  const rewardFiles = rewardPaths.flatMap((p) => findRewardFiles(p));
  const overlong = overlongShaping(settings);
  const scorer = await RolloutScorer.open(rewardPaths, overlong ? [overlong] : [], undefined, { sandbox: ws.config.sandbox, strictReads: [ws.dir] });
  try {
    checkRewardMetrics(settings, scorer.rewardNames);
  } catch (error) {
    scorer.dispose();
    throw error;
  }
  const names = new Map<string, string[]>();
  for (const r of scorer.loaded.rewards) names.set(r.file, [...(names.get(r.file) ?? []), r.name]);

  let run: RunFolder;
  let state: TrainerState;
  if (resumeDir && previous) {
    run = RunFolder.open(resumeDir);
    const stale = removeInterruptedSaves(join(resumeDir, "checkpoints"));
    if (stale.length) emit({ type: "log", level: "info", message: `removed ${stale.length} unfinished checkpoint save(s) left by the interrupted run: ${stale.join(", ")}` });
    state = (latest ? readTrainerState<TrainerState>(latest) : null) ?? { step: 0, sampler: emptySampler(), best: null };
    run.truncateMetrics(state.step);
    await run.update({ status: "running", error: undefined, endedAt: undefined, pid: process.pid, settings: settings as unknown as Record<string, unknown>, steps: { done: state.step, total: settings.total_steps } });
  } else {
    const id = newRunId(preset);
    const dir = request.out ? resolve(request.out) : join(ws.runsDir, id);
    const now = new Date().toISOString();
    run = await RunFolder.create(dir, {
      id, preset, settings: settings as unknown as Record<string, unknown>, status: "running", startedAt: now,
      steps: { done: 0, total: settings.total_steps }, rewards: await rewardSnapshot(ws.dir, [...rewardFiles, ...workspaceFiles(ws.dir, scorer.loaded.dependencies)], names),
      baseCheckpoint: relative(ws.dir, ws.policyDir) || ".", pid: process.pid, best: null, checkpoints: [],
    }, ws.dir);
    state = { step: 0, sampler: emptySampler(), best: null };
  }
  const refParams = usesReference(settings) ? cloneParams(base.params) : null;
  const test = testFile ? { records: await readDataset(testFile), file: testFile } : null;
  emit({
    type: "started", runDir: run.dir, runId: run.current.id, preset, settings, startStep: state.step,
    rewards: scorer.rewardNames, rewardVersion: run.current.rewards.version, critic: usesCritic(settings),
  });
  return { ws, settings, preset, policy, refParams, train: { records: trainRecords, items, file: trainFile }, test, scorer, run, state };
}

/**
 * The helpers the reward files import that live in the workspace: the snapshot keeps them too (a
 * snapshot without `rewards/lib/` would not compile, and editing a helper changes the version).
 * Helpers outside the workspace are not copied.
 */
function workspaceFiles(workspaceDir: string, files: readonly string[]): string[] {
  return files.filter((file) => {
    const rel = relative(workspaceDir, file);
    return !rel.startsWith("..") && !isAbsolute(rel);
  });
}

/** The reward paths of a run: `--rewards` (inside the workspace, so the snapshot can mirror them) or rewardlab.json's. */
function chosenRewards(ws: Workspace, requested: readonly string[] | undefined): string[] {
  if (!requested?.length) return ws.rewardPaths;
  return requested.map((p) => {
    const abs = resolve(ws.dir, p);
    const rel = relative(ws.dir, abs);
    if (rel.startsWith("..") || isAbsolute(rel)) throw new Error(`--rewards ${p}: reward files must be inside the workspace (${ws.dir}) so the run can keep a snapshot of them`);
    if (!existsSync(abs)) throw new Error(`--rewards ${p}: no such file or folder in ${ws.dir}`);
    return abs;
  });
}

function emptySampler(): PromptSamplerState {
  return { curriculum: { level: 0, recent: [] }, priorities: null };
}

async function trainSteps(s: Setup, emit: EmitEvent, signal: AbortSignal): Promise<void> {
  const { settings, policy, run } = s;
  const graphs = buildRlGraphs(policy.config, settings, policy.params);
  restoreOptimizer(graphs, s);
  const generator = new PolicyGenerator(policy);
  const difficulty = s.train.records.map((r) => Number(r.meta?.difficulty ?? 1));
  const selector = new PromptSelector(settings, difficulty, s.state.sampler);
  const promptLen = Math.max(...s.train.items.map((it) => it.promptIds.length));
  const began = performance.now();
  const firstStep = s.state.step;
  try {
    if (firstStep === 0 && settings.eval_every > 0) await evaluate(s, generator, 0, emit, {});
    for (let step = firstStep + 1; step <= settings.total_steps && !signal.aborted; step++) {
      const t0 = performance.now();
      emit({ type: "progress", step, total: settings.total_steps, phase: "rollout", elapsedS: (performance.now() - began) / 1000 });
      const rollouts = await collectRollouts(generator, s.scorer, { ...s.train, datasetFile: s.train.file }, settings, step,
        (count, batch) => selector.select(step + batch * 100_003, count), run.rolloutsFile(step));
      emit({ type: "progress", step, total: settings.total_steps, phase: "update", elapsedS: (performance.now() - began) / 1000 });
      const t1 = performance.now();
      const batch = await prepareBatch(graphs, policy, s.refParams, rollouts, settings, promptLen);
      const criticOnly = usesCritic(settings) && step <= settings.critic_warmup;
      const lossMetrics = await updatePolicy(graphs, policy.params, batch, rollouts.groups, settings, step, criticOnly);
      const update = (performance.now() - t1) / 1000;
      updateSamplers(selector, rollouts, batch.advantages, batch.T);
      await writeTrace(run.rolloutsFile(step), withAdvantages(rollouts, batch.advantages, batch.T));
      const metrics = stepMetrics(step, rollouts, batch, lossMetrics, { update, step: (performance.now() - t0) / 1000, sinceStart: (performance.now() - began) / 1000 });
      if (settings.eval_every > 0 && (step % settings.eval_every === 0 || step === settings.total_steps)) await evaluate(s, generator, step, emit, metrics);
      run.appendMetrics(metrics);
      emit({ type: "metrics", step, metrics });
      s.state.step = step;
      s.state.sampler = selector.state();
      if ((settings.save_every > 0 && step % settings.save_every === 0) || step === settings.total_steps) await checkpoint(s, graphs);
      await run.update({ steps: { done: step, total: settings.total_steps }, best: s.state.best });
    }
    const cancelled = s.state.step < settings.total_steps;
    if (cancelled && s.state.step > 0 && !run.current.checkpoints.includes(checkpointName(s.state.step))) await checkpoint(s, graphs);
    await run.update({ status: cancelled ? "cancelled" : "completed", endedAt: new Date().toISOString(), pid: undefined });
    const last = run.current.checkpoints.at(-1);
    emit({ type: "done", status: cancelled ? "cancelled" : "completed", runDir: run.dir, step: s.state.step, checkpoint: last ? join(run.dir, last) : null, best: s.state.best });
  } finally {
    await generator.dispose();
    await disposeRlGraphs(graphs);
  }
}

function restoreOptimizer(graphs: RlGraphs, s: Setup): void {
  const last = s.run.current.checkpoints.at(-1);
  if (!last || s.state.step === 0) return;
  const dir = join(s.run.dir, last);
  const actor = readOptimizerState(dir, "actor");
  if (actor) graphs.optimizer.actor.importState(actor);
  const critic = readOptimizerState(dir, "critic");
  if (critic) graphs.optimizer.critic.importState(critic);
}

/**
 * The weights saved after `step` are the ones whose loss went non-finite at the next step: they are
 * moved out of the run's checkpoints (kept beside them as `<name>.nonfinite`), so resuming or
 * evaluating "the latest checkpoint" never picks them. Returns what to add to the error message.
 */
async function setAsideCheckpoint(s: Setup, step: number): Promise<string> {
  const name = checkpointName(step);
  const checkpoints = s.run.current.checkpoints;
  const last = checkpoints.at(-2) ?? null;
  if (checkpoints.at(-1) !== name) return checkpoints.length ? `; last good checkpoint: ${checkpoints.at(-1)}` : "";
  const aside = `${name}.nonfinite`;
  rmSync(join(s.run.dir, aside), { recursive: true, force: true });
  renameSync(join(s.run.dir, name), join(s.run.dir, aside));
  await s.run.update({ checkpoints: checkpoints.slice(0, -1) });
  return `; the weights saved after step ${step} produced it and were set aside (${aside})${last ? `; last good checkpoint: ${last}` : ""}`;
}

async function checkpoint(s: Setup, graphs: RlGraphs): Promise<void> {
  const name = checkpointName(s.state.step);
  for (const [param, data] of s.policy.params) {
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new NonFiniteLossError(`weight ${param}[${bad}] is ${data[bad]} after step ${s.state.step}; not saved as a checkpoint`, s.state.step + 1);
  }
  saveCheckpoint(join(s.run.dir, name), s.policy, {
    state: s.state,
    optimizers: { actor: graphs.optimizer.actor.exportState(), critic: graphs.optimizer.critic.exportState() },
  });
  const checkpoints = [...s.run.current.checkpoints.filter((c) => c !== name), name];
  await s.run.update({ checkpoints });
}

async function evaluate(s: Setup, generator: PolicyGenerator, step: number, emit: EmitEvent, into: Record<string, number>): Promise<void> {
  if (!s.test) return;
  emit({ type: "progress", step, total: s.settings.total_steps, phase: "eval", elapsedS: 0 });
  const file = s.run.evalFile(step);
  const result = await evaluatePolicy(generator, s.test.records, s.test.file, file, {
    ...DEFAULT_EVAL, temperature: s.settings.val_temperature, maxNewTokens: s.settings.max_response_length, seed: s.settings.seed,
  });
  await writeTrace(file, result.records);
  const m = result.metrics;
  Object.assign(into, { "eval/accuracy": m.accuracy, "eval/format_rate": m.format_rate, "eval/response_length": m.response_length });
  if (m.iou !== null) into["eval/iou"] = m.iou;
  if (m.answer_top_share !== null) into["eval/answer_top_share"] = m.answer_top_share;
  // Per question type and difficulty level: a gain that shows in every type is a skill; one type
  // rising while others fall is a policy trading one answer for another.
  for (const [type, r] of Object.entries(result.byType)) into[`eval/accuracy/type/${type}`] = r.accuracy;
  for (const [level, r] of Object.entries(result.byLevel)) into[`eval/accuracy/level/${level}`] = r.accuracy;
  if (!s.state.best || m.accuracy > s.state.best.accuracy) s.state.best = { step, accuracy: m.accuracy };
  if (step === 0) {
    s.run.appendMetrics({ step: 0, ...into });
    emit({ type: "metrics", step: 0, metrics: { step: 0, ...into } });
  }
  emit({ type: "eval", step, metrics: m, byType: result.byType, file });
}

function updateSamplers(selector: PromptSelector, r: Rollouts, advantages: Float32Array, T: number): void {
  if (selector.prioritized) {
    const byPrompt = new Map<number, number[]>();
    r.prompts.forEach((p, b) => byPrompt.set(p, [...(byPrompt.get(p) ?? []), advantages[b * T]]));
    for (const [p, adv] of byPrompt) selector.prioritized.update(p, adv);
  }
  if (selector.settings.curriculum === "by_accuracy") {
    const values = Array.from(rewardMetric(r.rewards, selector.settings.curriculum_metric)).filter(Number.isFinite);
    if (values.length > 0) selector.curriculum.record(values.reduce((a, v) => a + v / values.length, 0));
  }
}

function withAdvantages(r: Rollouts, advantages: Float32Array, T: number) {
  return r.records.map((record, b) => ({
    ...record,
    rewards: r.rewards.perSample[b],
    // The total this response was trained on: equals `rewardlab score`'s total for it (tested).
    meta: { ...record.meta, trained_total: r.rewards.total[b] },
    tokens: record.tokens?.map((tok, t) => ({ ...tok, advantage: Math.round(advantages[b * T + t] * 1e4) / 1e4 })),
  }));
}
