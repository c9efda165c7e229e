// The strict sandbox (`sandbox: "strict"`): the same reward worker in a child process under Node's
// permission model. Reward code that writes, starts processes or reads outside the workspace gets a
// clear error naming the reward and its file:line; everything else scores as in the worker sandbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RewardEngine } from "../../src/reward/engine";
import { RewardTimeoutError } from "../../src/reward/sandbox/pool";
import { outermost, type SandboxMode } from "../../src/reward/sandbox/strict";
import type { ScoreTable } from "../../src/reward/table";
import { SEPARATOR, writePrmFolder } from "./prmFixture";

process.env.RL_STRICT_TEST_SECRET = "s3cret";

const reward = (name: string, body: string, imports = "") =>
  `import { defineReward } from "rewardlab";\n${imports}\nexport default defineReward({ name: "${name}", score(sample) {\n  ${body}\n} });\n`;

/** A workspace whose rewards each try one thing the strict sandbox refuses, plus two it allows. */
function workspace(): { dir: string; outside: string } {
  const dir = mkdtempSync(join(tmpdir(), "rl-strict-ws-"));
  const outside = join(mkdtempSync(join(tmpdir(), "rl-strict-outside-")), "secret.txt");
  writeFileSync(outside, "secret\n");
  writeFileSync(join(dir, "rewardlab.json"), "{}\n");
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "notes.txt"), "inside\n");
  const files: Record<string, string> = {
    "writes.reward.ts": reward("writes", `writeFileSync(${JSON.stringify(join(dir, "out.txt"))}, sample.id);\n  return 1;`, `import { writeFileSync } from "node:fs";`),
    "spawns.reward.ts": reward("spawns", `execSync("true");\n  return 1;`, `import { execSync } from "node:child_process";`),
    "passwd.reward.ts": reward("passwd", `return readFileSync("/etc/passwd", "utf8").length > 0 ? 1 : 0;`, `import { readFileSync } from "node:fs";`),
    "outside.reward.ts": reward("outside", `return readFileSync(${JSON.stringify(outside)}, "utf8") === "secret\\n" ? 1 : 0;`, `import { readFileSync } from "node:fs";`),
    "inside.reward.ts": reward("inside", `return readFileSync(${JSON.stringify(join(dir, "notes.txt"))}, "utf8") === "inside\\n" ? 1 : 0;`, `import { readFileSync } from "node:fs";`),
    // Environment variables (tokens, often) are not passed to the strict sandbox process.
    "env.reward.ts": reward("env", `return process.env.RL_STRICT_TEST_SECRET === "s3cret" ? 1 : 0;`),
    // compute-engine, required lazily from RewardLab's own node_modules, must load in both modes.
    "symbolic.reward.ts": `import { defineReward, mathEqual } from "rewardlab";\nexport default defineReward({ name: "symbolic", score: () => (mathEqual("\\\\frac{x}{2}", "$0.5x$") ? 1 : 0) });\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "rewards", name), text);
  writeFileSync(join(dir, "t.trace.jsonl"), `${JSON.stringify({ id: "a", completion: "x" })}\n${JSON.stringify({ id: "b", completion: "y" })}\n`);
  return { dir, outside };
}

async function scoreWith(sandbox: SandboxMode, dir: string, trace: string, rewards = join(dir, "rewards")): Promise<ScoreTable> {
  const engine = new RewardEngine({ rewards, sandbox, strictReads: [dir], workers: 1 });
  try {
    const load = await engine.load();
    assert.deepEqual(load.errors, []);
    return await engine.scoreFile(trace);
  } finally {
    engine.dispose();
  }
}

test("strict sandbox: writing, starting a process, reading /etc/passwd or a file outside the workspace fail with the reward's name and file:line", async () => {
  const { dir, outside } = workspace();
  const table = await scoreWith("strict", dir, join(dir, "t.trace.jsonl"));
  const scores = table.sampleScores(0);
  assert.equal(scores.rewards.inside, 1);
  assert.equal(scores.rewards.env, 0);
  assert.equal(scores.rewards.symbolic, 1);
  const expected: Record<string, RegExp> = {
    writes: new RegExp(`writes\\.reward\\.ts:4:\\d+: the strict sandbox denied writing ${join(dir, "out.txt")}`),
    spawns: /spawns\.reward\.ts:4:\d+: the strict sandbox denied starting a child process/,
    passwd: /passwd\.reward\.ts:4:\d+: the strict sandbox denied reading \/etc\/passwd/,
    outside: new RegExp(`outside\\.reward\\.ts:4:\\d+: the strict sandbox denied reading ${outside}`),
  };
  for (const [name, pattern] of Object.entries(expected)) {
    assert.equal(scores.rewards[name], null, name);
    assert.match(scores.reward_errors?.[name] ?? "", pattern, name);
    assert.match(scores.reward_errors?.[name] ?? "", /sandbox": "worker"/, name);
  }
  assert.deepEqual(Object.keys(scores.reward_errors ?? {}).sort(), Object.keys(expected).sort());
});

test("worker sandbox: the same rewards are allowed and score 1", async () => {
  const { dir } = workspace();
  const table = await scoreWith("worker", dir, join(dir, "t.trace.jsonl"));
  for (let i = 0; i < table.size; i++) {
    assert.deepEqual(table.sampleScores(i).rewards, { writes: 1, spawns: 1, passwd: 1, outside: 1, inside: 1, env: 1, symbolic: 1 });
  }
});

for (const sample of ["math-cot", "shapes-vqa"]) {
  test(`${sample}: strict and worker sandboxes give identical results on the shipped rollouts`, async () => {
    const dir = resolve(__dirname, "../../sample-workspaces", sample);
    const trace = join(dir, "data/rollouts.trace.jsonl");
    const [worker, strict] = [await scoreWith("worker", dir, trace), await scoreWith("strict", dir, trace)];
    assert.ok(worker.size > 0);
    assert.deepEqual(strict.summary(), worker.summary());
    for (let i = 0; i < worker.size; i++) assert.deepEqual(strict.sampleScores(i), worker.sampleScores(i));
  });
}

test("strict sandbox: a reward that loops is timed out and disabled, named with its file and line, and the others still score", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-strict-loop-"));
  writeFileSync(join(dir, "loop.reward.ts"), reward("loop", `while (sample.id === "b") {}\n  return 1;`));
  writeFileSync(join(dir, "ok.reward.ts"), reward("ok", "return 0.5;"));
  writeFileSync(join(dir, "t.trace.jsonl"), `${JSON.stringify({ id: "a", completion: "x" })}\n${JSON.stringify({ id: "b", completion: "y" })}\n`);
  const engine = new RewardEngine({ rewards: dir, sandbox: "strict", workers: 1, timeoutMs: 1500, disableFailingRewards: true });
  try {
    await engine.load();
    const table = await engine.scoreFile(join(dir, "t.trace.jsonl"));
    assert.deepEqual(table.sampleScores(1).rewards, { loop: null, ok: 0.5 });
    const [disabled] = engine.disabled;
    assert.ok(disabled.error instanceof RewardTimeoutError);
    assert.match(disabled.error.message, /^reward "loop" \(.*loop\.reward\.ts\) timed out: .* \(at t\.trace\.jsonl:2\)/);
  } finally {
    engine.dispose();
  }
});

test("a reward that runs out of heap is named with its file and line, disabled, and the others still score, in both sandboxes alike", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-strict-oom-"));
  writeFileSync(join(dir, "hog.reward.ts"), reward("hog", `const kept: number[][] = [];\n  while (sample.id === "b") kept.push(new Array(1e5).fill(1));\n  return 1;`));
  writeFileSync(join(dir, "ok.reward.ts"), reward("ok", "return 0.5;"));
  writeFileSync(join(dir, "t.trace.jsonl"), `${JSON.stringify({ id: "a", completion: "x" })}\n${JSON.stringify({ id: "b", completion: "y" })}\n`);
  const outcomes: unknown[] = [];
  for (const sandbox of ["worker", "strict"] as const) {
    const engine = new RewardEngine({ rewards: dir, sandbox, workers: 1, memoryMb: 64, timeoutMs: 20_000, disableFailingRewards: true });
    try {
      await engine.load();
      const table = await engine.scoreFile(join(dir, "t.trace.jsonl"));
      // The batch is scored again without the culprit, so both samples lose it.
      assert.deepEqual(table.sampleScores(1).rewards, { hog: null, ok: 0.5 }, sandbox);
      assert.match(engine.disabled[0]?.error.message ?? "", /^reward "hog" \(.*hog\.reward\.ts\) ran out of memory \(at t\.trace\.jsonl:2\): the worker exceeded its 64 MB heap limit/, sandbox);
      outcomes.push([table.sampleScores(0), table.sampleScores(1), engine.disabled.map((d) => d.error.message)]);
    } finally {
      engine.dispose();
    }
  }
  assert.deepEqual(outcomes[1], outcomes[0]);
});

test("strict sandbox: a reward that needs a native addon (onnxPrm, onnxruntime-node) fails saying why", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-strict-prm-"));
  writePrmFolder(join(dir, "models/prm"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/prm.reward.ts"), `import { onnxPrm } from "rewardlab";\nexport default onnxPrm({ model: "models/prm", separator: "${SEPARATOR}", aggregate: "mean" });\n`);
  writeFileSync(join(dir, "rewardlab.json"), "{}\n");
  writeFileSync(join(dir, "t.trace.jsonl"), `${JSON.stringify({ id: "a", completion: "-", steps: [{ text: "2+3=5" }] })}\n`);
  const table = await scoreWith("strict", dir, join(dir, "t.trace.jsonl"));
  assert.match(Object.values(table.sampleScores(0).reward_errors ?? {}).join("\n"), /onnxruntime-node could not be loaded .*: Cannot load native addon because loading addons is disabled/);
});

test("strict sandbox: hot reload re-scores the samples kept in the sandbox processes with the new rewards", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-strict-reload-"));
  writeFileSync(join(dir, "r.reward.ts"), reward("r", "return sample.completion.length;"));
  writeFileSync(join(dir, "t.trace.jsonl"), `${JSON.stringify({ id: "a", completion: "x" })}\n${JSON.stringify({ id: "b", completion: "yy" })}\n`);
  const engine = new RewardEngine({ rewards: dir, sandbox: "strict", workers: 2 });
  try {
    await engine.load();
    const first = await engine.scoreFile(join(dir, "t.trace.jsonl"), { keep: true });
    assert.deepEqual([first.sampleScores(0).rewards.r, first.sampleScores(1).rewards.r], [1, 2]);
    writeFileSync(join(dir, "r.reward.ts"), reward("r", "return 10 * sample.completion.length;"));
    await engine.load();
    const second = await engine.rescore(join(dir, "t.trace.jsonl"));
    assert.deepEqual([second.sampleScores(0).rewards.r, second.sampleScores(1).rewards.r], [10, 20]);
  } finally {
    engine.dispose();
  }
});

test("outermost: keeps only paths not inside another (Node 20's permission tree denies a folder given with a path inside it)", () => {
  assert.deepEqual(outermost(["/w/a/b", "/w/a", "/w/ab", "/x", "/w/a"]), ["/w/a", "/w/ab", "/x"]);
});
