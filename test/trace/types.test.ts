import { test } from "node:test";
import assert from "node:assert/strict";
import { defineReward } from "../../src/reward/api/index";

test("defineReward returns its definition unchanged", () => {
  const reward = { name: "x", score: () => 1 };
  assert.equal(defineReward(reward), reward);
});
