/**
 * A real-number evaluator for the arithmetic part of MathJSON (compute-engine's reading of an
 * answer, and mathFastParse.ts's): numbers, rationals, + - * / ^, roots, pi, e and the elementary
 * functions; finite sums and products (`\sum_{k=0}^{n-1}`), sequences (`F_k`, `a_{n+1}`) and
 * functions of the answer's own (`f(x)`) as unknowns. The comparison rules test values at seeded
 * points with it, so that the engine's `subs` / `N` / `simplify` (hundreds of microseconds each,
 * milliseconds for a sum) run only for what it does not know: integrals, limits, complex numbers.
 * Part of the Math-Verify judge (mathVerify.ts); it is an evaluator, not algebra.
 *
 * Unknown functions and sequences are tested as unknown numbers are: each gets a fixed value for
 * each argument (`f(0.7368)`, `F_3`), the same on both sides, so two expressions agree at every
 * point when they are equal for every function (`F_k F_{n-k-1}` and `F_{n-k-1} F_k`), and almost
 * never otherwise. Sum bounds and sequence indices take integer points.
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
  // `1011_2`: the number (its value, in decimal) and the base it was written in.
  BaseForm: (args) => (args.length === 2 ? args[0] : NaN),
};

/** Heads of one letter the engine gives a meaning of its own (`N(x)` is a numeric evaluation, `D` a derivative); other letters are the answer's own functions. */
const ENGINE_LETTERS = new Set(["D", "N"]);
const OWN_FUNCTION = /^[A-Za-z]$/;
/** A symbol naming a sequence's term, as the engine names `F_k`, `a_n`, `x_{12}`: the sequence, and the index (a variable or digits). */
const TERM = /^([A-Za-z])_([a-z]|\d+)$/;
/** Most terms one evaluation adds up over all its sums and products, nested ones included (more: the engine decides, under its time limit). */
const MAX_TERMS = 60_000;
/** Terms the evaluation under way may still add up (`evaluateReal` and `valuesAtPoints` set it). */
let termsLeft = MAX_TERMS;

/**
 * The value of a MathJSON expression with `values` for its unknowns: `undefined` when it holds an
 * operator or symbol this evaluator does not know (the caller asks the engine), NaN or an infinity
 * outside the real numbers' reach (`\sqrt{-1}`, `1/0`: the caller asks the engine too).
 */
export function evaluateReal(json: unknown, values: PointValues): number | undefined {
  termsLeft = MAX_TERMS;
  return evaluate(json, values);
}

function evaluate(json: unknown, values: PointValues): number | undefined {
  if (typeof json === "number") return json;
  if (typeof json === "string") {
    if (Object.hasOwn(values, json)) return values[json];
    if (Object.hasOwn(CONSTANTS, json)) return CONSTANTS[json];
    // `F_k` inside a sum over k, or `F_n` with n an integer point: the sequence's term.
    const term = TERM.exec(json);
    if (!term) return undefined;
    const index = /\d/.test(term[2]) ? Number(term[2]) : Object.hasOwn(values, term[2]) ? values[term[2]] : undefined;
    return index === undefined ? undefined : sequenceTerm(term[1], index);
  }
  if (Array.isArray(json)) {
    const head = json[0];
    if ((head === "Power" || head === "Root") && json.length === 3) return realPower(head, json[1], json[2], values);
    if ((head === "Sum" || head === "Product") && json.length === 3) return bigOperator(head, json[1], json[2], values);
    if (head === "Subscript" && json.length === 3 && typeof json[1] === "string" && OWN_FUNCTION.test(json[1])) {
      const index = evaluate(json[2], values);
      return index === undefined ? undefined : sequenceTerm(json[1], index);
    }
    const f = typeof head === "string" && Object.hasOwn(FUNCTIONS, head) ? FUNCTIONS[head] : undefined;
    const own = !f && typeof head === "string" && OWN_FUNCTION.test(head) && !ENGINE_LETTERS.has(head);
    if ((!f && !own) || json.length < 2) return undefined;
    const args: number[] = [];
    for (let i = 1; i < json.length; i++) {
      const x = evaluate(json[i], values);
      if (x === undefined) return undefined;
      args.push(x);
    }
    return f ? f(args) : ownFunction(head as string, args);
  }
  // Numbers too long for a double: `{"num": "12345678901234567890"}`.
  if (json !== null && typeof json === "object" && typeof (json as { num?: unknown }).num === "string") {
    const x = Number((json as { num: string }).num);
    return Number.isNaN(x) ? undefined : x;
  }
  return undefined;
}

/** `\sum` / `\prod` over one integer range (`["Limits", k, lo, hi]`); undefined for anything else (the engine decides). */
function bigOperator(head: "Sum" | "Product", body: unknown, limits: unknown, values: PointValues): number | undefined {
  if (!Array.isArray(limits) || limits[0] !== "Limits" || limits.length !== 4 || typeof limits[1] !== "string") return undefined;
  const lo = evaluate(limits[2], values);
  const hi = evaluate(limits[3], values);
  if (lo === undefined || hi === undefined || !Number.isInteger(lo) || !Number.isInteger(hi)) return undefined;
  termsLeft -= Math.max(0, hi - lo + 1);
  if (termsLeft < 0) return undefined;
  const inner: Record<string, number> = { ...values };
  let total = head === "Sum" ? 0 : 1;
  for (let k = lo; k <= hi; k++) {
    inner[limits[1]] = k;
    const x = evaluate(body, inner);
    if (x === undefined) return undefined;
    total = head === "Sum" ? total + x : total * x;
  }
  return total;
}

const float32 = new Float32Array(1);
const bits = new Int32Array(float32.buffer);
const nameHashes = new Map<string, number>();

/**
 * A fixed value in [0.5, 1.5) for `name` at `args`. Arguments are rounded to single precision
 * first, so that `f(x + 1)` and `f(1 + x)`, a bit apart in double precision, meet.
 */
function ownFunction(name: string, args: readonly number[]): number {
  let h = nameHashes.get(name);
  if (h === undefined) {
    h = 2166136261;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
    nameHashes.set(name, h);
  }
  for (const x of args) {
    float32[0] = x === 0 ? 0 : x;
    h = Math.imul(h ^ bits[0], 16777619);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 2246822507);
  return 0.5 + ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** The `index`-th term of the sequence `name` (an integer index; NaN, and so no verdict of ours, otherwise). */
function sequenceTerm(name: string, index: number): number {
  return Number.isInteger(index) ? ownFunction(name, [index, 0.5]) : NaN;
}

/**
 * `base^exponent` (`Power`) or the `exponent`-th root (`Root`), real as the engine takes them: an odd
 * root of a negative number is negative (`\sqrt[3]{-8}` is -2, `(-8)^{2/3}` is 4). Other powers of
 * a negative number are NaN (complex: the caller defers).
 */
function realPower(head: "Power" | "Root", baseJson: unknown, exponentJson: unknown, values: PointValues): number | undefined {
  const base = evaluate(baseJson, values);
  const exponent = evaluate(exponentJson, values);
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
  const { real, integer } = pointUnknowns([a, b], unknowns);
  const out: [number, number][] = [];
  termsLeft = MAX_TERMS;
  for (const [p, point] of (real.length + integer.length === 0 ? points.slice(0, 1) : points).entries()) {
    const values: Record<string, number> = {};
    real.forEach((u, i) => (values[u] = point[i % point.length]));
    integer.forEach((u, i) => (values[u] = INTEGER_POINTS[p % INTEGER_POINTS.length][i % 3]));
    const x = evaluate(a, values);
    const y = evaluate(b, values);
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) return null;
    out.push([x, y]);
  }
  return out;
}

/** Values for unknowns that bound a sum or index a sequence (`n` in `\sum_{k=0}^{n-1}`, `a_{n+1}`): small integers, so sums stay short. */
const INTEGER_POINTS = [
  [5, 7, 4],
  [6, 4, 8],
  [9, 5, 6],
];

/**
 * The unknowns (the engine's list) to give values to: all of them, as reals, unless the expressions
 * hold sums, products or sequence terms; then not the summation variables (`k`), the sequences
 * (`F`) and their terms (`F_k`, `F_n`: evaluated as terms), and integers for the unknowns in sum
 * bounds and indices (`n`).
 */
function pointUnknowns(exprs: readonly unknown[], unknowns: readonly string[]): { real: readonly string[]; integer: string[] } {
  // Most answers hold no sum and no sequence: nothing to sort out (and nothing to allocate).
  if (!exprs.some(hasBigOperatorOrTerm)) return { real: unknowns, integer: [] };
  const bound = new Set<string>();
  const indices = new Set<string>();
  const sequences = new Set<string>();
  let found = false;
  const symbols = (json: unknown, into: Set<string>): void => {
    if (typeof json === "string") into.add(json);
    else if (Array.isArray(json)) json.slice(1).forEach((x) => symbols(x, into));
  };
  const walk = (json: unknown): void => {
    if (!Array.isArray(json)) return;
    if (json[0] === "Limits" && typeof json[1] === "string") {
      found = true;
      bound.add(json[1]);
      json.slice(2).forEach((x) => symbols(x, indices));
    } else if (json[0] === "Subscript" && typeof json[1] === "string") {
      found = true;
      sequences.add(json[1]);
      symbols(json[2], indices);
    }
    json.slice(1).forEach(walk);
  };
  exprs.forEach(walk);
  if (!found) return { real: unknowns, integer: [] };
  const integer = unknowns.filter((u) => indices.has(u) && !bound.has(u));
  const real = unknowns.filter((u) => {
    if (bound.has(u) || sequences.has(u) || integer.includes(u)) return false;
    const term = TERM.exec(u);
    if (term && (bound.has(term[2]) || integer.includes(term[2]) || /\d/.test(term[2]))) {
      sequences.add(term[1]);
      return false;
    }
    return true;
  });
  return { real: real.filter((u) => !sequences.has(u)), integer };
}

/** Whether `json` holds a sum's or product's limits or a subscripted term (`pointUnknowns` has work to do). */
function hasBigOperatorOrTerm(json: unknown): boolean {
  if (!Array.isArray(json)) return false;
  if ((json[0] === "Limits" || json[0] === "Subscript") && typeof json[1] === "string") return true;
  for (let i = 1; i < json.length; i++) if (hasBigOperatorOrTerm(json[i])) return true;
  return false;
}
