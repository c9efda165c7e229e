import { test } from "node:test";
import assert from "node:assert/strict";
import type { BatchReward, RewardSample, Step } from "../../../src/reward/api/types";
import { lengthReward, stepCountReward } from "../../../src/reward/builtin/length";
import { fakeContext, makeSample, scoreOf } from "./sample";

const chars = (n: number, fields: Partial<RewardSample> = {}) => makeSample({ completion: "x".repeat(n), ...fields });
const steps = (n: number): Step[] => Array.from({ length: n }, (_, index) => ({ index, text: "s", span: { start: 0, end: 1 } }));

test("lengthReward with a target: -min(|L - T| / T, 1)", () => {
  const reward = lengthReward({ target: 100, unit: "chars" });
  assert.equal(reward.name, "length");
  assert.equal(scoreOf(reward, chars(100)), 0);
  assert.equal(scoreOf(reward, chars(50)), -0.5);
  assert.equal(scoreOf(reward, chars(150)), -0.5);
  assert.equal(scoreOf(reward, chars(0)), -1);
  assert.equal(scoreOf(reward, chars(400)), -1);
  assert.throws(() => lengthReward({ target: 0 }), /target/);
});

test("lengthReward in tokens uses the sample's tokens", () => {
  const reward = lengthReward({ target: 10 });
  const tokens = Array.from({ length: 5 }, () => ({ text: "t" }));
  assert.equal(scoreOf(reward, chars(400, { tokens })), -0.5);
});

test("lengthReward without a target: Kimi k1.5 group-relative length reward", () => {
  const reward: BatchReward = lengthReward({ unit: "chars" });
  assert.equal(reward.kind, "batch");
  const samples = [
    chars(10, { group: "p1" }),
    chars(20, { group: "p1" }),
    chars(30, { group: "p1" }),
    chars(30, { group: "p1", answer: "4", answerText: "5" }), // wrong: min(0, λ)
    chars(10, { group: "p1", answer: "4", answerText: "4" }), // right: λ
    chars(10, { group: "p1", answer: "4", answerText: null }), // no answer: wrong
    chars(50, { group: "p2" }),
    chars(50, { group: "p2" }),
    chars(70, { group: undefined }),
  ];
  assert.deepEqual(reward.scoreBatch(samples, fakeContext()), [0.5, 0, -0.5, -0.5, 0.5, 0, 0, 0, 0]);
});

test("stepCountReward: 1 within [min, max]", () => {
  const reward = stepCountReward({ min: 2, max: 4 });
  assert.equal(reward.name, "step_count");
  assert.equal(scoreOf(reward, makeSample({ steps: steps(1) })), 0);
  assert.equal(scoreOf(reward, makeSample({ steps: steps(2) })), 1);
  assert.equal(scoreOf(reward, makeSample({ steps: steps(4) })), 1);
  assert.equal(scoreOf(reward, makeSample({ steps: steps(5) })), 0);
  assert.equal(scoreOf(stepCountReward(), makeSample({ steps: [] })), 0, "default min is 1");
  assert.equal(scoreOf(stepCountReward(), makeSample({ steps: steps(100) })), 1, "default max is unlimited");
  assert.throws(() => stepCountReward({ min: 3, max: 2 }), /min/);
});
