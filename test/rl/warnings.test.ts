import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricRow } from "../../src/rl/runs";
import { componentNames, detectWarnings, WARNING_THRESHOLDS } from "../../src/rl/warnings";

/** mulberry32: small seeded generator, so the "noisy" series are the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Curve = (progress: number) => number;
const flat = (value: number): Curve => () => value;
const ramp = (from: number, to: number): Curve => (p) => from + (to - from) * p;

/**
 * A run of `steps` steps: each training metric follows its curve (progress 0 -> 1) plus uniform
 * noise of +-`noise`; eval metrics are written every `evalEvery` steps and at step 0.
 */
function series(curves: Record<string, Curve>, options: { steps?: number; noise?: number; evalEvery?: number; seed?: number } = {}): MetricRow[] {
  const { steps = 40, noise = 0.02, evalEvery = 10, seed = 1 } = options;
  const rand = random(seed);
  const rows: MetricRow[] = [];
  for (let step = 0; step <= steps; step++) {
    const row: MetricRow = { step };
    for (const [key, curve] of Object.entries(curves)) {
      const isEval = key.startsWith("eval/");
      if (isEval ? step % evalEvery !== 0 : step === 0) continue;
      row[key] = curve(step / steps) + (rand() * 2 - 1) * noise;
    }
    rows.push(row);
  }
  return rows;
}

const kinds = (rows: MetricRow[]) => detectWarnings(rows).map((w) => w.kind);

const healthy = {
  "reward/total/mean": ramp(0.3, 0.8),
  "reward/accuracy/mean": ramp(0.2, 0.6),
  "reward/format/mean": ramp(0.6, 0.95),
  "eval/accuracy": ramp(0.25, 0.55),
  "response_length/mean": ramp(90, 120),
  "response_length/clip_ratio": flat(0.02),
  "actor/entropy": ramp(1.1, 0.8),
};

test("a healthy run (noisy, several seeds) raises no warning", () => {
  for (let seed = 1; seed <= 5; seed++) assert.deepEqual(kinds(series(healthy, { seed })), [], `seed ${seed}`);
});

test("too few points: no judgement", () => {
  const short = series({ ...healthy, "eval/accuracy": flat(0.3), "actor/entropy": ramp(1, 0.01) }, { steps: WARNING_THRESHOLDS.minPoints - 1, evalEvery: 2 });
  assert.deepEqual(kinds(short), []);
});

test("reward up while held-out accuracy stays flat or falls", () => {
  const flatAccuracy = detectWarnings(series({ ...healthy, "eval/accuracy": flat(0.3) }, { noise: 0 }));
  assert.deepEqual(flatAccuracy.map((w) => w.kind), ["reward-without-accuracy"]);
  assert.match(flatAccuracy[0].message, /^Training reward rose from 0\.\d\d to 0\.\d\d while held-out accuracy stayed flat \(0\.30 → 0\.30\)/);
  assert.deepEqual([flatAccuracy[0].fromStep, flatAccuracy[0].toStep], [0, 40]);
  const falling = detectWarnings(series({ ...healthy, "eval/accuracy": ramp(0.4, 0.3) }));
  assert.match(falling[0].message, /held-out accuracy fell/);
  // Negative: accuracy rises with the reward; or there is no eval at all; or the reward is flat.
  assert.deepEqual(kinds(series({ ...healthy, "eval/accuracy": ramp(0.3, 0.36) })), []);
  const noEval: Record<string, Curve> = { ...healthy };
  delete noEval["eval/accuracy"];
  assert.deepEqual(kinds(series(noEval)), []);
  assert.deepEqual(kinds(series({ ...healthy, "reward/total/mean": flat(0.5), "eval/accuracy": flat(0.3) })), []);
});

test("response-length blow-up, by growth or by answers hitting the length limit", () => {
  const grown = detectWarnings(series({ ...healthy, "response_length/mean": ramp(60, 260) }));
  assert.deepEqual(grown.map((w) => w.kind), ["length-blowup"]);
  assert.match(grown[0].message, /^Mean response length grew \d\.\d× \(\d+ → \d+ tokens\): /);
  const clipped = detectWarnings(series({ ...healthy, "response_length/clip_ratio": ramp(0, 0.5) }));
  assert.match(clipped[0].message, /^\d+% of responses now hit the length limit \(\d+% early on\)/);
  // Negative: short answers doubling by a few tokens, or a run that was always clipped a little.
  assert.deepEqual(kinds(series({ ...healthy, "response_length/mean": ramp(8, 30) })), []);
  assert.deepEqual(kinds(series({ ...healthy, "response_length/clip_ratio": flat(0.1) })), []);
});

test("one reward component rising alone while the others stay flat", () => {
  const lone = detectWarnings(series({ ...healthy, "reward/accuracy/mean": flat(0.3), "reward/iou/mean": ramp(0.5, 0.49), "reward/format/mean": ramp(0.3, 0.95), "eval/accuracy": flat(0.3) }));
  assert.deepEqual(lone.map((w) => w.kind), ["reward-without-accuracy", "lone-component"]);
  assert.equal(lone[1].title, 'Only "format" improves');
  assert.match(lone[1].message, /^Only the "format" reward rose \(0\.\d\d → 0\.[89]\d\) while "accuracy", "iou" did not/);
  // Negative: two components rising together; a single component (nothing to compare with); the
  // accuracy reward rising alone while format is already at 1 and held-out accuracy rises with it
  // (math-cot's good GRPO run).
  assert.deepEqual(kinds(series(healthy)), []);
  assert.deepEqual(kinds(series({ ...healthy, "reward/accuracy/mean": ramp(0.5, 0.85), "reward/format/mean": flat(1), "reward/arithmetic/mean": ramp(0.97, 0.86) })), []);
  assert.deepEqual(kinds(series({ "reward/total/mean": ramp(0.2, 0.8), "reward/format/mean": ramp(0.2, 0.8) })), []);
  assert.deepEqual(componentNames(series(healthy)), ["accuracy", "format"]);
});

test("entropy collapse: a large relative drop, or falling under the floor", () => {
  const collapsed = detectWarnings(series({ ...healthy, "actor/entropy": ramp(1.2, 0.05) }, { noise: 0.01 }));
  assert.deepEqual(collapsed.map((w) => w.kind), ["entropy-collapse"]);
  assert.match(collapsed[0].message, /^Policy entropy fell from 1\.\d\d to 0\.\d\d nats per token/);
  assert.deepEqual(kinds(series({ ...healthy, "actor/entropy": ramp(0.3, 0.02) }, { noise: 0 })), ["entropy-collapse"]);
  // Negative: a gentle decline, as in a healthy run.
  assert.deepEqual(kinds(series({ ...healthy, "actor/entropy": ramp(1.2, 0.6) })), []);
});

test("answer collapse: one answer takes over a question type's held-out answers", () => {
  // eval/answer_top_share at steps 0, 10, ..., 90 of the 90-step default GRPO run on shapes-vqa
  // (README): count-shape went from "1" on 25 of 45 questions to 40 of 45, while accuracy rose.
  const measured = [0.649, 0.86, 0.912, 0.877, 0.842, 0.844, 0.867, 0.822, 0.844, 0.889];
  const rows = measured.map((share, i) => ({ step: i * 10, "eval/answer_top_share": share, "eval/accuracy": 0.245 + 0.008 * i }));
  const warnings = detectWarnings(rows);
  assert.deepEqual(warnings.map((w) => w.kind), ["answer-collapse"]);
  assert.match(warnings[0].message, /^One answer now makes up 87% of the held-out answers to a question type \(65% at step 0\)/);
  assert.deepEqual([warnings[0].fromStep, warnings[0].toStep], [0, 90]);
  // Negative: concentrated from the start (a task whose answers are mostly one value), or rising but still varied.
  assert.deepEqual(kinds(series({ ...healthy, "eval/answer_top_share": flat(0.8) })), []);
  assert.deepEqual(kinds(series({ ...healthy, "eval/answer_top_share": ramp(0.2, 0.5) })), []);
  assert.deepEqual(kinds(series({ ...healthy, "eval/answer_top_share": ramp(0.4, 0.9) }, { noise: 0 })), ["answer-collapse"]);
});

test("a hacked run shows several signatures at once, in a fixed order; row order does not matter", () => {
  const hacked = series({
    "reward/total/mean": ramp(0.3, 0.9),
    "reward/format/mean": ramp(0.3, 0.95),
    "reward/accuracy/mean": flat(0.25),
    "eval/accuracy": flat(0.3),
    "response_length/mean": ramp(80, 400),
    "actor/entropy": ramp(1, 0.1),
  });
  const expected = ["reward-without-accuracy", "length-blowup", "lone-component", "entropy-collapse"];
  assert.deepEqual(kinds(hacked), expected);
  assert.deepEqual(kinds([...hacked].reverse()), expected);
  for (const warning of detectWarnings(hacked)) assert.equal(warning.message.split(/\.\s/).length, 1, `one sentence: ${warning.message}`);
});
