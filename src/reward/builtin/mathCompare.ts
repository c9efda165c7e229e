/**
 * Math-Verify's comparison rules over expressions (compute-engine's, or ours: mathEngine.ts):
 * reading a candidate (our reader first, the engine for the rest), picking the first one that
 * parses, and deciding equality of values, equations, relations, sets, tuples, intervals and
 * matrices. Values are tested at seeded points by our evaluator (mathNumeric.ts) before the
 * engine's algebra. Part of the Math-Verify judge (mathVerify.ts).
 */
import { clearGoldCache, extractMathAnswers, type MathCandidates, type MathTarget } from "./mathExtract";
import { normaliseMath } from "./mathNormalise";
import { arithmeticUnknowns } from "./mathFastParse";
import { isArithmetic, parseStructure } from "./mathStructures";
import { isBareList, listToTuple } from "./mathLists";
import { evaluateReal, valuesAtPoints } from "./mathNumeric";
import { ce, type Expr, LiteExpr, numeric, same } from "./mathEngine";
import { matrixArithmetic } from "./mathMatrices";
import { RecentCache } from "./mathCache";

export { ce } from "./mathEngine";

/**
 * A candidate read as mathematics: our reading when it is arithmetic or a relation, list, tuple,
 * set or interval of arithmetic (mathFastParse.ts, mathStructures.ts: microseconds), else the
 * engine's, parsed on demand (0.1-3 ms, more for a long expression).
 */
class Reading {
  private engineExpr: Expr | null | undefined;
  /** Our reading when it is plain arithmetic (a value): compared without the engine (`Comparer.withoutEngine`). */
  readonly arithmetic: unknown | null;

  constructor(
    readonly latex: string,
    readonly percent: boolean,
    /** Our reading (MathJSON in the engine's form), or null: the engine reads it. */
    readonly ours: unknown | null,
  ) {
    this.arithmetic = ours !== null && isArithmetic(ours) ? ours : null;
  }

  /** The reading the comparison rules work on: ours, or compute-engine's (null when it does not parse). */
  get expr(): Expr | null {
    if (this.engineExpr === undefined) this.engineExpr = this.ours !== null ? new LiteExpr(this.ours) : parseWithEngine(this.latex);
    return this.engineExpr;
  }

  /** Whether the candidate is mathematics at all (what we read is a subset of what the engine reads). */
  get parses(): boolean {
    return this.ours !== null || this.expr !== null;
  }
}

/** An extracted answer: the first candidate that parses and its reading; the first candidate and null when none does. */
interface Answer {
  raw: string;
  reading: Reading | null;
}

/** Readings by candidate text: golds repeat across a group's samples, and short answers across samples. */
const parseCache = new RecentCache<string, Reading>(4096);

function parseCandidate(candidate: string): Reading {
  const cached = parseCache.get(candidate);
  if (cached) return cached;
  const { latex, percent } = normaliseMath(candidate);
  const reading = new Reading(latex, percent, latex === "" ? null : parseStructure(listToTuple(latex)));
  parseCache.set(candidate, reading);
  return reading;
}

/** Forgets every reading and the golds' candidates (benchmarks time answers read afresh with it, as new completions are). */
export function clearParseCache(): void {
  parseCache.clear();
  engineReadings.clear();
  clearGoldCache();
}

/**
 * The engine's readings by normalised LaTeX (whitespace runs as one space, as LaTeX reads them):
 * candidates written differently that normalise alike (`\\text{Evelyn}` and `Evelyn`, `\\boxed{x}`
 * and `$x$` in a group's samples, a completion that repeats the gold) are parsed once.
 */
const engineReadings = new RecentCache<string, Expr | null>(1024);

/** compute-engine's reading of a normalised candidate, with the list rules below; null when it does not parse. */
export function parseWithEngine(latex: string): Expr | null {
  const key = latex.replace(/\s+/g, " ").trim();
  let reading = engineReadings.get(key);
  if (reading === undefined) {
    reading = readWithEngine(key);
    engineReadings.set(key, reading);
  }
  return reading;
}

function readWithEngine(latex: string): Expr | null {
  // Math-Verify's LaTeX parser cannot read `\bigl( \bigr)`: such an answer is passed over for the next candidate there.
  if (latex === "" || /\\[bB]ig[lr]?\b/.test(latex)) return null;
  try {
    const listed = listToTuple(latex);
    let parsed = ce().parse(listed);
    // A bare list (`-10, -8, 4`, `1 and 2`) is a set of answers, as latex2sympy reads it;
    // parenthesised (`(1, 2)`) it stays a tuple.
    if (parsed.isValid && SEQUENCES.has(parsed.operator) && isBareList(listed)) parsed = ce().box(["Set", ...parsed.ops!.map((op) => op.json)]);
    // `[a, b]` is the closed interval (the parser reads square brackets as a list).
    else if (parsed.operator === "List" && parsed.ops?.length === 2 && /^\s*\[[^[\]]*\]\s*$/.test(listed)) parsed = ce().box(["Interval", parsed.ops[0].json, parsed.ops[1].json]);
    return parsed.isValid && !hasErrors(parsed.json) ? parsed : null;
  } catch {
    return null;
  }
}

function hasErrors(json: unknown): boolean {
  if (Array.isArray(json)) return json[0] === "Error" || json.some(hasErrors);
  return false;
}

/** The first candidate (by priority) that parses, as Math-Verify's `parse` returns it; the first candidate's text when none does. */
export function firstParsing(candidates: readonly string[]): Answer | null {
  for (const raw of candidates) {
    const reading = parseCandidate(raw);
    if (reading.parses) return { raw, reading };
  }
  return candidates.length > 0 ? { raw: candidates[0], reading: null } : null;
}

/**
 * `firstParsing` of a text's candidates, reading the others only when the first is not ours to read
 * (our reader's answers parse; the engine may still refuse what we refuse).
 */
export function firstParsingOf(candidates: MathCandidates): Answer | null {
  const first = candidates.first();
  if (first === undefined) return null;
  const reading = parseCandidate(first);
  return reading.ours !== null ? { raw: first, reading } : firstParsing(candidates.all());
}

/**
 * `firstParsing` when the first candidate is plain arithmetic (no engine needed to know it parses);
 * undefined when the engine must read it.
 */
export function firstArithmetic(first: string | undefined): Answer | undefined {
  if (first === undefined) return undefined;
  const reading = parseCandidate(first);
  return reading.arithmetic !== null ? { raw: first, reading } : undefined;
}

/** The answer in `text` (`extractMathAnswers`, then `firstParsing`); `firstOnly`: its first candidate only. */
export function extractMathAnswer(text: string, targets?: readonly MathTarget[], boxedPriority?: number, firstOnly = false): Answer | null {
  const candidates = extractMathAnswers(text, targets, boxedPriority);
  return firstParsing(firstOnly ? candidates.slice(0, 1) : candidates);
}

/** The operator families compared structurally. */
const RELATIONS: Record<string, { strict: boolean; sign: 1 | -1 | 0 }> = {
  Less: { strict: true, sign: 1 },
  LessEqual: { strict: false, sign: 1 },
  Greater: { strict: true, sign: -1 },
  GreaterEqual: { strict: false, sign: -1 },
  NotEqual: { strict: true, sign: 0 },
};
const SEQUENCES = new Set(["Tuple", "List", "Pair", "Triple", "Sequence", "Delimiter"]);

export class Comparer {
  constructor(
    private readonly precision: number,
    private readonly allowSetRelation = false,
  ) {}

  /** Gold against prediction. Percentages: a gold `28\%` accepts 28 and 0.28; a predicted `28\%` is 0.28. */
  answers(gold: Answer, predicted: Answer): boolean {
    const g = gold.reading;
    const p = predicted.reading;
    if (gold.raw.trim() !== "" && gold.raw.trim() === predicted.raw.trim() && (g?.percent ?? false) === (p?.percent ?? false)) return true;
    if (!g || !p) return false;
    const arithmetic = this.withoutEngine(gold, predicted);
    if (arithmetic !== undefined) return arithmetic;
    if (!g.expr || !p.expr) return false;
    const hundredth = (e: Expr) => (e instanceof LiteExpr && isArithmetic(e.json) ? new LiteExpr(["Divide", e.json, 100]) : ce().box(["Divide", e.json, 100]));
    const pe = p.percent && !g.percent ? hundredth(p.expr) : p.expr;
    if (this.equal(g.expr, pe, true)) return true;
    return g.percent && !p.percent && this.equal(hundredth(g.expr), p.expr, true);
  }

  /**
   * `answers` for two plain-arithmetic readings, without the engine: `values` by our evaluator.
   * Undefined when that cannot decide (other readings, or a value not real or finite at some
   * point): the engine decides.
   */
  withoutEngine(gold: Answer, predicted: Answer): boolean | undefined {
    const g = gold.reading;
    const p = predicted.reading;
    if (g?.arithmetic == null || p?.arithmetic == null) return undefined;
    if (gold.raw.trim() === predicted.raw.trim() && g.percent === p.percent) return true;
    const first = this.arithmeticValues(g.arithmetic, p.percent && !g.percent ? hundredth(p.arithmetic) : p.arithmetic);
    if (first !== false) return first;
    return g.percent && !p.percent ? this.arithmeticValues(hundredth(g.arithmetic), p.arithmetic) : false;
  }

  private arithmeticValues(a: unknown, b: unknown): boolean | undefined {
    const values = valuesAtPoints(a, b, union(arithmeticUnknowns(a), arithmeticUnknowns(b)), POINTS);
    return values ? this.allClose(values) : undefined;
  }

  private allClose(pairs: readonly (readonly [number, number])[]): boolean {
    for (const [x, y] of pairs) if (!this.close(x, y)) return false;
    return true;
  }

  /** `goldSide`: `a` is the gold (an equation is unwrapped only on the side it makes sense). */
  equal(a: Expr, b: Expr, goldSide: boolean): boolean {
    a = unwrapElement(a);
    b = unwrapElement(b);
    const ao = a.operator;
    const bo = b.operator;
    if (ao === "Equal" || bo === "Equal") return this.equations(a, b, goldSide);
    if (isChain(a) || isChain(b)) return this.chains(a, b);
    if (ao in RELATIONS && bo in RELATIONS) return this.relations(a, b);
    if (ao in RELATIONS || bo in RELATIONS) return false;
    if (ao === "Matrix" || bo === "Matrix") return this.matrices(a, b);
    if (ao === "Set" || bo === "Set") return this.collections(a, b, ao === "Set" && bo === "Set" ? false : "gold-order");
    if (ao === "Interval" || bo === "Interval") return this.intervals(a, b);
    if (ao === "Union" || bo === "Union") return ao === bo && this.collections(a, b, false);
    if (SEQUENCES.has(ao) || SEQUENCES.has(bo)) return this.collections(a, b, true);
    return this.values(a, b);
  }

  /** `x = 3` against `3`: the value, when the left side names something (`k`, `f(x)`, `|AB|`, `(p,q)`); chains use their last side. */
  private equations(a: Expr, b: Expr, goldSide: boolean): boolean {
    if (a.operator === "Equal" && b.operator === "Equal") {
      // Both name a quantity (`x = 3` vs `y = 3`): their values compare, whatever the names.
      if (isNamed(firstSide(a)) && isNamed(firstSide(b))) return this.equal(lastSide(a), lastSide(b), goldSide);
      return this.proportional(difference(a), difference(b));
    }
    const [eq, other] = a.operator === "Equal" ? [a, b] : [b, a];
    if (!eq.ops!.slice(0, -1).some(isNamed)) return false;
    // A list of assignments against a list of values (`AB=4, CD=5` vs `4, 5`) is handled by collections.
    return this.equal(lastSide(eq), other, goldSide);
  }

  /** Relations: `x \geq 5` is `5 \leq x`; otherwise both are moved to one side and compared up to a positive factor. */
  private relations(a: Expr, b: Expr): boolean {
    const ra = RELATIONS[a.operator];
    const rb = RELATIONS[b.operator];
    if (ra.strict !== rb.strict || (ra.sign === 0) !== (rb.sign === 0)) return false;
    // f > 0 form: for `l < r`, f = r - l (sign +1); for `l > r`, f = l - r.
    const f = (e: Expr, r: (typeof RELATIONS)[string]) => (r.sign >= 0 ? subtract(e.ops![1], e.ops![0]) : subtract(e.ops![0], e.ops![1]));
    if (ra.sign === 0) return this.proportional(f(a, ra), f(b, rb));
    return this.proportional(f(a, ra), f(b, rb), true);
  }

  /** `a < x < b` as an interval, against an interval or another chain. */
  private chains(a: Expr, b: Expr): boolean {
    // A gold set against a predicted relation only when allowed (Math-Verify's asymmetry).
    if (!isChain(a) && !this.allowSetRelation) return false;
    const ia = isChain(a) ? chainInterval(a) : a;
    const ib = isChain(b) ? chainInterval(b) : b;
    if (!ia || !ib) return false;
    if (ia.operator === "Interval" && (ib.operator === "Interval" || SEQUENCES.has(ib.operator))) return this.intervals(ia, ib);
    return false;
  }

  private collections(a: Expr, b: Expr, ordered: boolean | "gold-order"): boolean {
    const xs = items(a);
    const ys = items(b);
    // (An assignment list against a list of values, `AB=4, CD=5` vs `4, 5`, has its values as items.)
    if (xs.length !== ys.length) return false;
    // A list of tuples is a set of solutions: `(1,2),(2,1)` matches `(2,1),(1,2)`.
    const solutions = xs.length > 1 && xs.every((x) => SEQUENCES.has(x.operator)) && ys.every((y) => SEQUENCES.has(y.operator));
    if (ordered === true && !solutions) return xs.every((x, i) => this.equal(x, ys[i], false));
    if (ordered === "gold-order" && a.operator !== "Set" && !solutions) return xs.every((x, i) => this.equal(x, ys[i], false));
    // Numbers and tuples of numbers (a set of solutions) are evaluated once each, not once a pair.
    const sx = xs.map(numericSignature);
    const sy = ys.map(numericSignature);
    const numeric = [...sx, ...sy].every((sig) => sig !== null && sig.tuple === sx[0]!.tuple);
    const equal = numeric ? (i: number, k: number) => this.sameValues(sx[i]!, sy[k]!) : (i: number, k: number) => this.equal(xs[i], ys[k], false);
    const used = new Set<number>();
    return xs.every((_, i) => {
      const j = ys.findIndex((__, k) => !used.has(k) && equal(i, k));
      if (j === -1) return false;
      used.add(j);
      return true;
    });
  }

  /** Intervals by their ends; `(a, b)` written as a pair is the open interval. */
  private intervals(a: Expr, b: Expr): boolean {
    const ends = (e: Expr) => {
      if (SEQUENCES.has(e.operator) && e.ops?.length === 2) return e.ops.map((op) => ({ open: true, value: op }));
      if (e.operator !== "Interval") return null;
      return (e.ops ?? []).map((op) => (op.operator === "Open" ? { open: true, value: op.ops![0] } : { open: false, value: op }));
    };
    const ea = ends(a);
    const eb = ends(b);
    return !!ea && !!eb && ea.length === 2 && eb.length === 2 && ea.every((end, i) => end.open === eb[i].open && this.values(end.value, eb[i].value));
  }

  private matrices(a: Expr, b: Expr): boolean {
    const ra = matrixRows(a);
    const rb = matrixRows(b);
    if (!ra || !rb || ra.length !== rb.length) return false;
    return ra.every((row, i) => row.length === rb[i].length && row.every((x, j) => this.equal(x, rb[i][j], false)));
  }

  /** Scalars: same expression, difference simplifying to 0, or equal numbers (at seeded points when there are unknowns). */
  values(a: Expr, b: Expr): boolean {
    // The same expression: written alike, or the same to the engine when both are its readings (the
    // engine's test for ours against its own boxes ours first: it waits until our evaluator cannot decide).
    if (a instanceof LiteExpr || b instanceof LiteExpr ? sameJson(a, b) : a.isSame(b)) return true;
    const unknowns = union(a.unknowns, b.unknowns);
    // Our evaluator first (microseconds): real values at every point decide; what it cannot
    // evaluate, or where a value is complex or infinite, goes to the engine below. Expressions that
    // differ at a point where both are real are not equal, so the engine's `simplify` is not asked.
    const evaluated = valuesAtPoints(a.json, b.json, unknowns, POINTS);
    if (evaluated) return this.allClose(evaluated);
    if (same(a, b)) return true;
    if (unknowns.length === 0) {
      const x = numeric(a);
      const y = numeric(b);
      return x !== null && y !== null && this.close(x, y);
    }
    if (ce().box(["Subtract", a.json, b.json]).simplify().isSame(ce().box(0))) return true;
    return POINTS.every((point) => {
      const values = Object.fromEntries(unknowns.map((u, i) => [u, point[i % point.length]]));
      const x = numeric(a.subs(values));
      const y = numeric(b.subs(values));
      return x !== null && y !== null && this.close(x, y);
    });
  }

  /** Two numbers, or two tuples of numbers entry by entry, by `close` (what `equal` decides for them). */
  private sameValues(x: NumericSignature, y: NumericSignature): boolean {
    return x.values.length === y.values.length && x.values.every((v, i) => this.close(v, y.values[i]));
  }

  /** `f` and `g` equal up to a constant factor (positive when `positive`): equations and relations moved to one side. */
  private proportional(f: Difference, g: Difference, positive = false): boolean {
    // Our evaluator first; the engine's `subs` and `N` only for what it cannot evaluate.
    const evaluated = valuesAtPoints(f.json, g.json, [...new Set([...f.unknowns, ...g.unknowns])], POINTS);
    return ratioConstant(evaluated ?? enginePoints(ce().box(f.json), ce().box(g.json)), positive);
  }

  /** Math-Verify's number rule: equal after rounding to `precision` decimals (or within 1e-12 relative). */
  private close(x: number, y: number): boolean {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
    if (round(x, this.precision) === round(y, this.precision)) return true;
    return Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x), Math.abs(y));
  }
}

/** `a` then the names of `b` not in it (the order points are given in). */
function union(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...new Set([...a, ...b])];
}

/** A percentage's value as a fraction. */
function hundredth(json: unknown): unknown {
  return ["Divide", json, 100];
}

function sameJson(a: Expr, b: Expr): boolean {
  return JSON.stringify(a.json) === JSON.stringify(b.json);
}

/** A closed expression of ours and its finite value, or a tuple of them (`tuple`) and their values. */
interface NumericSignature {
  tuple: boolean;
  values: number[];
}

function numericSignature(e: Expr): NumericSignature | null {
  if (e.operator === "Tuple" && e instanceof LiteExpr) {
    const values: number[] = [];
    for (const op of e.ops ?? []) {
      const v = closedValue(op);
      if (v === undefined) return null;
      values.push(v);
    }
    return values.length > 1 ? { tuple: true, values } : null;
  }
  const v = closedValue(e);
  return v === undefined ? null : { tuple: false, values: [v] };
}

/** The finite value of a closed arithmetic reading of ours; undefined for anything else. */
function closedValue(x: Expr): number | undefined {
  if (!(x instanceof LiteExpr) || !isArithmetic(x.json) || x.unknowns.length > 0) return undefined;
  const v = evaluateReal(x.json, {});
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** The engine's values of `f` and `g` at the seeded points (null where not a real number). */
function enginePoints(f: Expr, g: Expr): [number | null, number | null][] {
  const unknowns = [...new Set([...f.unknowns, ...g.unknowns])];
  if (unknowns.length === 0) return [[numeric(f), numeric(g)]];
  return POINTS.map((point) => {
    const values = Object.fromEntries(unknowns.map((u, i) => [u, point[i % point.length]]));
    return [numeric(f.subs(values)), numeric(g.subs(values))];
  });
}

/** Whether `x / y` is one constant over all pairs (positive when `positive`; both 0 is no constraint). */
function ratioConstant(pairs: readonly (readonly [number | null, number | null])[], positive: boolean): boolean {
  let ratio: number | undefined;
  for (const [x, y] of pairs) {
    if (x === null || y === null) return false;
    if (Math.abs(y) < 1e-12) {
      if (Math.abs(x) < 1e-12) continue;
      return false;
    }
    const r = x / y;
    if (ratio === undefined) ratio = r;
    else if (Math.abs(r - ratio) > 1e-9 * Math.max(1, Math.abs(ratio))) return false;
  }
  return ratio === undefined ? true : Math.abs(ratio) > 1e-12 && (!positive || ratio > 0);
}

/** Points the unknowns are set to (irrational-ish, positive and negative, away from common poles). */
const POINTS = [
  [0.7368, 1.4142, -0.3183],
  [1.9113, -0.5772, 2.7183],
  [-1.2599, 0.4343, 1.618],
];

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function firstSide(e: Expr): Expr {
  return e.ops![0];
}

/** The last side of `a = b = c` (compute-engine keeps a chain as one `Equal` with several operands). */
function lastSide(e: Expr): Expr {
  return e.ops![e.ops!.length - 1];
}

/** `l - r` as MathJSON, boxed by the engine only when our evaluator cannot decide (`proportional`). */
interface Difference {
  json: unknown;
  unknowns: readonly string[];
}

function subtract(l: Expr, r: Expr): Difference {
  return { json: ["Subtract", l.json, r.json], unknowns: [...new Set([...l.unknowns, ...r.unknowns])] };
}

function difference(e: Expr): Difference {
  return subtract(firstSide(e), lastSide(e));
}

/** A left side that names a quantity rather than computing one: no numbers outside subscripts and arguments, no sum. */
function isNamed(e: Expr): boolean {
  if (e.operator === "Add" || e.operator === "Subtract" || e.operator === "Negate") return false;
  const numbersOutside = (json: unknown, inside: boolean): boolean => {
    if (typeof json === "number") return !inside;
    if (!Array.isArray(json)) return false;
    const [head, ...rest] = json;
    const protectedHead = head === "Subscript" || (typeof head === "string" && /^[a-z]/.test(head));
    return rest.some((x, i) => numbersOutside(x, inside || (protectedHead && (head !== "Subscript" || i > 0))));
  };
  return !numbersOutside(e.json, false) && e.unknowns.length > 0;
}

/** `x \in S` compares as S. */
function unwrapElement(e: Expr): Expr {
  return e.operator === "Element" && e.ops?.length === 2 ? e.ops[1] : e;
}

/** A chained relation `a < x < b` (compute-engine keeps it as one relation with three operands). */
function isChain(e: Expr): boolean {
  return e.operator in RELATIONS && (e.ops?.length ?? 0) === 3;
}

function chainInterval(e: Expr): Expr | null {
  const r = RELATIONS[e.operator];
  const [l, , h] = e.ops!;
  const [lo, hi] = r.sign >= 0 ? [l, h] : [h, l];
  const end = (x: Expr) => (r.strict ? ["Open", x.json] : x.json);
  // Ours, also around the engine's ends: boxed only if our evaluator cannot compare them.
  return new LiteExpr(["Interval", end(lo), end(hi)]);
}

function items(e: Expr): readonly Expr[] {
  let list: readonly Expr[] = [e];
  if (e.operator === "Delimiter" && e.ops?.length === 1 && SEQUENCES.has(e.ops[0].operator)) list = e.ops[0].ops ?? [];
  else if (e.operator === "Set" || e.operator === "Union" || SEQUENCES.has(e.operator)) list = e.ops ?? [];
  // `a_3 = 2, a_{37} = 19`: a list of assignments is the list of their values.
  return list.map((x) => (x.operator === "Equal" && isNamed(firstSide(x)) ? lastSide(x) : x));
}

function matrixRows(e: Expr): Expr[][] | null {
  let inner: Expr = e;
  for (let guard = 0; guard < 6; guard++) {
    if (inner.operator === "Matrix") {
      inner = inner.ops![0];
      break;
    }
    if ((SEQUENCES.has(inner.operator) || inner.operator === "Delimiter") && inner.ops?.length && inner.ops.length <= 3 && inner.ops[0].operator === "Matrix") inner = inner.ops[0];
    else if (inner.operator === "Add" || inner.operator === "Multiply" || inner.operator === "MatrixMultiply") {
      // Sums and products of matrices of numbers and unknowns: ours, entry by entry (the engine's `evaluate` is ~0.3 ms).
      const rows = matrixArithmetic(inner.json);
      if (rows) return rows.map((row) => row.map((entry) => new LiteExpr(entry)));
      const value = inner.evaluate();
      if (same(value, inner)) return null;
      inner = value;
    } else break;
  }
  if (inner.operator !== "List") return null;
  return inner.ops!.map((row) => (row.operator === "List" ? [...row.ops!] : [row]));
}
