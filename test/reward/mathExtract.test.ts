// Where answers stand in free text (src/reward/builtin/mathExtract.ts, src/trace/answer.ts): the
// shortcuts that find a completion's first candidate, or its boxes, without the full search must
// give what the full search gives. Seeded generated texts from the pieces answers are made of.
import { test } from "node:test";
import assert from "node:assert/strict";
import { extractMathAnswers, MathCandidates, type MathTarget } from "../../src/reward/builtin/mathExtract";
import { boxesFromEnd, lastBoxed } from "../../src/trace/answer";

const PIECES = [
  "\\boxed{", "\\fbox{", "}", "{", " and ", "$", "$$", "\\(", "\\)", "\\[", "\\]", "1", "23", " ", "\n", "x", "\\frac{1}{2}",
  "The final answer is ", "answer: ", "Answer", "FINAL ANSWER IS ", "the answer", " : ", "<answer>", "</answer>", ", ", "\\{", "\\}",
  "words here ", "\\quad", "I hope", ".", "%", "\\boxed {", "-", "4 4/9", "1,000", "2,74", "<think>", "</think>", "\\\\",
  // Whole answers, so that boxes, tags and phrases meet in one text often enough.
  "\\boxed{12}", "\\boxed{\\boxed{3}}", "\\boxed{\\boxed 3}", "\\boxed{ \\fbox}", "\\boxed{ \\fbox{4} }", "\\fbox{x}", "<answer>5</answer>", "<answer>\\boxed{2}</answer>",
  "The final answer is $4$. I hope it is correct.", "Answer: 7\n", "$\\frac{3}{4}$",
];

function generatedTexts(count: number, seed: number): string[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => {
    let text = "";
    for (let i = 1 + Math.floor(random() * 14); i > 0; i--) text += PIECES[Math.floor(random() * PIECES.length)];
    return text;
  });
}

test("a completion's first candidate, found without the others, is the full extraction's first", () => {
  const targetSets: MathTarget[][] = [["latex", "expr"], ["latex"], ["expr"]];
  for (const text of generatedTexts(4000, 7)) {
    for (const boxedPriority of [0, 50, -1, 299, 300]) {
      for (const targets of targetSets) {
        const full = extractMathAnswers(text, targets, boxedPriority);
        const candidates = new MathCandidates(text, targets, boxedPriority);
        assert.equal(candidates.first(), full[0], `${JSON.stringify(text)} (box priority ${boxedPriority}, ${targets.join("+")})`);
        assert.deepEqual(candidates.all(), full);
      }
    }
  }
});

/** The last box whose braces balance within `text` (a scan per box: the definition, not fast). */
function lastBalancedBox(text: string): { text: string; commandStart: number } | null {
  let best: { text: string; commandStart: number; from: number } | null = null;
  for (const command of ["\\boxed", "\\fbox"]) {
    for (let at = text.indexOf(command); at !== -1; at = text.indexOf(command, at + command.length)) {
      let open = at + command.length;
      while (text[open] === " ") open++;
      if (text[open] !== "{") continue;
      let depth = 1;
      let close = -1;
      for (let i = open + 1; i < text.length && close === -1; i++) {
        if (text[i] === "\\") i++;
        else if (text[i] === "{") depth++;
        else if (text[i] === "}" && --depth === 0) close = i;
      }
      if (close === -1 || (best && best.from > at + command.length)) continue;
      const inner = text.slice(open + 1, close).trim();
      const innerStart = text.indexOf(inner, open + 1);
      const nested = inner.startsWith("\\boxed") || inner.startsWith("\\fbox");
      best = { text: inner, commandStart: nested ? innerStart : at, from: at + command.length };
    }
  }
  return best && { text: best.text, commandStart: best.commandStart };
}

test("boxesFromEnd finds each box as the last balanced box of the text cut where the one after it starts", () => {
  for (const text of generatedTexts(4000, 11)) {
    const expected: { text: string; commandStart: number }[] = [];
    for (let rest = text, box = lastBalancedBox(rest); box; rest = rest.slice(0, box.commandStart), box = lastBalancedBox(rest)) expected.push(box);
    const found = [...boxesFromEnd(text)].map((b) => ({ text: b.text, commandStart: b.commandStart }));
    assert.deepEqual(found, expected, JSON.stringify(text));
    assert.equal(lastBoxed(text)?.text, expected[0]?.text, JSON.stringify(text));
  }
});
