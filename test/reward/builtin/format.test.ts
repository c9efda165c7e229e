import { test } from "node:test";
import assert from "node:assert/strict";
import { formatReward } from "../../../src/reward/builtin/format";
import { makeSample, scoreOf } from "./sample";

const score = (completion: string, options: Parameters<typeof formatReward>[0] = {}) =>
  scoreOf(formatReward(options), makeSample({ completion }));

test("formatReward defaults: name, weight, kind", () => {
  const reward = formatReward();
  assert.equal(reward.name, "format");
  assert.equal(reward.weight, 1);
  assert.equal(reward.kind, "outcome");
  assert.equal(formatReward({ name: "fmt", weight: 0.5 }).weight, 0.5);
});

test("lenient: think then answer, whitespace and surrounding text allowed", () => {
  assert.equal(score("<think>a</think><answer>3</answer>"), 1);
  assert.equal(score("  <think>\nreason\n</think>\n\n<answer>\n3\n</answer>\n"), 1);
  assert.equal(score("Sure. <think>a</think> <answer>3</answer> done"), 1);
  assert.equal(score("<think>a</think>x<answer>3</answer>"), 0, "text between the blocks");
  assert.equal(score("<answer>3</answer><think>a</think>"), 0, "wrong order");
  assert.equal(score("<think>a</think>"), 0, "no answer");
  assert.equal(score("<think>a</think><answer>3"), 0, "unclosed answer");
  assert.equal(score("<think>a<answer>3</answer>"), 0, "unclosed think");
  assert.equal(score("<answer>3</answer>"), 0, "think required by default");
  assert.equal(score("<think>a</think>b</think><answer>3</answer>"), 1, "a later </think> may precede the answer");
});

test("strict: nothing outside the tags, one of each", () => {
  const strict = { strict: true };
  assert.equal(score("<think>a</think>\n<answer>3</answer>", strict), 1);
  assert.equal(score("\n<think>a</think><answer>3</answer>\n", strict), 1, "surrounding whitespace is trimmed");
  assert.equal(score("Sure. <think>a</think><answer>3</answer>", strict), 0);
  assert.equal(score("<think>a</think><answer>3</answer> done", strict), 0);
  assert.equal(score("<think>a<think>b</think><answer>3</answer>", strict), 0);
  assert.equal(score("<think>a</think><answer>3</answer><answer>4</answer>", strict), 0);
  assert.equal(score("<think>a</think><answer>3 </think></answer>", strict), 0);
});

test("requireThink: false accepts the answer block alone", () => {
  assert.equal(score("<answer>3</answer>", { requireThink: false }), 1);
  assert.equal(score("<answer>3</answer>", { requireThink: false, strict: true }), 1);
  assert.equal(score("x <answer>3</answer>", { requireThink: false, strict: true }), 0);
  assert.equal(score("<think>a</think><answer>3</answer>", { requireThink: false, strict: true }), 1);
  assert.equal(score("no tags", { requireThink: false }), 0);
});

test("thinkOpenedInPrompt: completion starts inside the think block", () => {
  const opened = { thinkOpenedInPrompt: true };
  assert.equal(score("reasoning</think><answer>3</answer>"), 0);
  assert.equal(score("reasoning</think><answer>3</answer>", opened), 1);
  assert.equal(score("reasoning</think>\n<answer>3</answer>", { ...opened, strict: true }), 1);
  assert.equal(score("<think>repeated</think><answer>3</answer>", { ...opened, strict: true }), 1);
  assert.equal(score("reasoning<answer>3</answer>", opened), 0, "still needs </think>");
});
