import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";
import type { CliIO } from "../../src/cli/command";

function io(cwd: string) {
  const out: string[] = [], err: string[] = [];
  const value: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd, interactive: false };
  return { io: value, out, err };
}

function workspace(reward: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-export-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/v.reward.ts"), reward);
  return dir;
}

test("export openrlhf writes both flag spellings, a serve script and JSON; bash reads the arrays", async () => {
  const dir = workspace(`export default { name: "v", score: () => 1 };\n`);
  const run = io(dir);
  const code = await main(["export", "openrlhf", ".", "--out", "out", "--port", "5123", "--label-key", "label", "--json"], run.io);
  assert.equal(code, 0, run.err.join(""));
  const manifest = JSON.parse(readFileSync(join(dir, "out/openrlhf.json"), "utf8"));
  assert.deepEqual(manifest.args, ["--reward.remote_url", "http://127.0.0.1:5123/get_reward", "--data.input_key", "prompt", "--data.label_key", "label"]);
  assert.deepEqual(manifest.legacy_args.slice(0, 2), ["--remote_rm_url", "http://127.0.0.1:5123/get_reward"]);
  assert.ok(statSync(join(dir, "out/serve_reward.sh")).mode & 0o100);
  assert.match(readFileSync(join(dir, "out/serve_reward.sh"), "utf8"), /rewardlab serve --rewards .*rewards --host 127\.0\.0\.1 --port 5123/);
  assert.match(readFileSync(join(dir, "out/README.md"), "utf8"), /--remote_rm_url/);
  const bash = spawnSync("bash", ["-c", `source ${join(dir, "out/openrlhf_args.sh")} && printf '%s\\n' "\${REWARDLAB_OPENRLHF_ARGS[@]}"`], { encoding: "utf8" });
  assert.equal(bash.status, 0, bash.stderr);
  assert.deepEqual(bash.stdout.trim().split("\n"), manifest.args);
});

test("export refuses rewards that do not compile (exit 3, nothing written) and unknown trainers", async () => {
  const dir = workspace(`export default { name: "v", score: () => ( };\n`);
  const run = io(dir);
  assert.equal(await main(["export", "openrlhf", ".", "--out", "out"], run.io), 3);
  assert.ok(!existsSync(join(dir, "out")));
  const other = io(dir);
  assert.equal(await main(["export", "deepspeed", ".", "--out", "out"], other.io), 2);
  assert.match(other.err.join(""), /unknown trainer "deepspeed"/);
});
