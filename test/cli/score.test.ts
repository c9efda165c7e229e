import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, cpSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";

const root = join(__dirname, "../..");

async function run(args: string[], cwd: string) {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, interactive: false });
  return { code, stdout, stderr };
}

function sampleWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-cli-"));
  cpSync(join(root, "sample-workspaces/math-cot/rewards"), join(dir, "rewards"), { recursive: true });
  cpSync(join(root, "sample-workspaces/math-cot/data"), join(dir, "data"), { recursive: true });
  return dir;
}

test("score prints a summary table and writes scored JSONL without touching the input", async () => {
  const dir = sampleWorkspace();
  const input = join(dir, "data/rollouts.trace.jsonl");
  const before = readFileSync(input, "utf8");
  const { code, stdout } = await run(["score", "data/rollouts.trace.jsonl", "--out", "scored.jsonl"], dir);
  assert.equal(code, 0);
  assert.match(stdout, /scored 48 samples/);
  // 34 of 48: mathVerifyReward also credits "So the answer is 32." without <answer> tags, as
  // Math-Verify does (the format reward is what marks those down).
  assert.match(stdout, /accuracy\s+outcome\s+1\s+0\.7083/);
  assert.match(stdout, /arithmetic\s+process\/min/);
  assert.equal(readFileSync(input, "utf8"), before);
  const lines = readFileSync(join(dir, "scored.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 48);
  assert.deepEqual(Object.keys(lines[0].rewards).sort(), ["accuracy", "arithmetic", "format"]);
  assert.equal(typeof lines[0].reward, "number");
  assert.equal(typeof lines[0].advantage, "number");
  assert.equal(lines[0].id, "p0-s0");
  assert.deepEqual(lines[0].step_rewards.arithmetic.length, 2);
});

test("--json prints one machine-readable object", async () => {
  const dir = sampleWorkspace();
  const { code, stdout } = await run(["score", "data/rollouts.trace.jsonl", "--json"], dir);
  assert.equal(code, 0);
  const summary = JSON.parse(stdout);
  assert.equal(summary.samples, 48);
  assert.equal(summary.malformed_lines, 0);
  assert.deepEqual(Object.keys(summary.rewards.accuracy).sort(), ["count", "errors", "max", "mean", "min", "nulls", "std"]);
});

test("malformed lines are reported with line numbers; --strict turns them into exit 1", async () => {
  const dir = sampleWorkspace();
  writeFileSync(join(dir, "data/bad.trace.jsonl"), '{"completion": "<answer>1</answer>", "answer": "1"}\nnot json\n{"id": 3}\n');
  const lenient = await run(["score", "data/bad.trace.jsonl"], dir);
  assert.equal(lenient.code, 0);
  assert.match(lenient.stdout, /2 malformed line\(s\) skipped/);
  assert.match(lenient.stdout, /bad\.trace\.jsonl:2: invalid JSON/);
  assert.match(lenient.stdout, /bad\.trace\.jsonl:3: .*completion/);
  const strict = await run(["score", "data/bad.trace.jsonl", "--strict"], dir);
  assert.equal(strict.code, 1);
});

test("compile errors exit 3 with file:line:col; a missing trace exits 2; refusing to overwrite the input", async () => {
  const dir = sampleWorkspace();
  writeFileSync(join(dir, "rewards/broken.reward.ts"), "export default {\n  name: 'x',, score() {} };\n");
  const broken = await run(["score", "data/rollouts.trace.jsonl"], dir);
  assert.equal(broken.code, 3);
  assert.match(broken.stderr, /broken\.reward\.ts:2:\d+: error:/);

  const clean = sampleWorkspace();
  const missing = await run(["score", "data/nope.trace.jsonl"], clean);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.trace\.jsonl/);
  const same = await run(["score", "data/rollouts.trace.jsonl", "--out", "data/rollouts.trace.jsonl"], clean);
  assert.equal(same.code, 2, "refusing to overwrite the input is a usage error");
  assert.ok(existsSync(join(clean, "data/rollouts.trace.jsonl")));
});

test("a reward that times out is disabled and named (file, line); the other rewards are scored and --out is written; exit 4", async () => {
  const dir = sampleWorkspace();
  // Hangs on one sample (line 5), after scoring the ones before it. The limit leaves room for the
  // accuracy reward to load compute-engine (~0.5 s) in the replacement worker.
  writeFileSync(join(dir, "rewards/spin.reward.ts"), 'export default { name: "spin", score(s) { if (s.id === "p1-s0") for (;;) {} return 1; } };\n');
  const result = await run(["score", "data/rollouts.trace.jsonl", "--timeout", "2500", "--workers", "2", "--out", "scored.jsonl", "--json"], dir);
  assert.equal(result.code, 4);
  assert.match(result.stderr, /reward "spin" \(.*spin\.reward\.ts\) timed out: .* \(at rollouts\.trace\.jsonl:5\)/);
  assert.match(result.stderr, /reward "spin" was disabled for the rest of the run; its samples are counted as failed, the other rewards were scored and scored\.jsonl written/);
  const summary = JSON.parse(result.stdout) as { samples: number; rewards: Record<string, { count: number; errors: number; mean: number }>; disabled_rewards: { reward: string }[] };
  assert.equal(summary.samples, 48);
  assert.deepEqual(summary.disabled_rewards.map((d) => d.reward), ["spin"]);
  assert.equal(summary.rewards.accuracy.count, 48, "the other rewards scored every sample");
  assert.equal(summary.rewards.accuracy.mean, 34 / 48);
  assert.equal(summary.rewards.spin.errors, 48, "the disabled reward failed on every sample of its batch and after");
  const lines = readFileSync(join(dir, "scored.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { reward_errors?: Record<string, string> });
  assert.equal(lines.length, 48);
  assert.match(lines[0].reward_errors?.spin ?? "", /^disabled for the rest of the run: reward "spin"/);
});

test("a reward that crashes its worker (process.exit) is disabled the same way", async () => {
  const dir = sampleWorkspace();
  writeFileSync(join(dir, "rewards/exit.reward.ts"), 'export default { name: "quits", score() { process.exit(3); } };\n');
  const result = await run(["score", "data/rollouts.trace.jsonl", "--json"], dir);
  assert.equal(result.code, 4);
  assert.match(result.stderr, /reward "quits" \(.*exit\.reward\.ts\) crashed the reward worker/);
  assert.equal((JSON.parse(result.stdout) as { rewards: Record<string, { count: number }> }).rewards.format.count, 48);
});

test("help and unknown commands", async () => {
  const help = await run(["--help"], root);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /score\s+score trace files/);
  const unknown = await run(["frobnicate"], root);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test("score reads other trainers' formats through the importers (verl dump, detected by content)", async () => {
  const dir = sampleWorkspace();
  const verl = join(root, "test/fixtures/importers/verl/0.jsonl");
  const { code, stdout } = await run(["score", verl, "--json", "--out", "scored.jsonl"], dir);
  assert.equal(code, 0);
  const summary = JSON.parse(stdout);
  assert.ok(summary.samples > 0);
  const lines = readFileSync(join(dir, "scored.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, summary.samples);
  // GSM8K '#### N' answers are extracted, so our accuracy agrees with verl's own score on every line.
  assert.deepEqual(lines.map((l) => l.rewards.accuracy), lines.map((l) => l.rewards.score));
  assert.equal(lines[0].meta.source.format, "verl");
  assert.equal(typeof lines[0].rewards.score, "number", "the trainer's own score is kept beside ours");
});

test("--out keeps each record as written and adds the scores; records that already hold rewards are merged", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-cli-out-"));
  writeFileSync(join(dir, "r.reward.ts"), `export default { name: "len", score: (s) => s.completion.length };\n`);
  const lines = [
    `{ "id": "a",  "completion": "xy", "x": 1.0, "note": "caf\u00e9" }`,
    `{"id":"b","completion":"xyz","rewards":{"old":0.5,"len":9},"reward":9}`,
    `{"id":"c","completion":"\\u0041","group":"g"}  `,
    `not json`,
    `{"id":"d","completion":"q","group":"g"}`,
  ];
  writeFileSync(join(dir, "in.trace.jsonl"), lines.join("\n") + "\n");
  const { code, stderr } = await run(["score", "in.trace.jsonl", "--rewards", "r.reward.ts", "--out", "out.jsonl"], dir);
  assert.equal(code, 0, stderr);
  const out = readFileSync(join(dir, "out.jsonl"), "utf8").split("\n");
  // Spliced: the user's spacing, number spelling and characters stay as they were.
  assert.equal(out[0], `{ "id": "a",  "completion": "xy", "x": 1.0, "note": "caf\u00e9" ,"rewards":{"len":2},"reward":2}`);
  // Merged through a parse: the earlier rewards stay unless rescored.
  assert.deepEqual(JSON.parse(out[1]), { id: "b", completion: "xyz", rewards: { old: 0.5, len: 3 }, reward: 3 });
  assert.deepEqual(JSON.parse(out[2]), { id: "c", completion: "A", group: "g", rewards: { len: 1 }, reward: 1, advantage: 0 });
  assert.deepEqual(JSON.parse(out[3]), { id: "d", completion: "q", group: "g", rewards: { len: 1 }, reward: 1, advantage: 0 });
  assert.deepEqual(out.slice(4), [""]);
});

test("--out refuses to write when the input changed while it was scored (scores would land on other records)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-cli-changed-"));
  const input = join(dir, "in.trace.jsonl");
  writeFileSync(input, Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `s${i}`, completion: "x".repeat(i) })).join("\n") + "\n");
  // A reward that appends to its own input while scoring: the file grows between the two reads.
  writeFileSync(join(dir, "r.reward.ts"), `import { appendFileSync } from "node:fs";\nlet done = false;\nexport default { name: "len", score: (s) => { if (!done) { done = true; appendFileSync(${JSON.stringify(input)}, ${JSON.stringify(JSON.stringify({ id: "new", completion: "y" }) + "\n")}); } return s.completion.length; } };\n`);
  const { code, stderr } = await run(["score", "in.trace.jsonl", "--rewards", "r.reward.ts", "--out", "out.jsonl"], dir);
  assert.equal(code, 2, stderr);
  assert.match(stderr, /in\.trace\.jsonl changed size \(\d+ -> \d+ bytes\) while it was being scored; --out was not written/);
  assert.equal(existsSync(join(dir, "out.jsonl")), false);
});

test("numeric flags out of range are usage errors naming the range", async () => {
  const dir = sampleWorkspace();
  for (const [flag, value, message] of [["--workers", "100000", /--workers must be an integer from 1 to 64 \(got "100000"\)/], ["--timeout", "9999999999", /--timeout must be an integer from 1 to 2147483647/], ["--memory", "1", /--memory must be an integer from 16 to 65536/]] as const) {
    let stderr = "";
    const code = await main(["score", "data/rollouts.trace.jsonl", flag, value], { stdout: () => {}, stderr: (t) => void (stderr += t), cwd: dir, interactive: false });
    assert.equal(code, 2, flag);
    assert.match(stderr, message);
  }
});

test("a *.trace.jsonl is read as a trace however its first lines look; --json lists malformed lines with file:line", async () => {
  const dir = sampleWorkspace();
  const good = readFileSync(join(dir, "data/rollouts.trace.jsonl"), "utf8").split("\n").slice(0, 3).join("\n");
  writeFileSync(join(dir, "bad.trace.jsonl"), Array.from({ length: 70 }, (_, i) => `{bad ${i}`).join("\n") + "\n" + good + "\n");
  writeFileSync(join(dir, "empty.trace.jsonl"), "");
  const bad = await run(["score", "bad.trace.jsonl", "--json"], dir);
  assert.equal(bad.code, 0, bad.stderr);
  const summary = JSON.parse(bad.stdout);
  assert.equal(summary.samples, 3);
  assert.equal(summary.malformed_lines, 70);
  assert.deepEqual(summary.malformed[69], { file: join(dir, "bad.trace.jsonl"), line: 70, message: summary.malformed[69].message });
  assert.match(summary.malformed[0].message, /invalid JSON/);
  const empty = await run(["score", "empty.trace.jsonl", "--json"], dir);
  assert.equal(empty.code, 0, empty.stderr);
  assert.equal(JSON.parse(empty.stdout).samples, 0);
});

test("a line nested 10,000 deep does not fail the file: score --out keeps it, convert reports it with its line", async () => {
  const dir = sampleWorkspace();
  const good = readFileSync(join(dir, "data/rollouts.trace.jsonl"), "utf8").split("\n").slice(0, 2);
  const deep = `{"id":"deep","completion":"x","extra":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
  writeFileSync(join(dir, "deep.trace.jsonl"), [good[0], deep, good[1]].join("\n") + "\n");
  const scored = await run(["score", "deep.trace.jsonl", "--out", "out.jsonl"], dir);
  assert.equal(scored.code, 0, scored.stderr);
  assert.equal(readFileSync(join(dir, "out.jsonl"), "utf8").trim().split("\n").length, 3);
  const converted = await run(["convert", "deep.trace.jsonl", "--out", "conv.trace.jsonl"], dir);
  assert.equal(converted.code, 0, converted.stderr);
  assert.match(converted.stdout, /deep\.trace\.jsonl:2: cannot be written: Maximum call stack size exceeded \(a value nested too deep\)/);
  assert.equal(readFileSync(join(dir, "conv.trace.jsonl"), "utf8").trim().split("\n").length, 2);
});

test("a FIFO input is refused at once (exit 2, naming it) instead of blocking; train on a missing workspace is a usage error", { skip: process.platform === "win32" && "no mkfifo" }, async () => {
  const dir = sampleWorkspace();
  const fifo = join(dir, "pipe.jsonl");
  const made = spawnSync("mkfifo", [fifo]);
  if (made.status !== 0) return;
  for (const args of [["score", "pipe.jsonl"], ["convert", "pipe.jsonl", "--out", "x.trace.jsonl"]]) {
    const result = await run(args, dir);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, /pipe\.jsonl is a named pipe \(FIFO\), not a file/);
  }
  const train = await run(["train", join(dir, "nope")], dir);
  assert.equal(train.code, 2);
  assert.match(train.stderr, /nope: not a folder/);
});

test("--baseline says what a reward edit changed: per reward up/down/null/failing, transitions, largest changes with file:line", async () => {
  const dir = sampleWorkspace();
  const base = await run(["score", "data/rollouts.trace.jsonl", "--out", "base.jsonl"], dir);
  assert.equal(base.code, 0, base.stderr);
  // The edit: accuracy back to the string matcher (the 7 untagged "So the answer is N." go 1 -> 0),
  // format now fails on one sample, and a reward is added.
  writeFileSync(join(dir, "rewards/accuracy.reward.ts"), 'import { answerMatchReward } from "rewardlab";\nexport default answerMatchReward({ name: "accuracy" });\n');
  writeFileSync(join(dir, "rewards/format.reward.ts"), 'import { formatReward } from "rewardlab";\nconst f = formatReward({ weight: 0.5 });\nexport default { ...f, score: (s, ctx) => { if (s.id === "p0-s0") throw new Error("boom"); return f.score(s, ctx); } };\n');
  writeFileSync(join(dir, "rewards/len.reward.ts"), 'export default { name: "len", score: (s) => s.completion.length };\n');
  const human = await run(["score", "data/rollouts.trace.jsonl", "--baseline", "base.jsonl"], dir);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /against base\.jsonl: 48 samples matched by id; new rewards: len/);
  assert.match(human.stdout, /accuracy: 0 up, 7 down, 41 same; 1 -> 0: 7/);
  assert.match(human.stdout, /p1-s0 \(data\/rollouts\.trace\.jsonl:5\): 1 -> 0/);
  assert.match(human.stdout, /format: 0 up, 0 down, 47 same, 1 now failing, 0 no longer failing/);
  const json = await run(["score", "data/rollouts.trace.jsonl", "--baseline", "base.jsonl", "--json"], dir);
  const diff = (JSON.parse(json.stdout) as { baseline: { rewards: Record<string, { down: number; broke: number }>; added: string[] } }).baseline;
  assert.deepEqual([diff.rewards.accuracy.down, diff.rewards.format.broke, diff.added], [7, 1, ["len"]]);
  const missing = await run(["score", "data/rollouts.trace.jsonl", "--baseline", "nope.jsonl"], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read the baseline .*nope\.jsonl/);
});

test("--timing gives each reward's time per sample and the slowest samples with file:line; --budget flags a slow p99", async () => {
  const dir = sampleWorkspace();
  writeFileSync(join(dir, "rewards/slow.reward.ts"), 'export default { name: "slow", score: (s) => { const end = performance.now() + (s.id === "p3-s1" ? 40 : 0); while (performance.now() < end) {} return 1; } };\n');
  const human = await run(["score", "data/rollouts.trace.jsonl", "--timing", "--budget", "20"], dir);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /time per sample \(ms\)/);
  // (accuracy's first symbolic comparison loads compute-engine in its worker: it may rank first.)
  assert.match(human.stdout, /slowest samples:\n(?:[^]*\n)? {2}\d+ ms {2}slow on p3-s1 \(data\/rollouts\.trace\.jsonl:14\)/);
  assert.match(human.stdout, /⚠ reward "slow": p99 \d+ ms per sample is over the 20 ms budget/);
  const json = JSON.parse((await run(["score", "data/rollouts.trace.jsonl", "--timing", "--json"], dir)).stdout) as { timing: { rewards: Record<string, { samples: number; max_ms: number }>; slowest: { id: string }[] } };
  assert.equal(json.timing.rewards.slow.samples, 48);
  assert.ok(json.timing.rewards.slow.max_ms >= 40);
  assert.ok(json.timing.slowest.some((t) => t.id === "p3-s1"), "the slow sample is listed");
  assert.equal(JSON.parse((await run(["score", "data/rollouts.trace.jsonl", "--json"], dir)).stdout).timing, undefined, "off unless asked");
});
