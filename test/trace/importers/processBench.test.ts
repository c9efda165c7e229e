// The process-reward benchmark importers and the JSON-array container they need.
//
// Upstream formats checked:
// - ProcessBench: the Hugging Face dataset Qwen/ProcessBench (files gsm8k.json, math.json,
//   olympiadbench.json, omnimath.json at revision 3bdcd53 "fix annotation"; each one JSON array,
//   read with json.load) and QwenLM/ProcessBench code/run_eval_prm_trl.py at commit
//   04d347e7282ce12124be7b0a9cc2fa4d7c562d53: rows {id: "gsm8k-0", generator, problem, steps: [str],
//   final_answer_correct, label}; label = 0-based index of the earliest wrong step, -1 none; the
//   evaluation compares the first step predicted wrong (find_first_zero) with label.
// - VisualProcessBench: the Hugging Face dataset OpenGVLab/VisualProcessBench (test.jsonl, README
//   at commit e6f3f46c7977a52b4b5aac02cf85d0bdd62f29b0): {image: [paths], question, answer,
//   response: {steps, process_correctness}, policy_model, data_source}; "1, 0, -1 denotes correct,
//   neural, and incorrect, respectively"; the VisualPRM paper (arXiv 2503.10291 section 3.3) reports
//   macro F1 over the correct and incorrect classes, neutral steps left out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expandInput, openImport, probeFile, sniffContainer, type ImportItem } from "../../../src/trace/importers/index";
import { readJsonArrayRows } from "../../../src/trace/importers/rows";
import type { TraceLineError, TraceRecord } from "../../../src/trace/types";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "importers");

async function importAll(path: string, format?: string): Promise<{ format: string; records: TraceRecord[]; errors: TraceLineError[] }> {
  const { importer, items } = await openImport(path, format ? { format } : {});
  const all: ImportItem[] = [];
  for await (const item of items) all.push(item);
  return { format: importer.name, records: all.flatMap((i) => ("record" in i ? [i.record] : [])), errors: all.flatMap((i) => ("error" in i ? [i.error] : [])) };
}

function tempFile(name: string, text: string): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rl-pb-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("processbench: label k -> steps before k correct, step k wrong, later steps unlabelled; -1 -> all correct", async () => {
  const { format, records, errors } = await importAll(join(FIXTURES, "processbench/gsm8k.json"));
  assert.equal(format, "processbench");
  assert.deepEqual(errors, []);
  assert.equal(records.length, 4);
  const labels = records.map((r) => r.steps!.map((s) => s.label));
  assert.deepEqual(labels, [
    [1, -1, null, null], // label 1
    [1, 1, 1, 1], // label -1
    [-1, null], // label 0
    [1, 1, -1, null], // label 2
  ]);
  const first = records[0];
  assert.equal(first.prompt?.startsWith("Sue has 18 pink flamingos"), true);
  assert.equal(first.completion, first.steps!.map((s) => s.text).join("\n"));
  assert.equal((first.meta as { split: string }).split, "gsm8k");
  const source = (first.meta as { source: { extra: Record<string, unknown>; line: number; row: number } }).source;
  assert.deepEqual(source.extra, { id: "gsm8k-0", generator: "Qwen2-7B-Instruct", final_answer_correct: false, label: 1 });
  // Elements of a JSON array: ids by element (several may share a line), errors by starting line.
  assert.deepEqual(records.map((r) => r.id), ["gsm8k.json:0", "gsm8k.json:1", "gsm8k.json:2", "gsm8k.json:3"]);
  assert.equal(source.line, 2);
  assert.equal(source.row, 0);
});

test("processbench: a one-line JSON array (json.dump without indent) gives each element its own id; the split comes from the id", async () => {
  const { records } = await importAll(join(FIXTURES, "processbench/math.json"));
  assert.deepEqual(records.map((r) => r.id), ["math.json:0", "math.json:1"]);
  assert.deepEqual(records.map((r) => (r.meta as { split: string }).split), ["math", "math"]);
  assert.deepEqual(records[1].steps!.map((s) => s.label), [1, -1, null]);
});

test("processbench: without an id the split is the file's name; a bad label is an error naming file:line", async () => {
  const rows = [
    { problem: "1+1?", steps: ["1+1=2"], label: -1 },
    { problem: "2+2?", steps: ["2+2=5"], label: 3 },
    { problem: "3+3?", steps: "3+3=6", label: -1 },
  ];
  const file = tempFile("olympiadbench.json", JSON.stringify(rows, null, 2));
  try {
    const { records, errors } = await importAll(file.path, "processbench");
    assert.equal(records.length, 1);
    assert.equal((records[0].meta as { split: string }).split, "olympiadbench");
    assert.deepEqual(errors.map((e) => [e.line, e.message]), [
      [9, 'processbench: "label" must be -1 (no wrong step) or a step index from 0 to 0, got 3'],
      [16, 'processbench: "steps" must be a list of strings, got a string'],
    ]);
  } finally {
    file.done();
  }
});

test("a JSON array cut off mid-element reports the element as truncated, after the complete ones", async () => {
  const text = JSON.stringify([{ problem: "a", steps: ["x"], label: -1 }, { problem: "b", steps: ["y"], label: 0 }], null, 2);
  const file = tempFile("cut.json", text.slice(0, text.length - 20));
  try {
    assert.equal(await sniffContainer(file.path), "json");
    const { records, errors } = await importAll(file.path, "processbench");
    assert.equal(records.length, 1);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /truncated/);
    assert.equal(errors[0].line, 9);
  } finally {
    file.done();
  }
});

test("a JSON array's strings may hold brackets, braces, commas and escaped quotes", async () => {
  const rows = [{ problem: 'a "[x, {y}]" \\ b', steps: ["}", "],", "{\"", "\u00e9\u4e2d"], label: 2 }];
  const file = tempFile("tricky.json", JSON.stringify(rows));
  try {
    const probe = await probeFile(file.path);
    assert.equal(probe.container, "json");
    const { records, errors } = await importAll(file.path);
    assert.deepEqual(errors, []);
    assert.equal(records[0].prompt, rows[0].problem);
    assert.deepEqual(records[0].steps!.map((s) => s.text), rows[0].steps);
  } finally {
    file.done();
  }
});

test("a JSON array read in chunks of 1 to 9 bytes gives the same rows (escapes and multi-byte characters split across chunks)", async () => {
  const rows = [{ a: 'x\\"y\\\\', b: ["\\", "\"", "}]", "\u00e9\u4e2d\ud83d\ude00"] }, { c: 1, d: [[], {}] }, { e: "\\\\\"" }];
  const file = tempFile("chunks.json", JSON.stringify(rows, null, 1));
  try {
    for (let chunkBytes = 1; chunkBytes <= 9; chunkBytes++) {
      const read: unknown[] = [];
      for await (const item of readJsonArrayRows(file.path, { chunkBytes })) read.push("row" in item ? item.row.value : item);
      assert.deepEqual(read, rows, `chunks of ${chunkBytes} bytes`);
    }
  } finally {
    file.done();
  }
});

test("visualprocessbench: every step labelled 1 / 0 / -1, data_source is the split, images resolved from the file's folder", async () => {
  const { format, records, errors } = await importAll(join(FIXTURES, "visualprocessbench/test.jsonl"));
  assert.equal(format, "visualprocessbench");
  assert.deepEqual(errors, []);
  assert.deepEqual(records.map((r) => r.steps!.map((s) => s.label)), [[1, 1, -1, -1], [0, 1, 1], [1, -1, 1, 1]]);
  assert.deepEqual(records.map((r) => (r.meta as { split: string }).split), ["MathVerse", "MMMU", "MathVerse"]);
  assert.deepEqual(records[0].images, ["images/mathverse_0001.png"]);
  assert.deepEqual(records[1].images, ["images/mmmu_0002.png"]); // `image` as a string
  assert.equal(records[0].answer, "130");
  assert.equal(records[0].prompt, "As shown in the figure, AB is parallel to CD and angle 1 = 50 degrees. Find angle 2.");
  const extra = (records[0].meta as { source: { extra: Record<string, unknown> } }).source.extra;
  assert.deepEqual(extra.response, { process_correctness: [1, 1, -1, -1] });
  assert.equal(extra.policy_model, "gpt-4o");
  // The same question over the same image is one group; another question is another.
  assert.notEqual(records[0].group, records[2].group);
});

test("visualprocessbench: a label other than 1/0/-1 or a count mismatch is an error naming the line", async () => {
  const rows = [
    { image: [], question: "q", answer: "a", response: { steps: ["s1", "s2"], process_correctness: [1, 2] }, data_source: "WeMath" },
    { image: [], question: "q", answer: "a", response: { steps: ["s1", "s2"], process_correctness: [1] }, data_source: "WeMath" },
    { image: [], question: "q", answer: "a", response: { steps: ["s1"], process_correctness: [-1] } },
  ];
  const file = tempFile("test.jsonl", rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  try {
    const { records, errors } = await importAll(file.path);
    assert.deepEqual(errors.map((e) => [e.line, e.message]), [
      [1, "visualprocessbench: response.process_correctness[1] must be 1, 0 or -1, got 2"],
      [2, 'visualprocessbench: "response.process_correctness" must be a list with one label per step (2)'],
    ]);
    assert.equal((records[0].meta as { split: string }).split, "all");
  } finally {
    file.done();
  }
});

test("a folder stands for its JSON-array .json files (ProcessBench's download) but not for its other .json files", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-pb-folder-"));
  try {
    copyFileSync(join(FIXTURES, "processbench/math.json"), join(dir, "math.json"));
    copyFileSync(join(FIXTURES, "processbench/gsm8k.json"), join(dir, "gsm8k.json"));
    writeFileSync(join(dir, "dataset_info.json"), JSON.stringify({ splits: ["gsm8k", "math"] }, null, 2));
    writeFileSync(join(dir, "README.md"), "# ProcessBench\n");
    assert.deepEqual(await expandInput(dir), [join(dir, "gsm8k.json"), join(dir, "math.json")]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
