import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as builtin from "../../../src/reward/builtin/index";

test("index exports every factory and helper", () => {
  for (const name of [
    "formatReward",
    "answerMatchReward",
    "iouReward",
    "overlongPenalty",
    "repetitionPenalty",
    "lengthReward",
    "stepCountReward",
    "answersMatch",
    "normalizeAnswer",
    "boxIou",
    "boxGiou",
    "matchBoxes",
    "toPixelBox",
  ]) {
    assert.equal(typeof (builtin as Record<string, unknown>)[name], "function", name);
  }
});

test("every factory applies name and weight options", () => {
  const factories = [
    () => builtin.formatReward({ name: "n", weight: 2 }),
    () => builtin.answerMatchReward({ name: "n", weight: 2 }),
    () => builtin.iouReward({ name: "n", weight: 2 }),
    () => builtin.overlongPenalty({ name: "n", weight: 2, maxLength: 10, bufferLength: 5 }),
    () => builtin.repetitionPenalty({ name: "n", weight: 2 }),
    () => builtin.lengthReward({ name: "n", weight: 2, target: 5 }),
    () => builtin.lengthReward({ name: "n", weight: 2 }),
    () => builtin.stepCountReward({ name: "n", weight: 2 }),
  ];
  for (const make of factories) {
    const reward = make();
    assert.equal(reward.name, "n");
    assert.equal(reward.weight, 2);
  }
});

// The built-ins are bundled into the sandbox worker and the `rewardlab` library: pure, no node built-ins.
test("built-ins import only the reward API types, the trace types and each other", () => {
  const dir = new URL("../../../src/reward/builtin/", import.meta.url).pathname;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const source = readFileSync(join(dir, file), "utf8");
    for (const match of source.matchAll(/^(?:import|export)\b[^;]*?from\s+"([^"]+)"/gms)) {
      const specifier = match[1];
      const allowed = specifier === "../api/types" || specifier === "../../trace/types" || /^\.\/[A-Za-z]+$/.test(specifier);
      // The ONNX PRM reads its model from disk; the tokenizer and ONNX Runtime load lazily on first
      // use (types only here), so other rewards never pay for them.
      if (file.startsWith("prm") && !allowed) {
        assert.ok(["node:fs", "node:path"].includes(specifier) || /^import type\b/.test(match[0]), `${file} imports ${specifier}`);
        continue;
      }
      // The math verifier reuses the one answer extractor (trace/answer.ts: pure, imports only trace types).
      if (file.startsWith("math") && specifier === "../../trace/answer") continue;
      assert.ok(allowed, `${file} imports ${specifier}`);
      if (specifier.startsWith("..")) assert.match(match[0], /^(import|export) type\b/, `${file}: ${specifier} must be a type-only import`);
    }
  }
});
