import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { exampleLocations, exampleSource } from "../../src/extension/testing/exampleLocations";

test("exampleLocations lists each pinned case at its line, labelled by its note or completion", () => {
  const text = [
    'export default defineReward({',
    '  name: "acc",',
    '  score: (s) => (s.answerText === "{x}" ? 1 : 0),',
    '  examples: [',
    '    { completion: "<answer>{x}</answer>", expect: 1 },',
    '    // { completion: "commented out", expect: 0 },',
    '    {',
    '      completion: "<answer>y</answer>",',
    "      note: 'a \\'wrong\\' answer',",
    '      expect: 0,',
    '      answer: { nested: [1, { deep: true }] },',
    '    },',
    '  ],',
    '});',
  ].join("\n");
  assert.deepEqual(exampleLocations(text), [
    { line: 4, label: '"<answer>{x}</answer>"' },
    { line: 6, label: "a 'wrong' answer" },
  ]);
  assert.deepEqual(exampleLocations("export default defineReward({ name: 'x', score: () => 1 });"), []);
});

test("exampleLocations finds the sample workspaces' cases, as many as rewardlab test runs", () => {
  const root = new URL("../..", import.meta.url).pathname;
  const accuracy = exampleLocations(readFileSync(`${root}sample-workspaces/math-cot/rewards/accuracy.reward.ts`, "utf8"));
  assert.deepEqual(accuracy.map((e) => e.label), ["\"<think>Step 1: 6 * 3 = 18.</think><answer>18</a…\"", "a wrong answer", "boxed inside the tag", "no tags: right by Math-Verify's rules; format marks it down", "no ground truth: does not apply"]);
  assert.equal(accuracy[1].line, 10);
});

test("exampleSource writes a case exampleLocations reads back, with the score it gets now", () => {
  const record = { completion: 'say "hi"\n<answer>2</answer>', answer: "2", images: ["images/a.png"], regions: [{ box: [1, 2, 3, 4] as [number, number, number, number], label: "red square", frame: "pixel" as const }] };
  const entry = exampleSource(record, 0.333333333, "s-1 (t.trace.jsonl:4)", "    ");
  assert.equal(entry, `    { completion: ${JSON.stringify(record.completion)}, answer: "2", images: ["images/a.png"], regions: [{"box":[1,2,3,4],"label":"red square","frame":"pixel"}], expect: 0.333333, note: "s-1 (t.trace.jsonl:4)" },\n`);
  assert.deepEqual(exampleLocations(`export default defineReward({\n  examples: [\n${entry}  ],\n});\n`), [{ line: 2, label: "s-1 (t.trace.jsonl:4)" }]);
  assert.match(exampleSource({ completion: "x" }, null, "n", ""), /expect: null/);
});
