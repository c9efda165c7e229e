// The sample workspaces' reward files on generated data: the reference chains of thought score
// full marks, `answerCorrect` (used by `rewardlab eval`) agrees with the accuracy rewards, and the
// hackable rewards pay for what they should not.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ProcessReward, RewardContext, RewardDefinition, Score } from "../../src/reward/api/types";
import { TraceSample } from "../../src/reward/sample";
import { answerCorrect, generateMath, generateShapes, toRecord, type TaskExample } from "../../src/policy/tasks/index";
import shapesFormat from "../../sample-workspaces/shapes-vqa/rewards/format.reward";
import shapesAccuracy from "../../sample-workspaces/shapes-vqa/rewards/accuracy.reward";
import shapesIou from "../../sample-workspaces/shapes-vqa/rewards/iou.reward";
import shapesGrounding from "../../sample-workspaces/shapes-vqa/rewards/grounding.reward";
import shapesCoverage from "../../sample-workspaces/shapes-vqa/hackable/coverage.reward";
import mathFormat from "../../sample-workspaces/math-cot/rewards/format.reward";
import mathAccuracy from "../../sample-workspaces/math-cot/rewards/accuracy.reward";
import mathArithmetic from "../../sample-workspaces/math-cot/rewards/arithmetic.reward";
import mathConcise from "../../sample-workspaces/math-cot/hackable/concise.reward";
import mathSolution from "../../sample-workspaces/math-cot/process/solution.reward";

const shapes = generateShapes({ seed: 11, count: 200, difficulty: [1, 2, 3] });
const math = generateMath({ seed: 11, count: 100, difficulty: [1, 2, 3] });
const ctx: RewardContext = { file: "", imageSize: () => ({ width: 64, height: 64 }), log: { metric() {} } };

function sample(example: TaskExample, completion = example.reference): TraceSample {
  return new TraceSample({ ...toRecord(example), completion }, 0, 1, { mode: "auto" });
}

/** An outcome reward's score, or a process reward's aggregate (mean or min of non-null steps). */
function score(reward: RewardDefinition, s: TraceSample): Score {
  if (reward.kind === "batch") throw new Error("no batch rewards here");
  const value = reward.score(s, ctx);
  if (value instanceof Promise) throw new Error("sync rewards only");
  if (reward.kind !== "process") return value as Score;
  const steps = (value as Score[] | null)?.filter((v): v is number => v !== null) ?? [];
  if (steps.length === 0) return null;
  const aggregate = (reward as ProcessReward).aggregate;
  return aggregate === "min" ? Math.min(...steps) : steps.reduce((a, b) => a + b, 0) / steps.length;
}

test("shapes-vqa: reference completions get full format, accuracy, IoU and grounding", () => {
  for (const example of shapes) {
    const s = sample(example);
    assert.equal(score(shapesFormat, s), 1, example.id);
    assert.equal(score(shapesAccuracy, s), 1, example.id);
    assert.equal(score(shapesGrounding, s), 1, example.id);
    assert.equal(score(shapesIou, s), example.meta.type === "locate" ? 1 : null, example.id);
    assert.ok(answerCorrect(example.answer, s.answerText), example.id);
  }
});

test("shapes-vqa: the careless annotator's count slip lists every object, then tallies one short", () => {
  const slips = shapes.filter((example) => example.meta.type.startsWith("count") && example.slipReference);
  assert.ok(slips.length > 10, `count slips: ${slips.length}`);
  for (const example of slips) {
    const wanted = Number(example.answer);
    assert.ok(wanted >= 2, "only from two objects up");
    const listed = (ref: string) => ref.split("\n").filter((line) => /\[\d+,\d+,\d+,\d+\]/.test(line));
    assert.deepEqual(listed(example.slipReference!), listed(example.reference), example.id);
    const s = sample(example, example.slipReference);
    assert.equal(s.answerText, String(wanted - 1), example.id);
    assert.equal(score(shapesAccuracy, s), 0, example.id);
    // Grounding pays every listed object and nothing for a total that does not follow from them.
    const steps = shapesGrounding.score(s, ctx) as Score[];
    assert.deepEqual(steps, [...Array(wanted).fill(1), 0], example.id);
  }
});

test("math-cot: reference completions get full format, accuracy, arithmetic and solution", () => {
  for (const example of math) {
    const s = sample(example);
    for (const reward of [mathFormat, mathAccuracy, mathArithmetic, mathSolution]) assert.equal(score(reward, s), 1, `${example.id} ${reward.name}`);
    assert.ok(answerCorrect(example.answer, s.answerText), example.id);
  }
});

test("answerCorrect (rewardlab eval) agrees with the accuracy rewards on wrong and near answers", () => {
  const variants = (answer: string): string[] => {
    const box = /^\[(.*)\]$/.exec(answer);
    if (box) {
      const [x1, y1, x2, y2] = box[1].split(",").map(Number);
      return [0, 2, 4, 6, 9].map((d) => `[${x1 + d}, ${y1}, ${x2 + d}, ${y2 - d}]`).concat(["[1,2,3]", "left"]);
    }
    return [answer, ` ${answer.toUpperCase()} `, `${answer}0`, "7", "red circle", "", "2.0"];
  };
  let agreed = 0;
  for (const example of [...shapes, ...math]) {
    const accuracy = example.task === "math-cot" ? mathAccuracy : shapesAccuracy;
    for (const predicted of variants(example.answer)) {
      const s = sample(example, `<think>x</think><answer>${predicted}</answer>`);
      assert.equal(score(accuracy, s) === 1, answerCorrect(example.answer, s.answerText), `${example.id}: "${predicted}" vs "${example.answer}"`);
      agreed++;
    }
  }
  assert.ok(agreed > 1000);
});

test("grounding scores each step: a shifted box, an invented object, a repeated one, a wrong total", () => {
  const example = shapes.find((e) => e.meta.type === "count-colour" && e.answer === "2")!;
  const [first, second] = example.reference.slice(7, example.reference.indexOf("</think>")).split("\n");
  const box = /\[(.*)\]/.exec(first)![1].split(",").map(Number);
  const shifted = first.replace(/\[.*\]/, `[${box[0] + 2},${box[1]},${box[2] + 2},${box[3]}]`);
  const think = [shifted, second, "Step 3: " + first.slice(8), "Step 4: purple circle [1,1,5,5]", "Step 5: total 2"].join("\n");
  const steps = shapesGrounding.score(sample(example, `<think>${think}</think><answer>2</answer>`), ctx) as Score[];
  const side = box[2] - box[0] + 1;
  assert.equal(steps.length, 5);
  assert.ok(Math.abs(steps[0]! - (side - 2) / (side + 2)) < 1e-9, `shifted box: ${steps[0]}`);
  assert.equal(steps[1], 1);
  assert.equal(steps[2], 0, "the first object again: its box is already claimed");
  assert.equal(steps[3], null, "not an object step of this task");
  assert.equal(steps[4], 0, "total 2 after listing 3 objects");
});

test("the hackable rewards pay for padding that makes the answer wrong", () => {
  const example = shapes.find((e) => e.meta.type === "count-shape" && e.answer === "1")!;
  const line = example.reference.slice(7, example.reference.indexOf("\n"));
  const padded = `<think>${[1, 2, 3, 4].map((i) => line.replace("Step 1", `Step ${i}`)).join("\n")}\nStep 5: total 4</think><answer>4</answer>`;
  const [honest, hacked] = [sample(example), sample(example, padded)];
  assert.ok(score(shapesCoverage, hacked)! > score(shapesCoverage, honest)!);
  assert.equal(score(shapesCoverage, hacked), 1);
  assert.equal(score(shapesAccuracy, hacked), 0);
  assert.ok(score(shapesGrounding, hacked)! < 0.5);

  const problem = math.find((e) => e.meta.difficulty === 3)!;
  const early = problem.slipReference!;
  const terse = `<think>The answer is 3.</think><answer>3</answer>`;
  assert.ok(score(mathConcise, sample(problem, early))! > score(mathConcise, sample(problem))!);
  assert.ok(score(mathConcise, sample(problem, terse))! > score(mathConcise, sample(problem, early))!);
  assert.equal(score(mathAccuracy, sample(problem, early)), 0);
});

test("math-cot solution (process): each step judged against the problem, stopping early scores the last step 0", () => {
  const problem = math.find((e) => e.meta.type === "mul-add-sub" || e.meta.type === "mul-sub-add")!;
  const steps = problem.reference.slice(7, problem.reference.indexOf("</think>")).split("\n");
  const think = (lines: string[], answer: string) => `<think>${lines.join("\n")}</think><answer>${answer}</answer>`;
  const stepScores = (completion: string) => mathSolution.score(sample(problem, completion), ctx);
  assert.deepEqual(stepScores(problem.reference), [1, 1, 1]);
  assert.deepEqual(stepScores(problem.slipReference!), [1, 0], "stopped one step early");
  // A wrong result in step 2 costs that step, not the right steps around it (an outcome reward: 0).
  const [a, rest] = steps[1].split(" = ");
  const slipped = [steps[0], `${a} = ${Number(rest) + 1}`, steps[2]];
  assert.deepEqual(stepScores(think(slipped, "0")), [1, 0, 1]);
  // Right numbers in either order for * (and +), and a step from another problem.
  const [x, , y] = steps[0].replace(/^Step 1: /, "").split(" ");
  assert.deepEqual(stepScores(think([steps[0].replace(`${x} * ${y}`, `${y} * ${x}`), steps[1], steps[2]], problem.answer)), [1, 1, 1]);
  assert.deepEqual(stepScores(think(["Step 1: 2 + 2 = 4"], "4")), [0]);
  assert.equal(mathSolution.score(sample({ ...problem, prompt: "What is the capital of France?" }), ctx), null);
});
