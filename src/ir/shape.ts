// Shapes with symbolic dimensions.
//
// A dimension is a number or a symbolic expression over named sizes ("B", "T", "B*T", "(P)+(1)").
// Graphs are built once with symbols; the emitter binds every symbol to a number (one ONNX model
// per shape bucket), so every ONNX node sees concrete shapes and ORT can plan memory statically.

/** One dimension: a concrete size or an expression over symbols using `*`, `+` and `-`. */
export type Dim = number | string;
/** A tensor shape; `[]` is a scalar. */
export type Shape = readonly Dim[];
/** Values for the symbols of a graph, e.g. `{ B: 16, T: 192 }`. */
export type DimBindings = Readonly<Record<string, number>>;

/** Product form: coefficient times sorted symbol factors; null when `d` contains a sum. */
function productForm(d: Dim): { coef: number; syms: string[] } | null {
  if (typeof d === "number") return { coef: d, syms: [] };
  if (/[+()-]/.test(d)) return null;
  let coef = 1;
  const syms: string[] = [];
  for (const part of d.split("*")) {
    const n = Number(part);
    if (Number.isInteger(n) && part.trim() !== "") coef *= n;
    else syms.push(part.trim());
  }
  return { coef, syms: syms.sort() };
}

function fromProductForm(coef: number, syms: string[]): Dim {
  if (syms.length === 0 || coef === 0) return coef;
  return coef === 1 ? syms.join("*") : `${coef}*${syms.join("*")}`;
}

/** `a * b`, kept in canonical product form so that equal products compare equal as strings. */
export function mulDims(a: Dim, b: Dim): Dim {
  const pa = productForm(a);
  const pb = productForm(b);
  if (!pa || !pb) return `(${a})*(${b})`;
  return fromProductForm(pa.coef * pb.coef, [...pa.syms, ...pb.syms].sort());
}

/** `a + b`; symbolic sums are kept as written (enough for resolution, not for simplification). */
export function addDims(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return `(${a})+(${b})`;
}

/** `a - b`; symbolic differences are kept as written. */
export function subDims(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (a === b) return 0;
  if (b === 0) return a;
  return `(${a})-(${b})`;
}

/** Exact `a / b` for product forms (used to infer a reshape's -1); throws when not exact. */
export function divDims(a: Dim, b: Dim): Dim {
  const pa = productForm(a);
  const pb = productForm(b);
  if (pa && pb && pb.coef !== 0 && pa.coef % pb.coef === 0) {
    const rest = [...pa.syms];
    const ok = pb.syms.every((s) => {
      const i = rest.indexOf(s);
      if (i >= 0) rest.splice(i, 1);
      return i >= 0;
    });
    if (ok) return fromProductForm(pa.coef / pb.coef, rest);
  }
  throw new Error(`cannot divide dimension ${a} by ${b} exactly; give the reshape target explicitly`);
}

/** Number of elements of `shape`. */
export function numel(shape: Shape): Dim {
  return shape.reduce<Dim>((acc, d) => mulDims(acc, d), 1);
}

/** True when two dims are known to be equal (same number or same canonical expression). */
export function dimsEqual(a: Dim, b: Dim): boolean {
  return a === b;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimsEqual(d, b[i]));
}

/** Numpy broadcasting of two shapes (right-aligned; a dim of 1 stretches). */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (dimsEqual(da, db) || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new Error(`shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
  }
  return out;
}

/** Evaluates a dim with the given symbol values. */
export function resolveDim(d: Dim, bindings: DimBindings): number {
  if (typeof d === "number") return d;
  const tokens = d.match(/[A-Za-z_][A-Za-z0-9_]*|\d+|[()*+-]/g) ?? [];
  let pos = 0;
  const atom = (): number => {
    const t = tokens[pos++];
    if (t === "(") {
      const v = sum();
      pos++; // ")"
      return v;
    }
    if (/^\d+$/.test(t)) return Number(t);
    const v = bindings[t];
    if (v === undefined) throw new Error(`no value bound for dimension symbol "${t}" (in "${d}")`);
    return v;
  };
  const product = (): number => {
    let v = atom();
    while (tokens[pos] === "*") {
      pos++;
      v *= atom();
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[pos] === "+" || tokens[pos] === "-") {
      const sign = tokens[pos++] === "+" ? 1 : -1;
      v += sign * product();
    }
    return v;
  };
  return sum();
}

export function resolveShape(shape: Shape, bindings: DimBindings): number[] {
  return shape.map((d) => resolveDim(d, bindings));
}

/** Binds plain symbols of `declared` from a concrete shape; throws on rank or size mismatch. */
export function bindShape(declared: Shape, actual: readonly number[], into: Record<string, number>, what: string): void {
  if (declared.length !== actual.length) {
    throw new Error(`${what}: expected rank ${declared.length} ${formatShape(declared)}, got [${actual.join(", ")}]`);
  }
  declared.forEach((d, i) => {
    if (typeof d === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(d) && into[d] === undefined) into[d] = actual[i];
    if (resolveDim(d, into) !== actual[i]) {
      throw new Error(`${what}: dim ${i} is ${actual[i]} but ${formatShape(declared)} says ${d} = ${resolveDim(d, into)}`);
    }
  });
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Normalises a possibly negative axis against `rank`. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}
