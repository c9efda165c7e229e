// `rewardlab test`: the cases reward files pin (issue 23 item 2, CLI).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";

const root = join(__dirname, "../..");

async function run(args: string[], cwd: string) {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, interactive: false });
  return { code, stdout, stderr };
}

test("both sample workspaces' examples pass, including the hacks their hackable rewards fall for", async () => {
  for (const [workspace, folder] of [["math-cot", "rewards"], ["math-cot", "hackable"], ["shapes-vqa", "rewards"], ["shapes-vqa", "hackable"]]) {
    const result = await run(["test", folder], join(root, "sample-workspaces", workspace));
    assert.equal(result.code, 0, `${workspace}/${folder}: ${result.stdout}${result.stderr}`);
    assert.match(result.stdout, / passed, 0 failed/);
  }
  const hack = await run(["test", "hackable"], join(root, "sample-workspaces/math-cot"));
  assert.match(hack.stdout, /✔ concise example 1 \(THE HACK: no reasoning, wrong answer, full reward\): 1/);
});

test("a failing example exits 1 naming the reward, the case and what it got; a throwing reward is a failure; --json lists the cases", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-test-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(
    join(dir, "rewards/len.reward.ts"),
    `export default { name: "short", score: (s) => { if (s.completion === "boom") throw new Error("no"); return s.completion.length < 5 ? 1 : 0; },
  examples: [{ completion: "abc", expect: 1 }, { completion: "abcdefgh", expect: 1, note: "should be short" }, { completion: "boom", expect: 0 }] };\n`,
  );
  const human = await run(["test"], dir);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /✔ short example 1: 1/);
  assert.match(human.stdout, /✖ short example 2 \(should be short\): expected 1, got 0 {2}\[rewards\/len\.reward\.ts\]/);
  assert.match(human.stdout, /✖ short example 3: expected 0, threw: .*len\.reward\.ts:1:\d+: no/);
  assert.match(human.stdout, /1 passed, 2 failed/);
  const json = await run(["test", "--json"], dir);
  const parsed = JSON.parse(json.stdout) as { passed: number; failed: number; cases: { ok: boolean; got: number | null }[] };
  assert.deepEqual([parsed.passed, parsed.failed, parsed.cases.map((c) => c.ok)], [1, 2, [true, false, false]]);
  // A malformed examples list is a load error naming the file (exit 3).
  writeFileSync(join(dir, "rewards/len.reward.ts"), 'export default { name: "short", score: () => 1, examples: [{ completion: "x", expect: "1" }] };\n');
  const bad = await run(["test"], dir);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /len\.reward\.ts: invalid reward definition: examples\.0\.expect/);
});
