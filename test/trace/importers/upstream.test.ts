// Issue 19: upstream files read the way their trainers wrote and read them. The fixtures under
// test/fixtures/upstream are written by make_fixtures.py the way each upstream writer writes
// (verl RayPPOTrainer._dump_generations in verl/trainer/ppo/ray_trainer.py, verl main:
// json.dumps(entry, ensure_ascii=False) per line; TRL PRMTrainer.tokenize_row in
// trl/trainer/prm_trainer.py, TRL >= 0.12: int(label); EasyR1 data.image_dir). Each test
// below is a defect a user met on a real file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { main } from "../../../src/cli/main";
import { importFile } from "../../../src/trace/importers/index";
import type { TraceRecord } from "../../../src/trace/types";

const UPSTREAM = join(__dirname, "..", "..", "fixtures", "upstream");
/** Files in the fixture folder that the script does not write (read from upstream sources instead). */
const NOT_GENERATED = ["make_fixtures.py", "openrlhf/", "verl/config-keys.json"];
const hasPython = spawnSync("/usr/bin/python3", ["-c", "import json, zlib"]).status === 0;

async function run(args: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, interactive: false });
  return { code, stdout, stderr };
}

async function records(path: string, options: Parameters<typeof importFile>[1] = {}): Promise<TraceRecord[]> {
  const out: TraceRecord[] = [];
  for await (const item of importFile(path, options)) {
    assert.ok(!("error" in item), "error" in item ? item.error.message : "");
    out.push(item.record);
  }
  return out;
}

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-upstream-"));
  cpSync(UPSTREAM, join(dir, "upstream"), { recursive: true });
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((name) => statSync(join(dir, name)).isFile()).sort();
}

test("the committed fixtures are what make_fixtures.py writes with Debian's python3", { skip: !hasPython && "needs /usr/bin/python3" }, () => {
  const out = mkdtempSync(join(tmpdir(), "rl-fixtures-"));
  try {
    const made = spawnSync("/usr/bin/python3", [join(UPSTREAM, "make_fixtures.py"), out], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    const written = filesUnder(out);
    assert.deepEqual(written, filesUnder(UPSTREAM).filter((name) => !NOT_GENERATED.some((prefix) => name.startsWith(prefix))));
    for (const name of written) assert.ok(readFileSync(join(out, name)).equals(readFileSync(join(UPSTREAM, name))), `${name} differs from the generator's output`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("verl dumps: NaN/Infinity lines are kept, non-finite scores are null with the source value kept, non-ASCII intact", async () => {
  const rows = await records(join(UPSTREAM, "verl/rollout_data_dir/3.jsonl"));
  assert.equal(rows.length, 6, "no line dropped as malformed");
  assert.match(rows[0].prompt ?? "", /Qui a écrit « Hamlet » \?/);
  const prime = rows[3];
  assert.deepEqual(prime.rewards, { score: null, acc: null });
  assert.deepEqual((prime.meta as { source: { extra: Record<string, unknown> } }).source.extra, { uid: "u-prime", score: "NaN", acc: "Infinity" });
  assert.equal(rows[4].rewards?.score, null);
  assert.equal((rows[4].meta as { source: { extra: Record<string, unknown> } }).source.extra.score, "-Infinity");
  assert.deepEqual(rows[0].answer, { target: ["William Shakespeare", "Shakespeare"] });
});

test("verl dumps: a uid names the group, so equal prompt text in two groups stays two groups", async () => {
  const rows = await records(join(UPSTREAM, "verl/rollout_data_dir/3.jsonl"));
  assert.deepEqual(rows.map((r) => r.group), ["step-3/uid-u-hamlet-1", "step-3/uid-u-hamlet-1", "step-3/uid-u-hamlet-2", "step-3/uid-u-prime", "step-3/uid-u-prime", "step-3/uid-u-mul"]);
});

test("a verl rollout_data_dir folder converts every {step}.jsonl in step order; .jsonl.gz reads like .jsonl", async () => {
  const dir = workspace();
  try {
    const folder = join(dir, "upstream/verl/rollout_data_dir");
    const converted = await run(["convert", folder, "--out", "all.trace.jsonl", "--json"], dir);
    assert.equal(converted.code, 0, converted.stderr);
    const summary = JSON.parse(converted.stdout) as { files: number; samples: number; groups: number; malformed_lines: unknown[] };
    assert.deepEqual([summary.files, summary.samples, summary.groups, summary.malformed_lines.length], [2, 7, 5, 0]);
    const ids = readFileSync(join(dir, "all.trace.jsonl"), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as TraceRecord).id);
    assert.deepEqual(ids.slice(-2), ["3.jsonl:6", "10.jsonl:1"], "3.jsonl before 10.jsonl");

    // The same dump gzip-compressed, named and detected.
    const gz = join(dir, "3.jsonl.gz");
    writeFileSync(gz, gzipSync(readFileSync(join(folder, "3.jsonl"))));
    for (const args of [["--format", "verl"], []]) {
      const fromGz = await run(["convert", gz, ...args, "--out", "gz.trace.jsonl", "--json"], dir);
      assert.equal(fromGz.code, 0, fromGz.stderr);
      assert.equal((JSON.parse(fromGz.stdout) as { samples: number }).samples, 6);
    }
    // Cut off mid-stream: the error names the file and says it is cut off; nothing crashes.
    writeFileSync(join(dir, "cut.jsonl.gz"), gzipSync(readFileSync(join(folder, "3.jsonl"))).subarray(0, 120));
    const cut = await run(["convert", "cut.jsonl.gz", "--format", "verl", "--out", "cut.trace.jsonl"], dir);
    assert.match(cut.stdout, /cut\.jsonl\.gz:\d+: cannot decompress \(gzip\).*cut off/);

    // A folder with no row files says what it holds.
    const empty = await run(["convert", join(dir, "upstream/easyr1"), "--out", "x.trace.jsonl"], dir);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /holds no \.jsonl, \.jsonl\.gz, \.json or \.parquet files\. Its folders: data, image_dir/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("score on a verl folder: structured gts are lists of accepted answers, scored as verl's own scorer did", async () => {
  const dir = workspace();
  try {
    writeFileSync(join(dir, "acc.reward.ts"), 'import { answerMatchReward } from "rewardlab";\nexport default answerMatchReward({ name: "accuracy" });\n');
    const scored = await run(["score", "upstream/verl/rollout_data_dir", "--rewards", "acc.reward.ts", "--out", "scored.jsonl"], dir);
    assert.equal(scored.code, 0, scored.stderr);
    assert.match(scored.stdout, /scored 7 samples from upstream\/verl\/rollout_data_dir\/3\.jsonl, upstream\/verl\/rollout_data_dir\/10\.jsonl/);
    const lines = readFileSync(join(dir, "scored.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { rewards: Record<string, number | null>; meta: { source: { extra: Record<string, unknown> } } });
    // verl's acc column (what its scorer said) where it is a boolean; the NaN/inf row says 3 is a prime below 4.
    assert.deepEqual(lines.map((l) => l.rewards.accuracy), [1, 0, 1, 1, 0, 1, 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("TRL stepwise float labels are read as TRL's PRMTrainer reads them: int(label), so only 1.0 is correct", async () => {
  const rows = await records(join(UPSTREAM, "trl-stepwise.jsonl"));
  assert.deepEqual(rows[0].steps?.map((s) => s.label), [-1, 1, -1]);
  assert.deepEqual(rows[1].steps?.map((s) => s.label), [1]);
  assert.deepEqual((rows[0].meta as { source: { extra: Record<string, unknown> } }).source.extra.labels, [0.93, 1.0, 0.0], "the source labels are kept");
});

test("EasyR1 image paths resolve against --image-dir (its data.image_dir); without it, missing images are reported", async () => {
  const dir = workspace();
  try {
    const without = await run(["convert", "upstream/easyr1/data/geo.jsonl", "--out", "a.trace.jsonl"], dir);
    assert.equal(without.code, 0, without.stderr);
    assert.match(without.stdout, /2 image path\(s\) name no file beside the input file/);
    assert.match(without.stdout, /--image-dir DIR/);
    const withDir = await run(["convert", "upstream/easyr1/data/geo.jsonl", "--image-dir", "upstream/easyr1/image_dir", "--out", "b.trace.jsonl", "--json"], dir);
    assert.equal(withDir.code, 0, withDir.stderr);
    assert.equal((JSON.parse(withDir.stdout) as { missing_images: number }).missing_images, 0);
    const images = readFileSync(join(dir, "b.trace.jsonl"), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as TraceRecord).images?.[0]);
    assert.deepEqual(images, ["upstream/easyr1/image_dir/geo/0001.png", "upstream/easyr1/image_dir/geo/0002.png"]);
    for (const image of images) statSync(join(dir, image ?? ""));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("groups: the same question over different images is two groups; duplicate dataset rows are not merged", async () => {
  const trl = await records(join(UPSTREAM, "trl-images.jsonl"), { format: "trl" });
  assert.equal(new Set(trl.map((r) => r.group)).size, 2);
  assert.equal(trl[0].group, trl[1].group);
  assert.notEqual(trl[1].group, trl[2].group);
  const dataset = await records(join(UPSTREAM, "verl-dataset.jsonl"));
  assert.deepEqual(dataset.map((r) => r.group), ["row-1", "row-2", "row-3"]);
});

test("score's step-label summary counts the steps it compared (labelled and scored), and says so", async () => {
  const dir = workspace();
  try {
    writeFileSync(join(dir, "steps.reward.ts"), 'import { defineReward } from "rewardlab";\nexport default defineReward({ name: "steps", kind: "process", aggregate: "min", score: (s) => s.steps.map((step) => (/= 14$/.test(step.text) || /= 12$/.test(step.text) || /= 2$/.test(step.text) ? 1 : 0)) });\n');
    const scored = await run(["score", "upstream/trl-stepwise.jsonl", "--rewards", "steps.reward.ts"], dir);
    assert.equal(scored.code, 0, scored.stderr);
    assert.match(scored.stdout, /process reward "steps" vs step labels \(4 compared steps, each labelled and scored\): agreement 0\.75/);
    writeFileSync(join(dir, "steps.reward.ts"), 'import { defineReward } from "rewardlab";\nexport default defineReward({ name: "steps", kind: "process", aggregate: "min", score: (s) => s.steps.map(() => null) });\n');
    const none = await run(["score", "upstream/trl-stepwise.jsonl", "--rewards", "steps.reward.ts"], dir);
    assert.match(none.stdout, /vs step labels \(no step had both a label and a score\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("verifiers results.jsonl (vf-eval --save-results): message lists to text, raw per-function scores beside the weighted reward, example groups", async () => {
  const rows = await records(join(UPSTREAM, "verifiers/results.jsonl"));
  assert.equal(rows.length, 4);
  assert.equal(rows[0].completion, "<think>6 × 7 = 42</think><answer>42</answer>");
  assert.match(rows[0].prompt ?? "", /^system: Think.*\n\nuser: Combien font 6 × 7 \?$/s);
  assert.deepEqual(rows[0].rewards, { correct_answer: 1, think_format: 1, reward: 1.2 });
  assert.deepEqual(rows.map((r) => r.group), ["example-0", "example-0", "example-1", "example-1"]);
  const extra = (rows[3].meta as { source: { extra: Record<string, unknown> } }).source.extra;
  assert.deepEqual(Object.keys(extra).sort(), ["completion", "error", "info", "is_completed", "is_truncated", "prompt", "stop_condition", "timing", "tool_defs"], "flattened metric copies are not repeated");
  assert.equal((extra.error as { error: string }).error, "ModelError");
  const old = await records(join(UPSTREAM, "verifiers/results-old.jsonl"));
  assert.deepEqual(old[1].rewards, { correct_answer: 0, think_format: 0, reward: 0 });
  assert.equal(old[1].group, "example-0");
});

test("RL Logging Board rows: per-token logprob, ref_logprob, KL (k1 and k3), value and token reward become token channels", async () => {
  const rows = await records(join(UPSTREAM, "rl_logging_board_data.jsonl"));
  const [first, second] = rows;
  assert.equal(first.completion, "6 × 7 = 42<|im_end|>", "tokens decoded one by one; completion is their concatenation");
  assert.equal((first.meta as { source: { extra: Record<string, unknown> } }).source.extra.response, "6 × 7 = 42");
  assert.equal(first.tokens?.length, 6);
  const last = first.tokens?.[4];
  assert.equal(last?.logprob, -1.5);
  assert.equal(last?.ref_logprob, -3.5);
  assert.equal(last?.log_ratio, 2);
  assert.ok(Math.abs((last?.kl as number) - (Math.exp(-2) - 1 + 2)) < 1e-12);
  assert.equal(last?.value, 0.9);
  assert.equal(last?.token_reward, 0.98);
  assert.deepEqual(first.tokens?.[5], { text: "<|im_end|>" }, "the extra token has no values");
  assert.deepEqual(first.rewards, { reward: 1 });
  assert.equal(first.step, 7);
  assert.equal(second.completion, "5");
  assert.equal(second.tokens?.[0].value, undefined, "values: null (no critic) gives no value channel");
  assert.equal((second.meta as { source: { extra: Record<string, unknown> } }).source.extra.ref_response, "4");
});
