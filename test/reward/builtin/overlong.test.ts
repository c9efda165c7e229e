import { test } from "node:test";
import assert from "node:assert/strict";
import type { TokenInfo } from "../../../src/reward/api/types";
import { overlongPenalty } from "../../../src/reward/builtin/overlong";
import { fakeContext, makeSample, scoreOf } from "./sample";

const tokens = (n: number): TokenInfo[] => Array.from({ length: n }, () => ({ text: "x" }));
const withTokens = (n: number) => makeSample({ completion: "x".repeat(n), tokens: tokens(n) });

test("DAPO soft overlong penalty: L_max = 100, L_cache = 20", () => {
  const reward = overlongPenalty({ maxLength: 100, bufferLength: 20 });
  assert.equal(reward.name, "overlong");
  assert.equal(reward.weight, 1);
  assert.equal(scoreOf(reward, withTokens(10)), 0);
  assert.equal(scoreOf(reward, withTokens(80)), 0, "L = L_max - L_cache");
  assert.equal(scoreOf(reward, withTokens(81)), -1 / 20);
  assert.equal(scoreOf(reward, withTokens(90)), -0.5, "midpoint of the buffer");
  assert.equal(scoreOf(reward, withTokens(100)), -1, "L = L_max");
  assert.equal(scoreOf(reward, withTokens(101)), -1, "beyond L_max: clipped at -factor");
  assert.equal(scoreOf(reward, withTokens(500)), -1);
});

test("penaltyFactor scales the penalty", () => {
  const reward = overlongPenalty({ maxLength: 100, bufferLength: 20, penaltyFactor: 0.5 });
  assert.equal(scoreOf(reward, withTokens(90)), -0.25);
  assert.equal(scoreOf(reward, withTokens(100)), -0.5);
  assert.equal(scoreOf(reward, withTokens(140)), -0.5);
});

test("clipBeyondMax: false follows verl's unclipped min(-exceed / buffer * factor, 0)", () => {
  const reward = overlongPenalty({ maxLength: 100, bufferLength: 20, clipBeyondMax: false });
  assert.equal(scoreOf(reward, withTokens(90)), -0.5);
  assert.equal(scoreOf(reward, withTokens(120)), -2);
});

test("chars unit counts characters", () => {
  const reward = overlongPenalty({ maxLength: 10, bufferLength: 4, unit: "chars" });
  assert.equal(scoreOf(reward, makeSample({ completion: "abcdef" })), 0);
  assert.equal(scoreOf(reward, makeSample({ completion: "abcdefgh" })), -0.5);
});

test("tokens fall back to chars / 4 and log length_estimated", () => {
  const reward = overlongPenalty({ maxLength: 100, bufferLength: 20 });
  const ctx = fakeContext();
  // 360 chars -> 90 estimated tokens -> midpoint
  assert.equal(scoreOf(reward, makeSample({ completion: "x".repeat(360) }), ctx), -0.5);
  assert.deepEqual(ctx.metrics, [["length_estimated", 1]]);
  const exact = fakeContext();
  scoreOf(reward, withTokens(90), exact);
  assert.deepEqual(exact.metrics, []);
});

test("invalid options throw", () => {
  assert.throws(() => overlongPenalty({ maxLength: 100, bufferLength: 0 }), /bufferLength/);
  assert.throws(() => overlongPenalty({ maxLength: 10, bufferLength: 20 }), /maxLength/);
});
