/**
 * A real-number evaluator for the arithmetic part of MathJSON (compute-engine's reading of an
 * answer, and mathFastParse.ts's): numbers, rationals, + - * / ^, roots, pi, e and the elementary
 * functions. The comparison rules test values at seeded points with it, so that the engine's
 * `subs` / `N` / `simplify` (hundreds of microseconds each) run only for what it does not know:
 * sums, integrals, functions of the answer's own, complex numbers. Part of the Math-Verify judge
 * (mathVerify.ts); it is an evaluator, not algebra.
 */

/** Values of the unknowns, by the engine's symbol names (`x`, `y_1`). */
export type PointValues = Readonly<Record<string, number>>;

const CONSTANTS: Readonly<Record<string, number>> = { Pi: Math.PI, ExponentialE: Math.E };

type Fn = (args: number[]) => number;
const unary = (f: (x: number) => number): Fn => (args) => (args.length === 1 ? f(args[0]) : NaN);

/** Operators by MathJSON name. A name missing here makes the evaluator refuse the expression. */
const FUNCTIONS: Readonly<Record<string, Fn>> = {
  Add: (args) => args.reduce((s, x) => s + x, 0),
  Subtract: (args) => (args.length === 1 ? -args[0] : args.slice(1).reduce((s, x) => s - x, args[0])),
  Negate: unary((x) => -x),
  Multiply: (args) => args.reduce((p, x) => p * x, 1),
  Divide: (args) => (args.length === 2 ? args[0] / args[1] : NaN),
  Rational: (args) => (args.length === 2 ? args[0] / args[1] : NaN),
  Square: unary((x) => x * x),
  Sqrt: unary(Math.sqrt),
  Exp: unary(Math.exp),
  Ln: unary(Math.log),
  Log: (args) => (args.length === 1 ? Math.log10(args[0]) : args.length === 2 ? Math.log(args[0]) / Math.log(args[1]) : NaN),
  Abs: unary(Math.abs),
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  Tan: unary(Math.tan),
  Sec: unary((x) => 1 / Math.cos(x)),
  Csc: unary((x) => 1 / Math.sin(x)),
  Cot: unary((x) => 1 / Math.tan(x)),
  Arcsin: unary(Math.asin),
  Arccos: unary(Math.acos),
  Arctan: unary(Math.atan),
  Sinh: unary(Math.sinh),
  Cosh: unary(Math.cosh),
  Tanh: unary(Math.tanh),
  Delimiter: unary((x) => x),
};

/**
 * The value of a MathJSON expression with `values` for its unknowns: `undefined` when it holds an
 * operator or symbol this evaluator does not know (the caller asks the engine), NaN or an infinity
 * outside the real numbers' reach (`\sqrt{-1}`, `1/0`: the caller asks the engine too).
 */
export function evaluateReal(json: unknown, values: PointValues): number | undefined {
  if (typeof json === "number") return json;
  if (typeof json === "string") return Object.hasOwn(values, json) ? values[json] : Object.hasOwn(CONSTANTS, json) ? CONSTANTS[json] : undefined;
  if (Array.isArray(json)) {
    if ((json[0] === "Power" || json[0] === "Root") && json.length === 3) return realPower(json[0], json[1], json[2], values);
    const f = typeof json[0] === "string" && Object.hasOwn(FUNCTIONS, json[0]) ? FUNCTIONS[json[0]] : undefined;
    if (!f || json.length < 2) return undefined;
    const args: number[] = [];
    for (let i = 1; i < json.length; i++) {
      const x = evaluateReal(json[i], values);
      if (x === undefined) return undefined;
      args.push(x);
    }
    return f(args);
  }
  // Numbers too long for a double: `{"num": "12345678901234567890"}`.
  if (json !== null && typeof json === "object" && typeof (json as { num?: unknown }).num === "string") {
    const x = Number((json as { num: string }).num);
    return Number.isNaN(x) ? undefined : x;
  }
  return undefined;
}

/**
 * `base^exponent` (`Power`) or the `exponent`-th root (`Root`), real as the engine takes them: an odd
 * root of a negative number is negative (`\sqrt[3]{-8}` is -2, `(-8)^{2/3}` is 4). Other powers of
 * a negative number are NaN (complex: the caller defers).
 */
function realPower(head: "Power" | "Root", baseJson: unknown, exponentJson: unknown, values: PointValues): number | undefined {
  const base = evaluateReal(baseJson, values);
  const exponent = evaluateReal(exponentJson, values);
  if (base === undefined || exponent === undefined) return undefined;
  // p/q as integers: the exponent of a Power, or 1/n for the n-th root.
  const ratio = head === "Root" ? (Number.isInteger(exponent) ? [1, exponent] : undefined) : integerRatio(exponentJson);
  if (base < 0 && ratio && Math.abs(ratio[1]) % 2 === 1) {
    const magnitude = Math.pow(-base, ratio[0] / ratio[1]);
    return Math.abs(ratio[0]) % 2 === 1 ? -magnitude : magnitude;
  }
  return Math.pow(base, head === "Root" ? 1 / exponent : exponent);
}

/** `[p, q]` when `json` is the ratio of two integers as written (`["Rational", 2, 3]`, `["Divide", 1, 3]`, `2`). */
function integerRatio(json: unknown): [number, number] | undefined {
  if (Number.isInteger(json)) return [json as number, 1];
  if (!Array.isArray(json)) return undefined;
  if (json[0] === "Negate" && json.length === 2) {
    const inner = integerRatio(json[1]);
    return inner && [-inner[0], inner[1]];
  }
  if ((json[0] === "Rational" || json[0] === "Divide") && json.length === 3 && Number.isInteger(json[1]) && Number.isInteger(json[2]) && json[2] !== 0) return [json[1] as number, json[2] as number];
  return undefined;
}

/** Values at which `a` and `b` are compared: `[x, y]` per point, or null where either is unknown to the evaluator or not a finite real there. */
export function valuesAtPoints(a: unknown, b: unknown, unknowns: readonly string[], points: readonly (readonly number[])[]): [number, number][] | null {
  const out: [number, number][] = [];
  for (const point of unknowns.length === 0 ? points.slice(0, 1) : points) {
    const values: Record<string, number> = {};
    unknowns.forEach((u, i) => (values[u] = point[i % point.length]));
    const x = evaluateReal(a, values);
    const y = evaluateReal(b, values);
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) return null;
    out.push([x, y]);
  }
  return out;
}
