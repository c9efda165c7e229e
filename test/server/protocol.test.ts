import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRewardRequest, RequestError } from "../../src/server/protocol";

test("completion is the query minus its prompt; a query that does not start with the prompt is kept whole", () => {
  const { records } = parseRewardRequest(JSON.stringify({ query: ["P: hi<answer>1</answer>", "other text"], prompts: ["P: hi", "P: hi"], labels: ["1", { x: 2 }] }));
  assert.deepEqual(records[0], { id: "q0", prompt: "P: hi", completion: "<answer>1</answer>", answer: "1" });
  assert.deepEqual(records[1], { id: "q1", prompt: "P: hi", completion: "other text", answer: { x: 2 } });
});

test("query only (older OpenRLHF) and null labels map to records without prompt or answer", () => {
  assert.deepEqual(parseRewardRequest('{"query": ["abc"]}').records, [{ id: "q0", completion: "abc" }]);
  assert.deepEqual(parseRewardRequest('{"query": ["abc"], "prompts": null, "labels": [null]}').records, [{ id: "q0", completion: "abc" }]);
});

test("errors are RequestError 400 naming the field and index", () => {
  const reject = (body: string, message: RegExp) =>
    assert.throws(() => parseRewardRequest(body), (e: unknown) => e instanceof RequestError && e.status === 400 && message.test(e.message));
  reject("", /not valid JSON/);
  reject("null", /JSON object/);
  reject('{"query": [1]}', /"query\[0\]" must be a string \(got a number\)/);
  reject('{"query": ["a"], "prompts": ["a", "b"]}', /"prompts" has 2 entries but "query" has 1/);
  reject('{"query": ["a"], "prompts": {"0": "a"}}', /"prompts" must be a list of strings \(got an object\)/);
});
