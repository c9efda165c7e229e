import assert from "node:assert/strict";
import { test } from "node:test";
import { BASE_SETTINGS } from "../../src/rl/presets";
import type { TrainEvent } from "../../src/rl/trainer/protocol";
import { eventLogLine, finalMessage, formatDuration, TrainingProgress } from "../../src/rl/trainer/progress";
import { EventLoopProbe } from "../../src/extension/training/responsiveness";

const started = (startStep = 0, total = 10): TrainEvent => ({
  type: "started", runDir: "/ws/runs/r1", runId: "r1", preset: "grpo", settings: { ...BASE_SETTINGS, total_steps: total },
  startStep, rewards: ["format", "accuracy"], rewardVersion: "abc", critic: false,
});
const progress = (step: number, phase: "rollout" | "update" | "eval" = "rollout"): TrainEvent => ({ type: "progress", step, total: 10, phase, elapsedS: 0 });
const metrics = (step: number, reward = 0.5): TrainEvent => ({ type: "metrics", step, metrics: { step, "reward/total/mean": reward } });

test("progress says the step, phase and reward, and an ETA from the steps trained so far", () => {
  let now = 0;
  const p = new TrainingProgress(() => now);
  assert.match(p.message(), /^starting/);
  p.apply(started());
  // The step-0 evaluation takes 30 s: it must not count into the time per step.
  p.apply(progress(0, "eval"));
  now = 30_000;
  p.apply(metrics(0, 0));
  p.apply(progress(1));
  assert.equal(p.message(), "step 0/10 · rollout · ETA after the first step · reward 0");
  now = 32_000;
  p.apply(metrics(1, 0.25));
  now = 34_000;
  p.apply(metrics(2, 0.5));
  p.apply(progress(3, "update"));
  assert.equal(p.etaSeconds, 16, "2 s per step, 8 steps left");
  assert.equal(p.message(), "step 2/10 · update · ETA 16s · reward 0.5");
  assert.equal(p.fraction, 0.2);
});

test("a resumed run times only its own steps", () => {
  let now = 0;
  const p = new TrainingProgress(() => now);
  p.apply(started(6, 10));
  assert.equal(p.step, 6);
  p.apply(progress(7));
  now = 5_000;
  p.apply(metrics(7));
  assert.equal(p.etaSeconds, 15, "5 s for step 7, 3 steps left");
});

test("the final message says how the run ended and what to do", () => {
  const done = finalMessage({ type: "done", status: "cancelled", runDir: "/ws/runs/r1", step: 3, checkpoint: "/ws/runs/r1/checkpoints/step-00003", best: { step: 2, accuracy: 0.125 } }, "r1");
  assert.equal(done.failed, false);
  assert.match(done.text, /run r1 cancelled after step 3 \(checkpoint kept: resume it from the Runs view\); best held-out accuracy 0\.125 at step 2/);
  const nan = finalMessage({ type: "error", message: "loss is NaN at step 4", runDir: "/ws/runs/r2", nonFinite: true }, undefined);
  assert.equal(nan.failed, true);
  assert.match(nan.text, /run r2 failed: loss is NaN at step 4\. .*last good checkpoint is kept/);
  const crash = finalMessage({ type: "error", message: "rewardlab.json: not valid JSON", runDir: null, nonFinite: false }, undefined);
  assert.equal(crash.text, "RewardLab: training failed: rewardlab.json: not valid JSON.");
});

test("log lines for events; none for progress", () => {
  assert.equal(eventLogLine(progress(1)), undefined);
  assert.match(eventLogLine(started(2)) ?? "", /run r1 \(grpo\).*rewards format, accuracy \(version abc\), resuming after step 2/);
  assert.match(eventLogLine(metrics(3, 0.123456)) ?? "", /step 3 reward 0\.123 kl – /);
});

test("durations read as people read them", () => {
  assert.deepEqual([formatDuration(4.4), formatDuration(185), formatDuration(3720), formatDuration(Number.NaN)], ["4s", "3m05s", "1h02m", "?"]);
});

test("the event-loop probe sees a blocked loop", async () => {
  const probe = new EventLoopProbe(10);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const until = performance.now() + 120;
  while (performance.now() < until); // block the loop like a synchronous ORT run would
  await new Promise((resolve) => setTimeout(resolve, 30));
  const summary = probe.stop();
  assert.ok(summary.max >= 80, `max delay ${summary.max} ms after a 120 ms block`);
  assert.ok(summary.p50 < summary.max);
  assert.equal(probe.stop(), summary, "stop() is idempotent");
});
