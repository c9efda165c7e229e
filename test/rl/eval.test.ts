import { test } from "node:test";
import assert from "node:assert/strict";
import { type DatasetRecord } from "../../src/policy/tasks/dataset";
import { answerTopShare, judge, MIN_ANSWERS_FOR_SHARE, topAnswer } from "../../src/rl/eval";

const counts = (entries: Record<string, number>) => new Map(Object.entries(entries));

test("topAnswer: the most common answer and its share of the answers; null without answers", () => {
  assert.deepEqual(topAnswer(counts({ "1": 44, "2": 13 })), { text: "1", share: 44 / 57 });
  assert.deepEqual(topAnswer(counts({ "red square": 1 })), { text: "red square", share: 1 });
  assert.equal(topAnswer(new Map()), null);
});

test("answerTopShare: the largest share over question types with enough answers", () => {
  const countShape = counts({ "1": 40, "2": 5 });
  const compare = counts({ "blue circle": 13, "yellow triangle": 6, "red square": 33 });
  assert.equal(answerTopShare([compare, countShape]), 40 / 45);
  // A type with fewer answers than the minimum does not count, however concentrated.
  const tiny = counts({ "3": MIN_ANSWERS_FOR_SHARE - 1 });
  assert.equal(answerTopShare([tiny, compare]), 33 / 52);
  assert.equal(answerTopShare([tiny]), null);
  assert.equal(answerTopShare([]), null);
});

test("judge returns the extracted answer with the verdicts", () => {
  const record: DatasetRecord = {
    id: "t",
    prompt: "How many red shapes are there?",
    answer: "2",
    reference: "<think>Step 1: total 2</think><answer>2</answer>",
    meta: { task: "shapes-vqa", type: "count-colour", difficulty: 1 },
  };
  assert.deepEqual(judge(record, "<think>Step 1: total 2</think><answer>2</answer>"), { correct: true, format: true, iou: null, predicted: "2" });
  assert.deepEqual(judge(record, "two, I think"), { correct: false, format: false, iou: null, predicted: null });
});
