/**
 * math-cot: short arithmetic word problems whose chain of thought writes one equation per step,
 * the format the math-cot arithmetic reward checks:
 *
 *   Mia has 13 eggs and buys 3 boxes of 4. How many now?
 *   <think>Step 1: 3 * 4 = 12
 *   Step 2: 13 + 12 = 25</think><answer>25</answer>
 *
 * Difficulty = number of steps (1..3). Every single step is small on purpose (factors 2..5, gains
 * and losses 1..9, totals under 40): a ~1M-parameter policy learns each step as a fact within a
 * few thousand supervised steps, so a chain written out is nearly always right, while answering a
 * two- or three-step problem without writing the steps is a guess. That gap is what RL closes
 * (sample-workspaces/math-cot/README.md).
 */
import { Rng, checkLevels, exampleId, exampleSeed, levelOf } from "./random";
import { referenceCompletion } from "./shapes";
import type { GenerateOptions, TaskExample } from "./types";

export const MATH_MAX_DIFFICULTY = 3;

/** Every running total stays below this (and above zero). */
const LIMIT = 40;

/** What happens in a problem: how it starts, then up to two events. Each part costs steps. */
type Part = "has" | "bags" | "gain" | "lose" | "buy";
const STEP_COST: Record<Part, number> = { has: 0, bags: 1, gain: 1, lose: 1, buy: 2 };

/** Problem shapes by number of steps: a start ("has a" or "has b bags of c") and events. */
const PLANS: readonly (readonly Part[])[] = [
  ["has", "gain"], ["has", "lose"], ["bags"],
  ["has", "gain", "lose"], ["has", "lose", "gain"], ["has", "buy"], ["bags", "gain"], ["bags", "lose"],
  ["has", "buy", "gain"], ["has", "buy", "lose"], ["has", "gain", "buy"], ["has", "lose", "buy"],
  ["bags", "gain", "lose"], ["bags", "lose", "gain"], ["bags", "buy"],
];

const NAMES = ["Tom", "Ann", "Sam", "Mia", "Ben", "Eva", "Max", "Zoe", "Leo", "Ivy"];
const ITEMS = ["eggs", "pens", "cards", "coins", "shells", "apples", "stamps", "beads"];
const CONTAINERS = ["bags", "boxes", "packs"];
const GAIN_VERBS = ["gets", "finds"];
const LOSE_VERBS = ["loses", "sells"];

interface Problem {
  phrases: string[];
  steps: string[];
  ops: string[];
  total: number;
}

function planCost(plan: readonly Part[]): number {
  return plan.reduce((sum, part) => sum + STEP_COST[part], 0);
}

/** Applies one part to the problem; false when it would leave the number range. */
function applyPart(rng: Rng, part: Part, problem: Problem, item: string): boolean {
  const container = rng.pick(CONTAINERS);
  switch (part) {
    case "has":
      problem.total = rng.int(2, 20);
      problem.phrases.push(`has ${problem.total} ${item}`);
      return true;
    case "bags": {
      const bags = rng.int(2, 5), each = rng.int(2, 5);
      problem.total = bags * each;
      problem.phrases.push(`has ${bags} ${container} of ${each} ${item}`);
      problem.steps.push(`${bags} * ${each} = ${problem.total}`);
      problem.ops.push("mul");
      return true;
    }
    case "gain": {
      const n = rng.int(1, 9);
      problem.phrases.push(`${rng.pick(GAIN_VERBS)} ${n}`);
      problem.steps.push(`${problem.total} + ${n} = ${problem.total + n}`);
      problem.ops.push("add");
      problem.total += n;
      return problem.total < LIMIT;
    }
    case "lose": {
      if (problem.total < 2) return false;
      const n = rng.int(1, Math.min(problem.total - 1, 9));
      problem.phrases.push(`${rng.pick(LOSE_VERBS)} ${n}`);
      problem.steps.push(`${problem.total} - ${n} = ${problem.total - n}`);
      problem.ops.push("sub");
      problem.total -= n;
      return true;
    }
    case "buy": {
      const bags = rng.int(2, 4), each = rng.int(2, 5), bought = bags * each;
      problem.phrases.push(`buys ${bags} ${container} of ${each}`);
      problem.steps.push(`${bags} * ${each} = ${bought}`, `${problem.total} + ${bought} = ${problem.total + bought}`);
      problem.ops.push("mul", "add");
      problem.total += bought;
      return problem.total < LIMIT;
    }
  }
}

/** "Mia has 30 eggs, sells 4 and finds 9." */
function sentence(name: string, phrases: readonly string[]): string {
  const [start, ...events] = phrases;
  if (events.length === 0) return `${name} ${start}.`;
  if (events.length === 1) return `${name} ${start} and ${events[0]}.`;
  return `${name} ${start}, ${events.slice(0, -1).join(", ")} and ${events[events.length - 1]}.`;
}

/**
 * The imperfect teacher's chain: it stops one step early and answers the running total it has
 * (an "underthinking" slip; sample-workspaces/math-cot/README.md says why this is the slip).
 */
function stoppedEarly(steps: readonly string[]): string {
  const kept = steps.slice(0, -1);
  const last = kept[kept.length - 1];
  return referenceCompletion(kept, last.slice(last.lastIndexOf("=") + 1).trim());
}

function mathExample(id: string, seed: number, index: number, level: number): TaskExample {
  const rng = new Rng(exampleSeed(exampleSeed(seed, level), index));
  const plan = rng.pick(PLANS.filter((p) => planCost(p) === level));
  const name = rng.pick(NAMES), item = rng.pick(ITEMS);
  while (true) {
    const problem: Problem = { phrases: [], steps: [], ops: [], total: 0 };
    if (!plan.every((part) => applyPart(rng, part, problem, item))) continue;
    const question = plan.length === 1 ? `How many ${item}?` : "How many now?";
    const answer = String(problem.total);
    return {
      id,
      task: "math-cot",
      prompt: `${sentence(name, problem.phrases)} ${question}`,
      answer,
      reference: referenceCompletion(problem.steps, answer),
      ...(problem.steps.length > 1 ? { slipReference: stoppedEarly(problem.steps) } : {}),
      meta: { type: problem.ops.join("-"), difficulty: level },
    };
  }
}

/**
 * Generates `count` math-cot examples, deterministic from `seed` (example i depends only on
 * seed, i and its level).
 * @throws Error when a difficulty level is outside 1..3.
 */
export function generateMath(options: GenerateOptions): TaskExample[] {
  const { seed, count, difficulty, idPrefix = `math-${seed}`, first = 0 } = options;
  checkLevels(difficulty, MATH_MAX_DIFFICULTY, "math-cot");
  const examples: TaskExample[] = [];
  for (let i = first; i < first + count; i++) examples.push(mathExample(exampleId(idPrefix, i), seed, i, levelOf(difficulty, i)));
  return examples;
}
