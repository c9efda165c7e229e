// rewardlab prm-eval: process rewards (TypeScript and ONNX) against labelled steps, through the
// same reward workers as rewardlab score.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";
import { expectedStepScore, SEPARATOR, writePrmFolder } from "../reward/prmFixture";

const root = join(__dirname, "../..");
const FIXTURES = join(root, "test/fixtures/importers");

async function run(args: string[], cwd: string) {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, interactive: false });
  return { code, stdout, stderr };
}

/** A folder with math-cot's rewards (the process reward `arithmetic` among outcome rewards). */
function mathCotRewards(): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-prm-eval-"));
  cpSync(join(root, "sample-workspaces/math-cot/rewards"), join(dir, "rewards"), { recursive: true });
  return dir;
}

const close = (actual: number | null, expected: number, what: string) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

test("prm-eval scores a TypeScript process reward on ProcessBench per split, as --json", async () => {
  const dir = mathCotRewards();
  const { code, stdout, stderr } = await run(["prm-eval", join(FIXTURES, "processbench"), "--json"], dir);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /not reported \(outcome rewards have no step scores\): accuracy, format/);
  const report = JSON.parse(stdout);
  assert.equal(report.samples, 6);
  assert.equal(report.labelled_samples, 6);
  assert.deepEqual(report.results.map((r: { reward: string; split: string; samples: number }) => `${r.reward}/${r.split}:${r.samples}`), ["arithmetic/gsm8k:3", "arithmetic/math:1", "arithmetic/all:4"]);
  // arithmetic scores a step 1 when its equations are right, 0 when one is wrong, null without one.
  // gsm8k-0 [null, 1, 1, 1] labels [+1, -1, ., .]: nothing flagged, error missed (fn).
  // gsm8k-1 [1, 1, 1, 0] ("7 + 6 = 17" is read in "4 + 7 + 6 = 17") all +1: flagged at 3 (fp).
  // gsm8k-2 [null, 1] labels [-1, .]: no step both scored and labelled, not counted.
  // gsm8k-3 [1, 1, 1, null] labels [+1, +1, -1, .]: nothing flagged, error missed (fn).
  const gsm8k = report.results[0];
  assert.equal(gsm8k.erroneous_samples, 2);
  assert.equal(gsm8k.correct_samples, 1);
  assert.equal(gsm8k.error_accuracy, 0);
  assert.equal(gsm8k.correct_accuracy, 0);
  assert.equal(gsm8k.processbench_f1, 0);
  assert.equal(gsm8k.step_recall, 0);
  // Correct class: tn 5, fn 2, fp 1 -> precision 5/7, recall 5/6.
  close(gsm8k.correct_step_f1, (2 * (5 / 7) * (5 / 6)) / (5 / 7 + 5 / 6), "correct-class F1");
  close(gsm8k.macro_f1, ((2 * (5 / 7) * (5 / 6)) / (5 / 7 + 5 / 6)) / 2, "macro F1");
  // Correct steps: five 1s and a 0; wrong steps: two 1s -> 5 ties of 12 pairs.
  close(gsm8k.auc, 5 / 12, "AUC");
  // math-1 has no equation in any step: every step score is null, so the sample scores null.
  assert.deepEqual(report.rewards.arithmetic, { scored: 6, nulls: 1, errors: 0 });
  assert.equal(report.threshold, 0.5);
  assert.equal(report.sweep_thresholds, undefined);
});

test("prm-eval prints a table per reward and split, and with --sweep the sweep and best thresholds", async () => {
  const dir = mathCotRewards();
  const { code, stdout } = await run(["prm-eval", join(FIXTURES, "processbench/gsm8k.json"), join(FIXTURES, "visualprocessbench/test.jsonl"), "--rewards", "rewards/arithmetic.reward.ts", "--sweep"], dir);
  assert.equal(code, 0);
  assert.match(stdout, /prm-eval: 7 samples \(7 with step labels\)/);
  assert.match(stdout, /reward\s+split\s+samples\s+wrong\/correct\s+err acc\s+corr acc\s+PB F1\s+precision\s+recall\s+step F1\s+macro F1\s+AUC/);
  assert.match(stdout, /arithmetic\s+gsm8k\s+3\s+2\/1\s+0\.0\s+0\.0\s+0\.0\s+0\.0\s+0\.0\s+0\.0\s+38\.5\s+0\.417/);
  assert.match(stdout, /arithmetic\s+MathVerse\s+2/);
  assert.match(stdout, /threshold sweep, reward "arithmetic" \(all splits\):/);
  assert.match(stdout, /^0\.95 /m);
  assert.match(stdout, /arithmetic \/ gsm8k: PB F1 0\.0 at 0\.05/);
});

test("prm-eval scores an ONNX PRM (onnxPrm) against ProcessBench labels", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-prm-eval-onnx-"));
  writeFileSync(join(dir, "rewardlab.json"), "{}\n");
  writePrmFolder(join(dir, "models/prm"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/prm.reward.ts"), `import { onnxPrm } from "rewardlab";\nexport default onnxPrm({ model: "models/prm", separator: "${SEPARATOR}" });\n`);
  // The tiny PRM gives a step ending in a digit P(correct) ~0.85, any other step ~0.44 (flagged at 0.5).
  assert.ok(expectedStepScore("2 + 2 = 4") > 0.5 && expectedStepScore("so four") < 0.5);
  const rows = [
    { id: "gsm8k-0", problem: "2+2?", steps: ["2 + 2 = 4", "so four"], label: 1 }, // flagged at 1: hit; tn, tp
    { id: "gsm8k-1", problem: "3*3-1?", steps: ["3 * 3 = 9", "9 - 1 = 8"], label: -1 }, // nothing flagged: hit; tn, tn
    { id: "gsm8k-2", problem: "1+1?", steps: ["one and one", "make two"], label: 1 }, // flagged at 0: miss; fp, tp
  ];
  writeFileSync(join(dir, "pb.json"), JSON.stringify(rows));
  const { code, stdout, stderr } = await run(["prm-eval", "pb.json", "--json", "--workers", "1"], dir);
  assert.equal(code, 0, stderr);
  const [result] = JSON.parse(stdout).results;
  assert.equal(result.reward, "prm");
  assert.equal(result.split, "gsm8k");
  close(result.error_accuracy, 1 / 2, "error accuracy");
  close(result.correct_accuracy, 1, "correct accuracy");
  close(result.processbench_f1, 2 / 3, "ProcessBench F1");
  close(result.step_precision, 2 / 3, "precision");
  close(result.step_recall, 1, "recall");
  // Correct steps ~0.85, 0.85, 0.85, ~0.44; wrong ~0.44, ~0.44: 3 x 2 wins + 2 ties of 8 pairs.
  close(result.auc, 7 / 8, "AUC");
});

test("prm-eval reads the process-supervision formats (PRM800K, Math-Shepherd, TRL stepwise): no split, one all row", async () => {
  const dir = mathCotRewards();
  const files = ["prm800k/phase2_sample.jsonl", "math-shepherd/math-shepherd.jsonl", "trl-stepwise/math_shepherd_stepwise.jsonl"].map((f) => join(FIXTURES, f));
  const { code, stdout, stderr } = await run(["prm-eval", ...files, "--rewards", "rewards/arithmetic.reward.ts", "--json"], dir);
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout);
  assert.equal(report.samples, 6);
  assert.equal(report.labelled_samples, 6);
  assert.deepEqual(report.results.map((r: { split: string }) => r.split), ["all"]);
  const [all] = report.results;
  // TRL stepwise row 2 ("3 * 4 = 12", "12 + 2 = 14", both labelled true) is a correct sample the
  // reward passes; row 1's wrong steps write "$9.00" (no equation the reward reads): missed.
  assert.equal(all.correct_accuracy, 1);
  assert.equal(all.error_accuracy, 0);
  assert.deepEqual([all.samples, all.erroneous_samples, all.correct_samples, all.wrong_steps, all.correct_steps], [4, 2, 2, 1, 6]);
});

test("prm-eval names the file:line of bad rows, and --strict fails on them", async () => {
  const dir = mathCotRewards();
  const good = { problem: "2+2?", steps: ["2 + 2 = 4"], label: -1 };
  writeFileSync(join(dir, "pb.json"), JSON.stringify([good, { problem: "x", steps: ["1 + 1 = 2"], label: 5 }, good], null, 1));
  const plain = await run(["prm-eval", "pb.json"], dir);
  assert.equal(plain.code, 0);
  assert.match(plain.stdout, /1 malformed row\(s\) skipped:\n {2}pb\.json:9: processbench: "label" must be -1 \(no wrong step\) or a step index from 0 to 0, got 5/);
  const strict = await run(["prm-eval", "pb.json", "--strict"], dir);
  assert.equal(strict.code, 1);
});

test("prm-eval errors: no input, no step labels, only outcome rewards, an unknown format, a reward that does not load", async () => {
  const dir = mathCotRewards();
  assert.equal((await run(["prm-eval"], dir)).code, 2);
  cpSync(join(root, "sample-workspaces/math-cot/data/rollouts.trace.jsonl"), join(dir, "rollouts.trace.jsonl"));
  const unlabelled = await run(["prm-eval", "rollouts.trace.jsonl"], dir);
  assert.equal(unlabelled.code, 2);
  assert.match(unlabelled.stderr, /no step labels in rollouts\.trace\.jsonl \(48 samples read\): prm-eval needs steps labelled/);
  const outcome = await run(["prm-eval", join(FIXTURES, "processbench/math.json"), "--rewards", "rewards/format.reward.ts"], dir);
  assert.equal(outcome.code, 2);
  assert.match(outcome.stderr, /has only outcome rewards \(format\): prm-eval evaluates process rewards/);
  const format = await run(["prm-eval", join(FIXTURES, "processbench/math.json"), "--format", "nope"], dir);
  assert.equal(format.code, 2);
  assert.match(format.stderr, /unknown format "nope"/);
  writeFileSync(join(dir, "rewards/broken.reward.ts"), "export default {;\n");
  const broken = await run(["prm-eval", join(FIXTURES, "processbench/math.json")], dir);
  assert.equal(broken.code, 3);
  assert.match(broken.stderr, /broken\.reward\.ts/);
});

test("prm-eval runs rewards in the sandbox score would use: --sandbox strict, and a bad mode is a usage error", async () => {
  const dir = mathCotRewards();
  const strict = await run(["prm-eval", join(FIXTURES, "processbench/gsm8k.json"), "--rewards", "rewards/arithmetic.reward.ts", "--sandbox", "strict", "--json", "--workers", "1"], dir);
  assert.equal(strict.code, 0, strict.stderr);
  assert.equal(JSON.parse(strict.stdout).results[0].macro_f1.toFixed(4), "0.3846");
  const bad = await run(["prm-eval", join(FIXTURES, "processbench/gsm8k.json"), "--sandbox", "jail"], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown sandbox "jail"; use worker or strict/);
});

test("prm-eval --help says what it reports", async () => {
  const { code, stdout } = await run(["prm-eval", "--help"], root);
  assert.equal(code, 0);
  assert.match(stdout, /rewardlab prm-eval <traces\.\.\.>/);
  assert.match(stdout, /--sweep/);
  assert.match(stdout, /positive class: label -1/);
});
