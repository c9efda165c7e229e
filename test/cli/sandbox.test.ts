// `--sandbox` of score and serve, and the workspace's "sandbox" it overrides (rewardlab.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";
import { scoreCommand } from "../../src/cli/commands/score";
import { serveCommand } from "../../src/cli/commands/serve";

async function run(args: string[], cwd: string) {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, interactive: false });
  return { code, stdout, stderr };
}

/** A workspace with `config` as rewardlab.json and one reward that writes a file. */
function workspace(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-cli-sandbox-"));
  writeFileSync(join(dir, "rewardlab.json"), JSON.stringify(config));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/writes.reward.ts"), `import { defineReward } from "rewardlab";
import { writeFileSync } from "node:fs";
export default defineReward({ name: "writes", score(sample) { writeFileSync(${JSON.stringify(join(dir, "out.txt"))}, sample.id); return 1; } });
`);
  writeFileSync(join(dir, "t.trace.jsonl"), `${JSON.stringify({ id: "a", completion: "x" })}\n`);
  return dir;
}

test("score follows the workspace's \"sandbox\": strict, and --sandbox worker overrides it", async () => {
  const dir = workspace({ sandbox: "strict" });
  const strict = await run(["score", "t.trace.jsonl", "--json"], dir);
  assert.equal(strict.code, 0, strict.stderr);
  assert.equal(JSON.parse(strict.stdout).rewards.writes.errors, 1);
  assert.ok(!existsSync(join(dir, "out.txt")));
  const human = await run(["score", "t.trace.jsonl"], dir);
  assert.match(human.stdout, /reward "writes": .*writes\.reward\.ts:3:\d+: the strict sandbox denied writing .*out\.txt/);
  const worker = await run(["score", "t.trace.jsonl", "--sandbox", "worker", "--json"], dir);
  assert.equal(JSON.parse(worker.stdout).rewards.writes.mean, 1);
  assert.ok(existsSync(join(dir, "out.txt")));
});

test("score --sandbox strict applies without a workspace setting; unknown modes are usage errors naming where", async () => {
  const dir = workspace({});
  const strict = await run(["score", "t.trace.jsonl", "--sandbox", "strict", "--json"], dir);
  assert.equal(JSON.parse(strict.stdout).rewards.writes.errors, 1);
  const flag = await run(["score", "t.trace.jsonl", "--sandbox", "tight"], dir);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--sandbox: unknown sandbox "tight"; use worker or strict/);
  const config = await run(["score", "t.trace.jsonl"], workspace({ sandbox: "tight" }));
  assert.equal(config.code, 2);
  assert.match(config.stderr, /rewardlab\.json: "sandbox": unknown sandbox "tight"/);
});

test("score and serve document --sandbox; serve recommends strict", () => {
  assert.match(scoreCommand.usage, /--sandbox MODE/);
  assert.match(serveCommand.usage, /--sandbox MODE[\s\S]*recommended here/);
});
