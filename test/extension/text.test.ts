import assert from "node:assert/strict";
import { test } from "node:test";
import { annotationText, hoverMarkdown, verdict } from "../../src/extension/annotations/annotationText";
import { groupFailures, splitLocation } from "../../src/extension/scoring/locations";
import { describeStats, rewardStats } from "../../src/extension/traces/rewardStats";
import { declaredRewards, rewardsOfFile } from "../../src/extension/views/declaredRewards";
import type { SampleRow } from "../../src/protocol/traceViewer";

const row: SampleRow = { index: 0, line: 1, id: "s-1", group: "p_1", rewards: { acc: 1, fmt: null }, total: 1, advantage: 0.8, length: 3 };

test("annotation text shows total, rewards, advantage and errors", () => {
  assert.equal(annotationText(row, "all"), "Σ 1.00 · acc 1.00 · fmt – · adv +0.80");
  assert.equal(annotationText({ ...row, error: "acc: boom" }, "total"), "Σ 1.00 · adv +0.80 · ⚠ acc: boom");
  assert.equal(verdict(row, 1), "good");
  assert.equal(verdict({ ...row, advantage: -1 }, 1), "bad");
  assert.equal(verdict({ ...row, advantage: null, total: 0.5 }, 1), "mid");
});

test("hover markdown escapes ids and lists step scores", () => {
  const markdown = hoverMarkdown(row, { steps: [1, null] });
  assert.match(markdown, /\*\*s\\-1\*\* · group p\\_1/);
  assert.match(markdown, /Steps \(steps\): 1: 1\.00 · 2: –/);
});

test("engine error locations split into file, line, column and message", () => {
  assert.deepEqual(splitLocation("/w/r/a.reward.ts:6:43: error: no answer"), { location: { file: "/w/r/a.reward.ts", line: 6, column: 43 }, message: "no answer" });
  assert.deepEqual(splitLocation("plain message"), { message: "plain message" });
  const groups = groupFailures([
    { reward: "r", message: "boom", location: "/a.ts:2:3", sample: { id: "s1", file: "t", line: 4 } },
    { reward: "r", message: "boom", location: "/a.ts:2:3", sample: { id: "s2", file: "t", line: 9 } },
  ]);
  assert.equal(groups.length, 1);
  assert.equal(groups[0].count, 2);
  assert.equal(groups[0].firstSample.id, "s1");
  const [both] = groupFailures([{ reward: "r", message: "/a.ts:2:3: boom", location: "/a.ts:2:3", sample: { id: "s", file: "t", line: 1 } }]);
  assert.equal(both.message, "boom", "a location in the message is not repeated");
  assert.deepEqual(both.location, { file: "/a.ts", line: 2, column: 3 });
});

test("reward statistics and their one-line description", () => {
  const stats = rewardStats([[row, { ...row, rewards: { acc: 0 } }]]).get("acc");
  assert.ok(stats);
  assert.equal(describeStats(stats), "mean 0.50 · 2 samples");
  assert.equal(describeStats({ name: "x", mean: 0.62, nulls: 3, errors: 2, samples: 1024 }), "mean 0.62 · 3 null · 2 errors · 1,024 samples");
});

test("reward declarations are found with their line, weight, kind and declaring call", () => {
  const text = ['import { defineReward, fromTrl } from "rewardlab";', "export default [defineReward({", '  name: "acc",', '  kind: "process",', "  weight: 0.5,", "}),", 'fromTrl("trl_fmt", () => [])];'].join("\n");
  assert.deepEqual(declaredRewards(text), [
    { name: "acc", line: 2, declarationLine: 1, weight: 0.5, kind: "process" },
    { name: "trl_fmt", line: 6, declarationLine: 6, weight: undefined, kind: undefined },
  ]);
});

test("a helper's name: option is not a reward; the engine's list names rewards the text does not", () => {
  const text = [
    'import { defineReward, iouReward, formatReward } from "rewardlab";',
    'const inner = iouReward({ name: "iou", convention: "pixel-inclusive" });',
    "",
    "export default defineReward({",
    '  name: "iou",',
    "  weight: 0.5,",
    "  score: (s, ctx) => inner.score(s, ctx),",
    "});",
  ].join("\n");
  assert.deepEqual(declaredRewards(text), [{ name: "iou", line: 4, declarationLine: 3, weight: 0.5, kind: undefined }]);
  const format = 'import { formatReward } from "rewardlab";\n\nexport default formatReward({ weight: 0.5, strict: true });\n';
  assert.deepEqual(declaredRewards(format), []);
  assert.deepEqual(rewardsOfFile(format, "/w/rewards/format.reward.ts", [{ name: "format", weight: 0.5, kind: "outcome", file: "/w/rewards/format.reward.ts" }, { name: "other", weight: 1, kind: "outcome", file: "/w/rewards/other.reward.ts" }]), [
    { name: "format", weight: 0.5, kind: "outcome", line: 2, declarationLine: 2 },
  ]);
  assert.deepEqual(rewardsOfFile(text, "/w/rewards/iou.reward.ts", undefined), declaredRewards(text), "before the engine loads: the text's declarations");
});
