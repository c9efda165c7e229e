// The minimal GRPO example (src/rl/example) runs end to end and learns: the probability of the
// rewarded token rises from 1/6 and the mean reward follows. Seeded, so two runs agree exactly.

import { test } from "node:test";
import assert from "node:assert/strict";
import { runMinimalGrpo } from "../../src/rl/example/minimal-grpo";

test("minimal GRPO loop learns to emit the rewarded token (seeded, < 5 s)", async () => {
  const started = Date.now();
  const history = await runMinimalGrpo({ steps: 25, seed: 0 });
  const first = history.slice(0, 5), last = history.slice(-5);
  const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
  assert.ok(history[0].pTarget < 0.25, `starts near 1/6: ${history[0].pTarget}`);
  assert.ok(history.at(-1)!.pTarget > 0.6, `p(target) after 25 steps: ${history.at(-1)!.pTarget}`);
  assert.ok(mean(last.map((h) => h.meanReward)) > mean(first.map((h) => h.meanReward)) + 0.3, "reward rises");
  assert.ok(history.every((h) => Number.isFinite(h.metrics["actor/pg_loss"]) && h.metrics["actor/kl"] >= 0), "finite loss, non-negative k3 KL");
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);

  const again = await runMinimalGrpo({ steps: 3, seed: 0 });
  assert.deepEqual(again, history.slice(0, 3), "same seed, same run");
});
