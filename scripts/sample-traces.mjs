#!/usr/bin/env node
// Writes sample-workspaces/math-cot/data/rollouts.trace.jsonl: GRPO-style groups of 4 completions per
// multi-step arithmetic prompt, with the kinds of mistakes a weak policy makes (wrong step, wrong
// final answer, missing tags, boxed answers). Deterministic (seeded); re-run to regenerate.
import { writeFileSync } from "node:fs";

let seed = 17;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const lines = [];
for (let p = 0; p < 12; p++) {
  const a = int(2, 40), b = int(2, 9), c = int(2, 9);
  const product = b * c, answer = a + product;
  const prompt = `Tom has ${a} marbles. He buys ${b} bags with ${c} marbles each. How many marbles does he have now?`;
  for (let g = 0; g < 4; g++) {
    const kind = rand();
    const wrongStep = kind < 0.25;
    const stepProduct = wrongStep ? product + int(1, 5) : product;
    const final = a + stepProduct + (kind > 0.25 && kind < 0.4 ? 1 : 0);
    const think = `Step 1: ${b} bags with ${c} each is ${b} * ${c} = ${stepProduct}.\nStep 2: ${a} + ${stepProduct} = ${a + stepProduct}.`;
    let completion;
    if (kind > 0.9) completion = `${think}\nSo the answer is ${final}.`; // no tags
    else if (kind > 0.8) completion = `<think>${think}</think> The answer is \\boxed{${final}}.`;
    else completion = `<think>${think}</think><answer>${final}</answer>`;
    lines.push(JSON.stringify({ id: `p${p}-s${g}`, group: `p${p}`, step: 0, prompt, completion, answer: String(answer) }));
  }
}
writeFileSync(new URL("../sample-workspaces/math-cot/data/rollouts.trace.jsonl", import.meta.url), lines.join("\n") + "\n");
console.log(`wrote ${lines.length} samples`);
