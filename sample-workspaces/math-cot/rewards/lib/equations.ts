// A helper shared by reward files: relative imports are bundled with the reward.
const EQUATION = /(-?\d+(?:\.\d+)?)\s*([+\-*/×x])\s*(-?\d+(?:\.\d+)?)\s*=\s*(-?\d+(?:\.\d+)?)/g;

/** 1 when every equation in the text is right, 0 when one is wrong, null when there is none. */
export function checkEquations(text: string): number | null {
  let seen = false;
  for (const [, a, op, b, c] of text.matchAll(EQUATION)) {
    seen = true;
    const x = Number(a), y = Number(b);
    const value = op === "+" ? x + y : op === "-" ? x - y : op === "/" ? x / y : x * y;
    if (Math.abs(value - Number(c)) > 1e-9) return 0;
  }
  return seen ? 1 : null;
}
