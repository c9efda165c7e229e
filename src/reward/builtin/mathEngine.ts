/**
 * compute-engine, loaded on first use, and the expressions the comparison rules work on: the
 * engine's, and ours (`LiteExpr`) for answers our reader reads. Part of the Math-Verify judge
 * (mathVerify.ts).
 */
import { arithmeticUnknowns } from "./mathFastParse";

/** The slice of compute-engine's API used here. */
interface Engine {
  parse(latex: string): Expr;
  box(json: unknown): Expr;
  withTimeLimit<T>(ms: number, fn: () => T): T;
}
export interface Expr {
  readonly json: unknown;
  readonly operator: string;
  readonly ops: readonly Expr[] | null;
  readonly unknowns: readonly string[];
  readonly isValid: boolean;
  readonly re: number;
  readonly im: number;
  N(): Expr;
  simplify(): Expr;
  evaluate(): Expr;
  subs(values: Record<string, number>): Expr;
  isSame(other: Expr): boolean;
}

let engine: Engine | undefined;

/** compute-engine, loaded on first symbolic comparison (a plain require: only rewards that need it pay its ~0.4 s load). */
export function ce(): Engine {
  if (!engine) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ComputeEngine } = require("@cortex-js/compute-engine") as { ComputeEngine: new () => Engine };
    engine = new ComputeEngine();
  }
  return engine;
}

/** A real number for a closed expression, or null (complex, symbolic, invalid). */
export function numeric(e: Expr): number | null {
  try {
    const n = e.N();
    const re = n.re;
    const im = n.im;
    if (typeof re !== "number" || Number.isNaN(re)) return null;
    if (typeof im === "number" && Math.abs(im) > 1e-12) return null;
    return re;
  } catch {
    return null;
  }
}

/**
 * An answer as our reader wrote it (mathFastParse.ts, mathStructures.ts: arithmetic, relations,
 * lists, tuples, sets, intervals), in the engine's form, so that the comparison rules run on it as on the engine's own
 * reading. What only the engine can do (`N`, `subs`, `simplify`, `evaluate`) boxes the MathJSON
 * then: the engine canonicalises it, without parsing LaTeX.
 */
export class LiteExpr implements Expr {
  private boxedExpr: Expr | undefined;
  private opsCache: LiteExpr[] | null | undefined;
  private unknownsCache: string[] | undefined;

  constructor(readonly json: unknown) {}

  get operator(): string {
    if (Array.isArray(this.json)) return this.json[0] as string;
    return typeof this.json === "number" ? "Number" : "Symbol";
  }

  get ops(): readonly LiteExpr[] | null {
    if (this.opsCache === undefined) this.opsCache = Array.isArray(this.json) ? this.json.slice(1).map((op: unknown) => new LiteExpr(op)) : null;
    return this.opsCache;
  }

  get unknowns(): readonly string[] {
    return (this.unknownsCache ??= arithmeticUnknowns(this.json));
  }

  get isValid(): boolean {
    return true;
  }

  get re(): number {
    return this.boxed().re;
  }

  get im(): number {
    return this.boxed().im;
  }

  N(): Expr {
    return this.boxed().N();
  }

  simplify(): Expr {
    return this.boxed().simplify();
  }

  evaluate(): Expr {
    return this.boxed().evaluate();
  }

  subs(values: Record<string, number>): Expr {
    return this.boxed().subs(values);
  }

  /** Written the same way (ours), or the same to the engine. */
  isSame(other: Expr): boolean {
    if (other instanceof LiteExpr) return JSON.stringify(this.json) === JSON.stringify(other.json);
    return this.boxed().isSame(other);
  }

  private boxed(): Expr {
    return (this.boxedExpr ??= ce().box(this.json));
  }
}

/** `a.isSame(b)` for either kind of expression (the engine's own cannot take ours). */
export function same(a: Expr, b: Expr): boolean {
  return b instanceof LiteExpr ? b.isSame(a) : a.isSame(b);
}
