/**
 * The workload the scoring benchmarks share: generated multiplication rollouts (the format and
 * answer-match rewards' kind of sample) and the Python checks a user would write for them (json +
 * re), which each benchmark's Python reference builds on.
 */
import { writeFileSync } from "node:fs";

/** Writes `count` generated samples (groups of 8) to `path`; returns the bytes written. */
export function generate(path: string, count: number): number {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = Math.floor(rand() * 900) + 10, b = Math.floor(rand() * 90) + 2;
    const right = a * b, said = rand() < 0.6 ? right : right + 1;
    const think = `Step 1: We need ${a} times ${b}.\n\nStep 2: ${a} * ${b} = ${said}.\n\nStep 3: So the total is ${said.toLocaleString("en-US")}.`;
    const completion = rand() < 0.85 ? `<think>${think}</think>\n<answer>${said}</answer>` : `${think} The answer is \\boxed{${said}}.`;
    lines.push(JSON.stringify({ id: `s${i}`, group: `p${i >> 3}`, prompt: `What is ${a} * ${b}?`, completion, answer: String(right) }));
  }
  writeFileSync(path, lines.join("\n") + "\n");
  return lines.reduce((n, l) => n + l.length + 1, 0);
}

/** Python: imports, the format and answer regexes, and answer matching with a number tolerance. */
export const PYTHON_CHECKS = String.raw`
import json, re, sys
FORMAT = re.compile(r"^\s*<think>.*?</think>\s*<answer>.*?</answer>\s*$", re.S)
ANSWER = re.compile(r"<answer>(.*?)</answer>", re.S)
BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
def norm(s):
    s = s.strip().replace(",", "").rstrip(".")
    try: return float(s)
    except ValueError: return s.lower()
def match(pred, gold):
    p, g = norm(pred), norm(gold)
    if isinstance(p, float) and isinstance(g, float): return abs(p - g) <= 1e-6 * max(1.0, abs(g))
    return p == g
`;
