import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImporterRegistry, UnknownFormatError, importers, openImport, type ImportItem, type OpenImportOptions } from "../../../src/trace/importers/index";
import { LineIndex } from "../../../src/trace/lineIndex";
import type { TraceLineError, TraceRecord } from "../../../src/trace/types";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "importers");
const fixture = (...parts: string[]) => join(FIXTURES, ...parts);

async function importAll(path: string, options: OpenImportOptions = {}): Promise<{ format: string; records: TraceRecord[]; errors: TraceLineError[]; items: ImportItem[] }> {
  const { importer, items } = await openImport(path, options);
  const all: ImportItem[] = [];
  for await (const item of items) all.push(item);
  return {
    format: importer.name,
    items: all,
    records: all.flatMap((item) => ("record" in item ? [item.record] : [])),
    errors: all.flatMap((item) => ("error" in item ? [item.error] : [])),
  };
}

function withTempDir(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-importers-"));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const DETECTION: [string, string][] = [
  ["verl/12.jsonl", "verl"],
  ["verl/0.jsonl", "verl"],
  ["trl/completions/completions_00010.parquet", "trl"],
  ["trl/completions/train/completions_00020.parquet", "trl"],
  ["openrlhf/rm_requests.jsonl", "openrlhf-rm"],
  ["openrlhf/vision.jsonl", "openrlhf-vision"],
  ["easyr1/geometry3k.jsonl", "easyr1"],
  ["prm800k/phase2_sample.jsonl", "prm800k"],
  ["trl-stepwise/math_shepherd_stepwise.jsonl", "trl-stepwise"],
  ["math-shepherd/math-shepherd.jsonl", "math-shepherd"],
  ["processbench/gsm8k.json", "processbench"],
  ["processbench/math.json", "processbench"],
  ["visualprocessbench/test.jsonl", "visualprocessbench"],
];

for (const [file, format] of DETECTION) {
  test(`detects ${format} from the content of ${file}`, async () => {
    const detection = await importers.detectFile(fixture(file));
    assert.equal(detection.importer.name, format);
    assert.ok(detection.confidence >= 0.5, `confidence ${detection.confidence}`);
  });
}

test(
  "detection reads content, not the file name",
  withTempDir(async (dir) => {
    const renamed = join(dir, "export.txt");
    copyFileSync(fixture("verl/12.jsonl"), renamed);
    assert.equal((await importers.detectFile(renamed)).importer.name, "verl");
  }),
);

test("an unknown format is a clear error that lists every supported format", async () => {
  await assert.rejects(importers.detectFile(fixture("unknown/metrics.jsonl")), (error: Error) => {
    assert.ok(error instanceof UnknownFormatError);
    assert.match(error.message, /metrics\.jsonl/);
    assert.match(error.message, /epoch, loss, lr/);
    for (const name of importers.names()) assert.ok(error.message.includes(`  ${name}: `), `lists ${name}`);
    return true;
  });
});

test("the registry refuses duplicate names and lists valid names for an unknown one", () => {
  const registry = new ImporterRegistry().register(importers.get("verl"));
  assert.throws(() => registry.register(importers.get("verl")), /already registered/);
  assert.throws(() => importers.get("nope"), (error: Error) => error instanceof UnknownFormatError && /Supported formats: verl, verifiers, rl-logging-board, trl, /.test(error.message));
});

test("verl: fields map to the trace, extra-info rewards are kept, groups follow prompt + step", async () => {
  const { format, records, errors } = await importAll(fixture("verl/12.jsonl"));
  assert.equal(format, "verl");
  assert.equal(errors.length, 0);
  assert.equal(records.length, 3);
  const [first, second, third] = records;
  assert.equal(first.id, "12.jsonl:1");
  assert.equal(first.step, 12);
  assert.equal(first.answer, "72");
  assert.match(first.prompt ?? "", /Natalia sold clips/);
  assert.match(first.completion, /#### 72/);
  assert.deepEqual(first.rewards, { score: 1, acc: 1 });
  assert.deepEqual((first.meta?.source as { extra: unknown }).extra, { acc: true, pred: "72" });
  assert.equal(first.group, second.group);
  assert.notEqual(first.group, third.group);
  assert.match(first.group ?? "", /^step-12\/p-[0-9a-f]{10}$/);
});

test("verl validation dumps: `reward` joins `score` in rewards", async () => {
  const { records } = await importAll(fixture("verl/0.jsonl"));
  assert.deepEqual(records[1].rewards, { score: 0, reward: 0, acc: 0 });
  assert.equal(records[1].answer, "-6");
});

test("malformed and truncated lines are reported with line numbers while the rest imports", async () => {
  const { records, errors } = await importAll(fixture("verl/broken.jsonl"), { format: "verl" });
  assert.deepEqual(records.map((r) => r.id), ["broken.jsonl:1"]);
  assert.deepEqual(errors.map((e) => e.line), [2, 4, 5]);
  assert.match(errors[0].message, /invalid JSON/);
  assert.match(errors[1].message, /"output" must be a string, got a number/);
  assert.match(errors[2].message, /truncated/);
  assert.ok(errors.every((e) => e.file.endsWith("broken.jsonl")));
});

test("TRL completions parquet: reward columns, null rewards, advantage, extra columns, groups", async () => {
  const { format, records } = await importAll(fixture("trl/completions/completions_00010.parquet"));
  assert.equal(format, "trl");
  assert.equal(records.length, 4);
  assert.deepEqual(records.map((r) => r.id), [0, 1, 2, 3].map((row) => `completions_00010.parquet:${row}`));
  assert.deepEqual(records[0].rewards, { accuracy_reward: 1, format_reward: 1 });
  assert.deepEqual(records[3].rewards, { accuracy_reward: null, format_reward: 0 });
  assert.equal(records[1].advantage, -0.7071);
  assert.equal(records[0].step, 10);
  assert.deepEqual((records[0].meta?.source as { extra: unknown }).extra, { solution: "84" });
  assert.equal(records[0].group, records[1].group);
  assert.equal(records[2].group, records[3].group);
  assert.notEqual(records[0].group, records[2].group);
});

test("TRL: --reward columns can be declared when log_extra columns are numeric too", async () => {
  const { records } = await importAll(fixture("trl/completions/completions_00010.parquet"), { rewardColumns: ["format_reward"] });
  assert.deepEqual(records[0].rewards, { format_reward: 1 });
  assert.equal((records[0].meta?.source as { extra: Record<string, unknown> }).extra.accuracy_reward, 1);
});

test(
  "TRL conversational parquet: messages become text, image bytes are cached once beside the output",
  withTempDir(async (dir) => {
    const source = fixture("trl/completions/train/completions_00020.parquet");
    const before = createHash("sha1").update(readFileSync(source)).digest("hex");
    const cacheDir = join(dir, "out.images");
    const options = { baseDir: dir, imageCacheDir: cacheDir };
    const { records } = await importAll(source, options);
    assert.equal(records.length, 2);
    assert.equal(records[0].prompt, "system: Answer inside <answer></answer>.\n\nuser: How many red shapes are in the image?");
    assert.equal(records[0].completion, "<answer>3</answer>");
    assert.deepEqual(records[0].rewards, { think_format_reward: 0 });
    assert.equal(records[0].advantage, 1);
    const extra = (records[0].meta?.source as { extra: Record<string, unknown> }).extra;
    assert.equal(extra.mode, "train");
    assert.deepEqual(extra.prompt, [
      { role: "system", content: "Answer inside <answer></answer>." },
      { role: "user", content: "How many red shapes are in the image?" },
    ]);
    assert.match(records[0].images?.[0] ?? "", /^out\.images\/[0-9a-f]{40}\.png$/);
    assert.deepEqual(records[1].images, records[0].images);
    assert.deepEqual(readdirSync(cacheDir), [records[0].images?.[0]?.slice("out.images/".length)]);
    const png = readFileSync(join(dir, records[0].images?.[0] ?? ""));
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    await importAll(source, options); // a second import reuses the cached file
    assert.equal(readdirSync(cacheDir).length, 1);
    assert.equal(createHash("sha1").update(readFileSync(source)).digest("hex"), before, "the source file is untouched");
  }),
);

test("OpenRLHF remote-RM requests: one line expands into one sample per query", async () => {
  const { format, records } = await importAll(fixture("openrlhf/rm_requests.jsonl"));
  assert.equal(format, "openrlhf-rm");
  assert.deepEqual(records.map((r) => r.id), ["rm_requests.jsonl:1#0", "rm_requests.jsonl:1#1", "rm_requests.jsonl:1#2", "rm_requests.jsonl:2#0"]);
  assert.equal(records[0].completion, "<think>10% of 80 is 8, 5% is 4, total 12.</think><answer>12</answer><|im_end|>");
  assert.match(records[0].prompt ?? "", /What is 15% of 80\?/);
  assert.equal(records[2].answer, "no");
  assert.equal(records[0].group, records[1].group);
  assert.notEqual(records[0].group, records[2].group);
  assert.notEqual(records[0].group, records[3].group, "groups do not span request lines");
  assert.deepEqual(records[3].rewards, { reward: 1 });
});

test(
  "OpenRLHF vision data: image parts become <image>, relative paths are rebased, absolute paths kept",
  withTempDir(async (dir) => {
    const { format, records } = await importAll(fixture("openrlhf/vision.jsonl"), { baseDir: dir });
    assert.equal(format, "openrlhf-vision");
    assert.equal(records[0].prompt, "<image>How many red shapes are in the image? Answer inside <answer></answer>.");
    assert.equal(records[0].answer, "3");
    assert.equal(records[0].completion, "");
    assert.ok(readFileSync(join(dir, records[0].images?.[0] ?? "")).byteLength > 0, "rebased path resolves from the output folder");
    assert.deepEqual(records[1].images, ["/data/shapes/shapes_0002.png"]);
    assert.equal(records[1].prompt, "system: Think step by step.\n\nuser: <image>What colour is the largest circle?");
  }),
);

test("EasyR1 datasets: problem, answer, images (paths and {bytes: null, path} structs)", async () => {
  const { records } = await importAll(fixture("easyr1/geometry3k.jsonl"));
  assert.deepEqual(records.map((r) => r.images), [["images/geo_0007.png"], ["images/geo_0007.png"]]);
  assert.equal(records[0].prompt, "<image>Find x. Round to the nearest tenth if necessary.");
  assert.equal(records[0].answer, "8.5");
  assert.equal((records[1].meta?.source as { extra: Record<string, unknown> }).extra.data_source, "hiyouga/geometry3k");
});

test("PRM800K: per-step ratings become step labels along the labelled path", async () => {
  const { records } = await importAll(fixture("prm800k/phase2_sample.jsonl"));
  assert.deepEqual(records[0].steps?.map((s) => s.label), [0, 1, -1]);
  assert.match(records[0].steps?.[2].text ?? "", /2\^9\\cdot 5\^4/);
  assert.equal(records[0].answer, "40,\\!000");
  assert.equal(records[0].completion, records[0].steps?.map((s) => s.text).join("\n"));
  // Phase 1: the labeler's own step replaces the rejected completion.
  assert.deepEqual(records[1].steps?.map((s) => s.label), [1, 1]);
  assert.match(records[1].steps?.[1].text ?? "", /2 vertical asymptotes/);
  const extra = (records[0].meta?.source as { extra: Record<string, unknown> }).extra;
  assert.equal((extra.label as { finish_reason: string }).finish_reason, "found_error");
});

test("TRL stepwise: boolean labels become +1/-1", async () => {
  const { records } = await importAll(fixture("trl-stepwise/math_shepherd_stepwise.jsonl"));
  assert.deepEqual(records[0].steps?.map((s) => s.label), [1, 1, -1, -1]);
  assert.equal(records[1].completion, "3 * 4 = 12\n12 + 2 = 14");
});

test("Math-Shepherd: ки tags split steps, +/- in `label` become their labels", async () => {
  const { records } = await importAll(fixture("math-shepherd/math-shepherd.jsonl"));
  assert.equal(records[0].steps?.length, 4);
  assert.deepEqual(records[0].steps?.map((s) => s.label), [1, 1, 1, 1]);
  assert.match(records[0].prompt ?? "", /^Janet’s ducks lay 16 eggs per day\..*farmers' market\?$/);
  assert.equal(records[0].steps?.[0].text, "Step 1: Janet's ducks lay 16 eggs per day.");
  assert.deepEqual(records[1].steps?.map((s) => s.label), [1, -1]);
});

test(
  "Math-Shepherd: a label that does not line up with the tags is a row error",
  withTempDir(async (dir) => {
    const file = join(dir, "ms.jsonl");
    writeFileSync(file, JSON.stringify({ input: "Q? Step 1: a ки\nStep 2: b ки", label: "Q? Step 1: a +\nStep 2: b" }) + "\n");
    const { records, errors } = await importAll(file, { format: "math-shepherd" });
    assert.equal(records.length, 0);
    assert.equal(errors[0].line, 1);
    assert.match(errors[0].message, /step 2/);
  }),
);

test(
  "trace JSONL passes through unchanged, unknown keys included",
  withTempDir(async (dir) => {
    const file = join(dir, "run.trace.jsonl");
    const record = { id: "s-1", group: "p-1", completion: "<answer>3</answer>", rewards: { format: 1 }, custom: { kept: [1, 2] } };
    writeFileSync(file, JSON.stringify(record) + "\n");
    const { format, records } = await importAll(file);
    assert.equal(format, "trace");
    assert.deepEqual(records, [record]);
  }),
);

test("random access: a LineIndex line through importLine gives the same record as streaming", async () => {
  const path = fixture("verl/12.jsonl");
  const { records } = await importAll(path);
  const index = await LineIndex.build(path, { cacheDir: false });
  try {
    const verl = importers.get("verl");
    const text = await index.getLine(2); // 0-based line 2 = line 3 of the file
    assert.ok(text !== undefined && verl.importLine);
    const [item] = await verl.importLine(text, 3, path);
    assert.ok("record" in item);
    assert.deepEqual(item.record, records[2]);
    const [bad] = await verl.importLine("{not json", 9, path);
    assert.ok("error" in bad && bad.error.line === 9);
  } finally {
    await index.close();
  }
});

test(
  "a truncated parquet file is a clear error, on detection and on a named read",
  withTempDir(async (dir) => {
    const source = readFileSync(fixture("trl/completions/completions_00010.parquet"));
    const cut = join(dir, "completions_00011.parquet");
    writeFileSync(cut, source.subarray(0, Math.floor(source.byteLength / 2)));
    await assert.rejects(importers.detectFile(cut), (error: Error) => error instanceof UnknownFormatError && /truncated/.test(error.message));
    const { records, errors } = await importAll(cut, { format: "trl" });
    assert.equal(records.length, 0);
    assert.match(errors[0].message, /not a readable parquet file/);
  }),
);
