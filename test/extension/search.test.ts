import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { SampleRow } from "../../src/protocol/traceViewer";
import { queryRows } from "../../src/extension/traces/rows";
import { fieldsMatch, parseSearch, searchableMeta, unknownKeys } from "../../src/extension/traces/search";
import { TraceIndex } from "../../src/extension/traces/traceIndex";

const row = (index: number, rewards: Record<string, number | null>, meta?: SampleRow["meta"]): SampleRow => ({ index, line: index + 1, id: `s-${index}`, group: `g-${index % 2}`, rewards, total: 1, advantage: null, length: 10 * index, ...(meta ? { meta } : {}) });

test("parseSearch splits words, phrases, field terms and negations", () => {
  const parsed = parseSearch(' Carry "two words" type:locate difficulty=3 accuracy<1 total>=0.5 -noise -meta.type:count type:"count colour"');
  assert.deepEqual(parsed.text, [
    { text: "carry", negated: false },
    { text: "two words", negated: false },
    { text: "noise", negated: true },
  ]);
  assert.deepEqual(
    parsed.fields.map((f) => `${f.negated ? "-" : ""}${f.key}${f.operator}${f.value}`),
    ["type:locate", "difficulty=3", "accuracy<1", "total>=0.5", "-type:count", "type:count colour"],
  );
  assert.deepEqual(parseSearch("   "), { text: [], fields: [] });
  assert.deepEqual(parseSearch("a:").text, [{ text: "a:", negated: false }], "a key with no value is a word");
  assert.deepEqual(parseSearch("-").text, [{ text: "-", negated: false }]);
});

test("field terms read rewards, builtin numbers, id/group and meta; missing values never match", () => {
  const rows = [row(0, { accuracy: 1 }, { type: "locate", difficulty: 3 }), row(1, { accuracy: 0 }, { type: "count-colour", difficulty: 1 }), row(2, { accuracy: null })];
  const keep = (line: string) => rows.filter((r) => fieldsMatch(r, parseSearch(line).fields)).map((r) => r.index);
  assert.deepEqual(keep("type:count"), [1]);
  assert.deepEqual(keep("type=locate"), [0]);
  assert.deepEqual(keep("type=loc"), [], "= is whole-value");
  assert.deepEqual(keep("TYPE:LOCATE"), [], "keys are case-sensitive, as in the file");
  assert.deepEqual(keep("type:LOCATE"), [0], "values are not");
  assert.deepEqual(keep("difficulty=3"), [0]);
  assert.deepEqual(keep("difficulty>=1"), [0, 1]);
  assert.deepEqual(keep("accuracy<1"), [1], "a null reward matches no comparison");
  assert.deepEqual(keep("-accuracy<1"), [0, 2]);
  assert.deepEqual(keep("length>5 group:g-0"), [2]);
  assert.deepEqual(keep("id=s-1"), [1]);
  assert.deepEqual(unknownKeys(rows, parseSearch("acuracy<1 type:x total>1 id:s").fields), ["acuracy"]);
});

test("queryRows combines the search with the other filters; without file text, words match id and group", () => {
  const rows = [row(0, { accuracy: 1 }, { type: "locate" }), row(1, { accuracy: 0 }, { type: "locate" }), row(2, { accuracy: 0 }, { type: "count" })];
  const sort = { key: "index" as const, descending: false };
  assert.deepEqual([...queryRows(rows, { sort, filter: { search: "type:locate accuracy<1" } })], [1]);
  assert.deepEqual([...queryRows(rows, { sort, filter: { search: "g-0" } })], [0, 2]);
  assert.deepEqual([...queryRows(rows, { sort, filter: { search: "type:locate" } }, Uint8Array.from([0, 0, 0]))], [0, 1], "no text terms: hits unused");
  assert.deepEqual([...queryRows(rows, { sort, filter: { search: "carry" } }, Uint8Array.from([0, 1, 1]))], [1, 2]);
});

test("searchableMeta keeps top-level scalars only, cut short", () => {
  assert.deepEqual(searchableMeta({ type: "locate", difficulty: 2, ok: true, nested: { a: 1 }, list: [1], bad: Number.NaN, long: "x".repeat(500) }), { type: "locate", difficulty: 2, ok: true, long: "x".repeat(200) });
  assert.equal(searchableMeta(["a"]), undefined);
  assert.equal(searchableMeta({ nested: {} }), undefined);
});

function traceFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "rewardlab-search-")), "t.trace.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

test("TraceIndex.textMatches searches prompt, completion and answer in the file, escapes included", async () => {
  const file = traceFile([
    JSON.stringify({ id: "a", prompt: "Add 2 and 3", completion: "I carry the one", answer: 5, meta: { type: "add" } }),
    "{broken carry",
    JSON.stringify({ id: "b", prompt: "Quote", completion: 'He said "stop"\nthen \\frac{1}{2}', answer: "½" }),
    JSON.stringify({ id: "c", prompt: "x", completion: "no match here", answer: { boxes: [[1, 2, 3, 4]] } }),
  ]);
  const index = await TraceIndex.build(file);
  assert.deepEqual(index.rows[0].meta, { type: "add" });
  const hits = async (line: string) => [...(await index.textMatches(parseSearch(line).text))];
  assert.deepEqual(await hits("carry"), [1, 0, 0, 0], "a malformed line never matches");
  assert.deepEqual(await hits('"He SAID"'), [0, 0, 1, 0], "a phrase, case-insensitive");
  assert.deepEqual(await hits("\\frac"), [0, 0, 1, 0], "a backslash matches the decoded text, not the JSON escape");
  assert.deepEqual(await hits("½"), [0, 0, 1, 0]);
  assert.deepEqual(await hits("add -carry"), [0, 0, 0, 0]);
  assert.deepEqual(await hits("-carry"), [0, 0, 1, 1]);
  assert.deepEqual(await hits("[1,2,3,4]"), [0, 0, 0, 1], "a structured answer is searched as JSON");
});

test("TraceIndex.writeSamples writes the chosen lines in order and never over the trace", async () => {
  const lines = [0, 1, 2].map((i) => JSON.stringify({ id: `s${i}`, completion: `c${i}`, rewards: { acc: i } }));
  const file = traceFile(lines);
  const index = await TraceIndex.build(file);
  const out = join(mkdtempSync(join(tmpdir(), "rewardlab-export-")), "out.trace.jsonl");
  assert.equal(await index.writeSamples(Int32Array.from([2, 0]), out), 2);
  assert.equal(readFileSync(out, "utf8"), `${lines[2]}\n${lines[0]}\n`);
  assert.equal(await index.rawLine(1), lines[1]);
  await assert.rejects(index.writeSamples([0], file), /will not write .* over the trace/);
  assert.equal(readFileSync(file, "utf8"), `${lines.join("\n")}\n`, "the trace is untouched");
});
