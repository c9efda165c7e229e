/**
 * Sums, differences and products of matrices (`A + B`, `2A`, `I B`), multiplied out entry by entry
 * as MathJSON, so that the comparison rules (mathCompare.ts) compare a product with a matrix without
 * the engine's `evaluate` (~0.3 ms a product). Part of the Math-Verify judge (mathVerify.ts).
 */

/** Most entry products one matrix product is written out with (a 20 x 20 times 20 x 20 is 8,000). */
const MAX_PRODUCT_TERMS = 10_000;

/**
 * The entries of a sum, difference or product of matrices and scalars, as MathJSON (`["Add", a, b]`
 * per entry, rows times columns for a product, as the engine multiplies matrices); null when `json`
 * is anything else, or the shapes do not fit (the engine decides).
 */
export function matrixArithmetic(json: unknown): unknown[][] | null {
  if (!Array.isArray(json)) return null;
  const [head, ...args] = json as [unknown, ...unknown[]];
  if (head === "Matrix") {
    const rows = args[0];
    if (!Array.isArray(rows) || rows[0] !== "List") return null;
    const out = rows.slice(1).map((row: unknown) => (Array.isArray(row) && row[0] === "List" ? row.slice(1) : null));
    return out.length > 0 && out.every((row) => row && row.length === out[0]!.length) ? (out as unknown[][]) : null;
  }
  if (head === "Negate" && args.length === 1) return mapEntries(matrixArithmetic(args[0]), (x) => ["Negate", x]);
  if (head === "Add" || head === "Subtract") {
    const terms = args.map((arg) => matrixArithmetic(arg));
    if (terms.length < 2 || terms.some((t) => !t || t.length !== terms[0]!.length || t[0].length !== terms[0]![0].length)) return null;
    return terms[0]!.map((row, i) => row.map((_, j) => {
      const entries = terms.map((t) => t![i][j]);
      return head === "Add" ? ["Add", ...entries] : ["Subtract", ...entries];
    }));
  }
  if (head === "Multiply" || head === "MatrixMultiply") {
    let product: unknown[][] | null = null;
    const scalars: unknown[] = [];
    for (const arg of args) {
      if (!containsMatrix(arg)) {
        scalars.push(arg);
        continue;
      }
      const m = matrixArithmetic(arg);
      if (!m) return null;
      if (!product) product = m;
      else {
        const left: unknown[][] = product;
        // Beyond MAX_PRODUCT_TERMS products the engine multiplies, under its time limit (ours has none).
        if (left[0].length !== m.length || left.length * m.length * m[0].length > MAX_PRODUCT_TERMS) return null;
        product = left.map((row) => m[0].map((_, j) => ["Add", ...row.map((x, k) => ["Multiply", x, m[k][j]])]));
      }
    }
    return scalars.length === 0 ? product : mapEntries(product, (x) => ["Multiply", ...scalars, x]);
  }
  return null;
}

function mapEntries(rows: unknown[][] | null, f: (x: unknown) => unknown): unknown[][] | null {
  return rows && rows.map((row) => row.map(f));
}

function containsMatrix(json: unknown): boolean {
  return Array.isArray(json) && (json[0] === "Matrix" || json.some(containsMatrix));
}
