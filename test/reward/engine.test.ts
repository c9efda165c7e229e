import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardEngine } from "../../src/reward/engine";
import { RewardTimeoutError, RewardSandboxError } from "../../src/reward/sandbox/pool";

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-engine-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const traces = [
  { id: "a1", group: "p1", completion: "<think>Step 1: 2+2=4\nStep 2: so 4</think><answer>4</answer>", answer: "4", extra: { keep: true } },
  { id: "a2", group: "p1", completion: "<think>hmm</think><answer>5</answer>", answer: "4" },
  { id: "b1", group: "p2", completion: "no tags at all", answer: "7" },
].map((r) => JSON.stringify(r));

const accuracy = `import { defineReward } from "rewardlab";
export default defineReward({
  name: "accuracy",
  score(sample) {
    return sample.answerText === String(sample.answer) ? 1 : 0;
  },
});
`;

async function engineFor(files: Record<string, string>, options: Partial<ConstructorParameters<typeof RewardEngine>[0]> = {}) {
  const dir = workspace({ "data/t.trace.jsonl": traces.join("\n") + "\n{broken\n", ...files });
  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 1, ...options });
  const loaded = await engine.load();
  return { dir, engine, loaded, trace: join(dir, "data/t.trace.jsonl") };
}

test("scores outcome, process and TRL-style rewards; malformed line reported, rest scored", async () => {
  const { engine, loaded, trace } = await engineFor({
    "rewards/accuracy.reward.ts": accuracy,
    "rewards/steps.reward.ts": `import { defineReward } from "rewardlab";
export default defineReward({ name: "steps", kind: "process", aggregate: "min", weight: 0.5,
  score: (s) => s.steps.map((step) => (step.text.includes("4") ? 1 : 0)) });`,
    "rewards/trl.reward.ts": `import { fromTrl } from "rewardlab";
export default fromTrl("has_answer", (prompts, completions, kwargs) => completions.map((c, i) => (kwargs.answer[i] === "7" ? null : c.includes("<answer>") ? 1 : 0)));`,
  });
  assert.deepEqual(loaded.errors, []);
  assert.deepEqual(loaded.rewards.map((r) => r.name).sort(), ["accuracy", "has_answer", "steps"]);
  const table = await engine.scoreFile(trace);
  const summary = table.summary();
  assert.equal(summary.samples, 3);
  assert.equal(summary.malformed_lines, 1);
  assert.equal(table.malformed[0].line, 4);
  assert.match(table.malformed[0].message, /t\.trace\.jsonl:4/);
  const first = table.sampleScores(0);
  assert.deepEqual(first.rewards, { accuracy: 1, has_answer: 1, steps: 1 });
  assert.equal(first.reward, 1 + 1 + 0.5);
  assert.deepEqual(first.step_rewards, { steps: [1, 1] });
  assert.equal(table.sampleScores(2).rewards.has_answer, null);
  // GRPO advantage within group p1 (totals 2.5 and 1 + 0.5*0 = 1): +-1/sqrt(2) * (1.5/1.5)
  const a0 = table.sampleScores(0).advantage!;
  const a1 = table.sampleScores(1).advantage!;
  assert.ok(Math.abs(a0 + a1) < 1e-9 && a0 > 0.7 && a0 < 0.71, `advantages ${a0} ${a1}`);
  // a single-sample group: mean 0, std 1 (verl)
  assert.equal(table.sampleScores(2).advantage, table.sampleScores(2).reward! / (1 + 1e-6));
  engine.dispose();
});

test("an exception on one sample names the sample's reward file line; others still score", async () => {
  const { engine, trace } = await engineFor({
    "rewards/flaky.reward.ts": `import { defineReward } from "rewardlab";

function check(id: string) {
  if (id === "a2") throw new Error("boom on " + id);
  return 1;
}
export default defineReward({ name: "flaky", score: (s) => check(s.id) });`,
    "rewards/accuracy.reward.ts": accuracy,
  });
  const table = await engine.scoreFile(trace);
  const scores = table.sampleScores(1);
  assert.equal(scores.rewards.flaky, null);
  assert.equal(scores.rewards.accuracy, 0);
  assert.match(scores.reward_errors!.flaky, /flaky\.reward\.ts:4:\d+: boom on a2/);
  assert.equal(table.summary().rewards.flaky.errors, 1);
  assert.equal(table.sampleScores(0).rewards.flaky, 1);
  engine.dispose();
});

test("hostile thrown values (a Proxy, an Error whose message getter throws) and hostile return values fail that sample, naming the reward", async () => {
  const { engine, trace } = await engineFor({
    "rewards/hostile.reward.ts": `export default { name: "hostile", score: (s) => {
  if (s.id === "a1") throw new Proxy({}, { get() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } });
  if (s.id === "a2") { const e = new Error("x"); Object.defineProperty(e, "message", { get() { throw new Error("getter"); } }); throw e; }
  if (s.id === "b1") return new Proxy({}, { get() { throw new Error("trap"); } });
  return 1;
} };`,
    "rewards/accuracy.reward.ts": accuracy,
  });
  const table = await engine.scoreFile(trace);
  for (let i = 0; i < table.size; i++) {
    const scores = table.sampleScores(i);
    assert.ok(scores.rewards.accuracy !== undefined, "the other reward still scored");
    if (scores.rewards.hostile === null) assert.match(scores.reward_errors!.hostile, /threw a value whose message cannot be read|must be|trap/);
  }
  assert.equal(table.summary().rewards.hostile.errors, 3);
  engine.dispose();
});

test("NaN, Infinity, undefined and wrong step counts are clear errors", async () => {
  const { engine, trace } = await engineFor({
    "rewards/bad.reward.ts": `import { defineReward } from "rewardlab";
export default [
  defineReward({ name: "nan", score: (s) => (s.id === "a1" ? NaN : s.id === "a2" ? Infinity : (undefined as unknown as number)) }),
  defineReward({ name: "steps", kind: "process", aggregate: "mean", score: () => [1, 2, 3, 4, 5, 6, 7] }),
];`,
  });
  const table = await engine.scoreFile(trace);
  assert.match(table.sampleScores(0).reward_errors!.nan, /NaN; return a finite number/);
  assert.match(table.sampleScores(1).reward_errors!.nan, /Infinity/);
  assert.match(table.sampleScores(2).reward_errors!.nan, /undefined \(missing return\?\)/);
  assert.match(table.sampleScores(0).reward_errors!.steps, /returned 7 scores for 2 steps/);
  engine.dispose();
});

test("an infinite loop is killed and reported as a timeout naming the reward and file", async () => {
  const { engine, trace } = await engineFor(
    { "rewards/loop.reward.ts": `import { defineReward } from "rewardlab";\nexport default defineReward({ name: "loop", score(s) { while (s.id === "a2") {} return 1; } });` },
    { timeoutMs: 300 },
  );
  await assert.rejects(engine.scoreFile(trace), (error: Error) => {
    assert.ok(error instanceof RewardTimeoutError);
    assert.match(error.message, /reward "loop" \(.*loop\.reward\.ts\) timed out.*300 ms.*t\.trace\.jsonl:2/);
    return true;
  });
  // The pool replaces the killed worker: a fixed engine scores again.
  engine.dispose();
});

test("a reward that allocates without bound hits the memory limit", async () => {
  const { engine, trace } = await engineFor(
    { "rewards/hog.reward.ts": `import { defineReward } from "rewardlab";\nconst hoard: number[][] = [];\nexport default defineReward({ name: "hog", score() { for (;;) hoard.push(new Array(1e6).fill(1)); } });` },
    { memoryMb: 64, timeoutMs: 20000 },
  );
  await assert.rejects(engine.scoreFile(trace), (error: Error) => {
    assert.ok(error instanceof RewardSandboxError, String(error));
    assert.match(error.message, /reward "hog" .*ran out of memory.*64 MB/);
    return true;
  });
  engine.dispose();
});

test("compile errors report file:line:col; invalid exports and duplicate names are load errors", async () => {
  const { engine, loaded } = await engineFor({
    "rewards/syntax.reward.ts": `import { defineReward } from "rewardlab";\nexport default defineReward({ name: "x", score() { return 1 +; } });`,
    "rewards/noexport.reward.ts": `export const x = 1;`,
    "rewards/a.reward.ts": accuracy,
    "rewards/b.reward.ts": accuracy,
    "rewards/weight.reward.ts": `export default { name: "w", weight: "heavy", score: () => 1 };`,
  });
  const messages = loaded.errors.map((e) => e.message).join("\n");
  assert.match(messages, /syntax\.reward\.ts:2:\d+: error: /);
  assert.match(messages, /noexport\.reward\.ts: no default export/);
  assert.match(messages, /b\.reward\.ts: reward name "accuracy" is already defined in .*a\.reward\.ts/);
  assert.match(messages, /weight\.reward\.ts: invalid reward definition: weight/);
  assert.deepEqual(loaded.rewards.map((r) => r.name), ["accuracy"]);
  engine.dispose();
});

test("reward names that other keys would swallow or confuse are load errors naming the file", async () => {
  const { engine, loaded } = await engineFor({
    "rewards/proto.reward.ts": `export default { name: "__proto__", score: () => 1 };`,
    "rewards/pipe.reward.ts": `export default { name: "a|b", score: () => 1 };`,
    "rewards/total.reward.ts": `export default { name: "total", score: () => 1 };`,
    "rewards/ok.reward.ts": `export default { name: "answer-match.v2", score: () => 1 };`,
  });
  const messages = loaded.errors.map((e) => e.message).join("\n");
  assert.match(messages, /proto\.reward\.ts: invalid reward definition: name is reserved \(total, score/);
  assert.match(messages, /pipe\.reward\.ts: invalid reward definition: name may use only letters, digits, _ \. -/);
  assert.match(messages, /total\.reward\.ts: invalid reward definition: name is reserved/);
  assert.deepEqual(loaded.rewards.map((r) => r.name), ["answer-match.v2"]);
  engine.dispose();
});

test("rescore reuses kept samples and picks up the new reward version", async () => {
  const { dir, engine, trace } = await engineFor({ "rewards/accuracy.reward.ts": accuracy });
  const first = await engine.scoreFile(trace, { keep: true });
  assert.equal(first.sampleScores(0).rewards.accuracy, 1);
  writeFileSync(join(dir, "rewards/accuracy.reward.ts"), accuracy.replace("? 1 : 0", "? 10 : 0"));
  const reloaded = await engine.load();
  assert.equal(reloaded.version, 2);
  const second = await engine.rescore(trace);
  assert.equal(second.sampleScores(0).rewards.accuracy, 10);
  assert.equal(second.summary().malformed_lines, 1);
  engine.dispose();
});

test("scoreRecords scores in-memory records with verl-style functions", async () => {
  const { engine } = await engineFor({
    "rewards/verl.reward.ts": `import { fromVerl } from "rewardlab";
export default fromVerl("verl_acc", (source, solution, truth) => ({ score: solution.includes(String(truth)) ? 1 : 0, pred_len: solution.length }));`,
  });
  const table = await engine.scoreRecords([{ completion: "answer 42", answer: 42 }, { completion: "no", answer: 1 }]);
  assert.deepEqual(table.sampleScores(0).rewards, { verl_acc: 1 });
  assert.deepEqual(table.sampleScores(0).reward_metrics, { "verl_acc/pred_len": 9 });
  assert.equal(table.sampleScores(1).reward, 0);
  engine.dispose();
});

test("process rewards are compared with the data's step labels (agreement and confusion)", async () => {
  const { engine } = await engineFor({
    "rewards/prm.reward.ts": `export default { name: "prm", kind: "process", aggregate: "min", score: (s) => s.steps.map((st) => (st.text.includes("bad") ? 0 : 1)) };`,
  });
  const table = await engine.scoreRecords([
    { completion: "ok one\nbad two", steps: [{ text: "ok one", label: 1 }, { text: "bad two", label: -1 }] },
    { completion: "fine\nbad but labelled good", steps: [{ text: "fine", label: 0 }, { text: "bad but labelled good", label: 1 }] },
  ]);
  const agreement = table.summary().step_labels!.prm;
  assert.equal(agreement.steps, 4);
  assert.deepEqual(agreement.confusion, { "+1": { good: 1, bad: 1 }, "0": { good: 1, bad: 0 }, "-1": { good: 0, bad: 1 } });
  assert.equal(agreement.agreement, 2 / 3);
  engine.dispose();
});

test("small chunks, CRLF, non-ASCII text and async rewards: ids, groups and scores stay in file order", async () => {
  const records = Array.from({ length: 30 }, (_, i) => ({ id: `r${i}-数`, group: `g${i >> 2}`, completion: `<think>x</think><answer>${i}</answer>`, answer: String(i % 3 === 0 ? i : -1) }));
  const lines = records.map((r) => JSON.stringify(r));
  lines.splice(10, 0, "{not json", "");
  const dir = workspace({
    "data/t.trace.jsonl": lines.join("\r\n") + "\r\n",
    "rewards/acc.reward.ts": `import { answerMatchReward } from "rewardlab";\nexport default answerMatchReward({ name: "acc" });`,
    "rewards/slow.reward.ts": `import { defineReward } from "rewardlab";
export default defineReward({ name: "slow", async score(s) { await new Promise((r) => setTimeout(r, 0)); return s.completion.length; } });`,
  });
  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 2, chunkBytes: 150 });
  await engine.load();
  const table = await engine.scoreFile(join(dir, "data/t.trace.jsonl"));
  assert.equal(table.size, 30);
  assert.deepEqual(table.ids, records.map((r) => r.id));
  assert.deepEqual(table.groups, records.map((r) => r.group));
  assert.deepEqual(table.malformed.map((m) => m.line), [11]);
  assert.deepEqual(Array.from(table.lines.subarray(0, 30)), records.map((_, i) => (i < 10 ? i + 1 : i + 3)));
  records.forEach((r, i) => {
    assert.deepEqual(table.sampleScores(i).rewards, { acc: i % 3 === 0 ? 1 : 0, slow: r.completion.length });
  });
  engine.dispose();
});

test("a reward file that loops at top level fails the load within the limit, naming the file, instead of hanging", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-engine-loop-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/a.reward.ts"), `export default { name: "a", score: () => 1 };`);
  writeFileSync(join(dir, "rewards/loop.reward.ts"), `for (;;) {}\nexport default { name: "loop", score: () => 1 };`);
  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 1, loadTimeoutMs: 2000 });
  try {
    const started = performance.now();
    await assert.rejects(engine.load(), /loop\.reward\.ts: loading did not finish within 2000 ms; does its top-level code loop or wait forever\?/);
    assert.ok(performance.now() - started < 8000);
  } finally {
    engine.dispose();
  }
});
