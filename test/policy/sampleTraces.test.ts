// The rollout traces the sample workspaces ship (opened first by a newcomer) must be readable
// traces whose images are there, relative to the trace as the trace format says.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { parseTraceRecord } from "../../src/trace/reader";

const root = new URL("../..", import.meta.url).pathname;

for (const workspace of ["math-cot", "shapes-vqa"]) {
  test(`${workspace}: the shipped rollouts trace parses and its images exist`, () => {
    const file = join(root, "sample-workspaces", workspace, "data/rollouts.trace.jsonl");
    const lines = readFileSync(file, "utf8").trim().split("\n");
    assert.ok(lines.length >= 20, `${lines.length} rollouts`);
    lines.forEach((line, i) => {
      const record = parseTraceRecord(line, file, i + 1);
      assert.ok(record.group, `line ${i + 1} has a group`);
      for (const image of record.images ?? []) assert.ok(existsSync(join(dirname(file), image)), `line ${i + 1}: ${image} missing`);
    });
  });
}
