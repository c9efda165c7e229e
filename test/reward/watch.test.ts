import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardEngine } from "../../src/reward/engine";
import { RewardWatcher, type RescoreEvent } from "../../src/reward/watch";

const reward = (value: number) => `export default { name: "v", score: () => ${value} };\n`;

test("saving a reward file re-scores kept samples; results carry the new version", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-watch-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/v.reward.ts"), reward(1));
  const trace = join(dir, "t.trace.jsonl");
  writeFileSync(trace, Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: `s${i}`, completion: "x" })).join("\n"));
  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 1 });
  const events: RescoreEvent[] = [];
  let notify: () => void = () => {};
  const watcher = new RewardWatcher(engine, [trace], {
    onResult: (event) => {
      events.push(event);
      notify();
    },
    onError: (error) => assert.fail(error),
  });
  await watcher.start();
  assert.equal(events[0].tables.get(trace)!.sampleScores(0).rewards.v, 1);
  const next = new Promise<void>((resolve) => (notify = resolve));
  writeFileSync(join(dir, "rewards/v.reward.ts"), reward(7));
  await next;
  const last = events[events.length - 1];
  assert.ok(last.load.version > events[0].load.version);
  assert.equal(last.tables.get(trace)!.sampleScores(49).rewards.v, 7);
  assert.equal(last.tables.get(trace)!.size, 50);
  watcher.stop();
  engine.dispose();
});
