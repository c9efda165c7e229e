import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileRewardFiles } from "../../src/reward/compile";
import { RewardTimeoutError, SandboxPool } from "../../src/reward/sandbox/pool";

test("a batch waiting in a worker's inbox behind one that times out is scored by a fresh worker", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "rl-pool-")), "loop.reward.ts");
  writeFileSync(file, `import { defineReward } from "rewardlab";\nexport default defineReward({ name: "loop", score(s) { while (s.id === "stuck") {} return 1; } });`);
  const { compiled, errors } = await compileRewardFiles([file]);
  assert.deepEqual(errors, []);
  const pool = new SandboxPool({ workers: 1, timeoutMs: 300 });
  await pool.load(compiled, { mode: "auto" });
  // One worker holds both jobs: the first runs, the second waits behind it.
  const stuck = pool.score({ file: "", firstIndex: 0, records: [{ id: "stuck", completion: "x" }], lineNumbers: Int32Array.of(1) });
  const queued = pool.score({ file: "", firstIndex: 1, records: [{ id: "ok", completion: "y" }], lineNumbers: Int32Array.of(2) });
  await assert.rejects(stuck, RewardTimeoutError);
  const { result } = await queued;
  assert.equal(result.values[0][0], 1);
  assert.equal(result.idText, "ok");
  pool.dispose();
});
