// Reads a math-cot problem back from its prompt and lists the steps that solve it, so a reward can
// judge each written step against the problem (not just its arithmetic). The prompts are generated
// from a few templates (src/policy/tasks/math.ts), so a regular expression reads them exactly.

/** One solution step: `a op b = result`. */
export interface SolutionStep {
  a: number;
  op: "+" | "-" | "*";
  b: number;
  result: number;
}

const PART = /has (\d+) (?:bags|boxes|packs) of (\d+)|has (\d+)|(?:gets|finds) (\d+)|(?:loses|sells) (\d+)|buys (\d+) (?:bags|boxes|packs) of (\d+)/g;

/** The steps that solve `prompt`, in order; null when the prompt is not a math-cot problem. */
export function solutionSteps(prompt: string): SolutionStep[] | null {
  const steps: SolutionStep[] = [];
  let total: number | null = null;
  for (const m of prompt.matchAll(PART)) {
    const [, bags, each, start, gain, lose, buyBags, buyEach] = m.map((x) => (x === undefined ? NaN : Number(x)));
    if (!Number.isNaN(bags)) {
      total = bags * each;
      steps.push({ a: bags, op: "*", b: each, result: total });
    } else if (!Number.isNaN(start)) {
      total = start;
    } else if (total === null) {
      return null; // an event before the start
    } else if (!Number.isNaN(gain)) {
      steps.push({ a: total, op: "+", b: gain, result: (total += gain) });
    } else if (!Number.isNaN(lose)) {
      steps.push({ a: total, op: "-", b: lose, result: (total -= lose) });
    } else {
      const bought = buyBags * buyEach;
      steps.push({ a: buyBags, op: "*", b: buyEach, result: bought });
      steps.push({ a: total, op: "+", b: bought, result: (total += bought) });
    }
  }
  return steps.length > 0 ? steps : null;
}

const EQUATION = /(\d+)\s*([+\-*×x])\s*(\d+)\s*=\s*(\d+)/;

/** Whether `text` states `step` (either order for + and *). */
export function statesStep(text: string, step: SolutionStep): boolean {
  const m = EQUATION.exec(text);
  if (!m) return false;
  const [a, b, result] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const op = m[2] === "×" || m[2] === "x" ? "*" : m[2];
  if (op !== step.op || result !== step.result) return false;
  return (a === step.a && b === step.b) || (op !== "-" && a === step.b && b === step.a);
}
