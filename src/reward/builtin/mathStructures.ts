/**
 * Lists, tuples, sets, intervals, unions and matrices of arithmetic, read as compute-engine's
 * reading has them (mathCompare.ts compares them by the same rules as the engine's): `x = 1, y = 2`,
 * `(1, 2), (2, 1)`, `\{1, 2\}`, `{1, 2}` (a tuple there), `(\frac35, 2]`, `x \in [0, 1) \cup (2, 3)`,
 * `(x, y) = (1, 2)`, a `pmatrix` of numbers, sums and products of those and `[M]`, items written twice
 * in a set (dropped, as there), "and so on" in a list (`1, 2, \ldots`). The arithmetic inside is
 * mathFastParse.ts's. Refused (the engine reads them): sets whose items may be equal but are written
 * differently (the engine drops them by its own equality), a matrix difference or a scalar times a
 * matrix. Part of the Math-Verify judge (mathVerify.ts).
 */
import { isBareList, matchingCloseAny, splitTopLevel, topLevelComma } from "./mathLists";
import { evaluateReal } from "./mathNumeric";
import { arithmeticUnknowns, MAX_LENGTH, readArithmetic, REFUSED, refuse } from "./mathFastParse";

/** The heads of `parseStructure`'s readings that are not arithmetic. */
const STRUCTURES = new Set(["Set", "Tuple", "Interval", "Open", "Equal", "Less", "LessEqual", "NotEqual", "Element", "Matrix", "List", "Union"]);

/** Whether a reading is plain arithmetic (a value), not a relation or a collection. */
export function isArithmetic(json: unknown): boolean {
  return !(Array.isArray(json) && STRUCTURES.has(json[0] as string));
}

/**
 * `listed` (normalised, its semicolon groups made lists: mathLists.ts `listToTuple`) as the MathJSON
 * the engine's reading would give (mathCompare.ts), when it is arithmetic, one relation or chain
 * (`x = 3`, `1 < x < 2`), a bare list (a set: `1, 2`, `x = 1, y = 2`, `(1,2), (2,1)`), a tuple
 * `(a, b)`, a set `\\{a, b\\}` or an interval `[a, b)` of those; null for anything else.
 */
export function parseStructure(listed: string): unknown | null {
  const t = listed.trim();
  if (t.length === 0 || t.length > 4 * MAX_LENGTH) return null;
  try {
    return structure(t);
  } catch (error) {
    if (error === REFUSED) return null;
    throw error;
  }
}

function structure(t: string): unknown {
  const element = ELEMENT.exec(t);
  if (element) {
    const name = readArithmetic(element[1]);
    const domain = element[2].trim();
    return ["Element", name, domainOf(domain)];
  }
  if (t.startsWith("\\begin{")) return matrices(t);
  // `[M]`: a list holding the matrix, to the engine.
  if (t.startsWith("[\\begin{") && t.endsWith("]") && matchingCloseAny(t) === t.length - 1) return ["List", matrix(t.slice(1, -1).trim())];
  if (unionParts(t).length > 1) return domainOf(t);
  if (t.startsWith("\\{")) return setOf(t);
  if (!wrappedList(t)) {
    // `{1, 3}`: braces around a list make a tuple to the engine (not a set: that is `\\{1, 3\\}`).
    if (bracedList(t)) return listItem(t);
    if (!topLevelComma(t)) return tupleEquation(t) ?? readArithmetic(t, true);
    if (isBareList(t)) return set(listItems(t).map(listItem));
    throw REFUSED;
  }
  if (t.startsWith("(") && t.endsWith(")")) return ["Tuple", ...listItems(t.slice(1, -1)).map(valueOrEquation)];
  return interval(t, false);
}

const ELEMENT = /^([a-df-hj-z](?:_(?:\d|[a-z]|\{\s*(?:\d+|[a-z])\s*\}))?)\s*\\in(?![a-zA-Z])([\s\S]+)$/;

/**
 * A set of numbers after `\\in` or around `\\cup`: `\\{a, b\\}`, an interval (where a pair `(a, b)` is
 * the open interval, not a tuple), or a union of those, kept as written (the engine neither merges
 * nor reorders them).
 */
function domainOf(t: string): unknown {
  const parts = unionParts(t);
  const one = (part: string) => (part.startsWith("\\{") ? setOf(part) : wrappedList(part) ? interval(part, true) : refuse());
  return parts.length > 1 ? ["Union", ...parts.map(one)] : one(parts[0]);
}

/** `t` cut at its top-level `\\cup`. */
function unionParts(t: string): string[] {
  if (!t.includes("\\cup")) return [t.trim()];
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0 && t.startsWith("\\cup", i) && !/[a-zA-Z]/.test(t[i + 4] ?? "")) {
      parts.push(t.slice(from, i).trim());
      from = i + 4;
    }
  }
  parts.push(t.slice(from).trim());
  return parts;
}


/** The items of a list: empty ones (`19, 46, , 82`, `(1, 2,)`) are dropped, as the engine drops them. */
function listItems(s: string): string[] {
  const items = splitTopLevel(s).filter((item) => item !== "");
  if (items.length < 2) throw REFUSED;
  return items;
}

function setOf(t: string): unknown {
  if (!t.endsWith("\\}") || t.indexOf("\\{", 2) !== -1 || t.indexOf("\\}") !== t.length - 2) throw REFUSED;
  const items = splitTopLevel(t.slice(2, -2)).filter((item) => item !== "");
  if (items.length === 0) throw REFUSED;
  return set(items.map(listItem));
}

/** `[a, b]`, `[a, b)`, `(a, b]`; `(a, b)` too when `openPair` (else it is a tuple). */
function interval(t: string, openPair: boolean): unknown {
  const inner = t.slice(1, -1);
  // `[a, b]` is read as a list and made the closed interval only when no bracket is inside (mathCompare.ts).
  const ends = splitTopLevel(inner);
  if (ends.length !== 2 || /[[\]]/.test(inner)) throw REFUSED;
  const [lo, hi] = ends.map((end) => readArithmetic(end));
  const open = t[0] === "(";
  const close = t[t.length - 1] === ")";
  if (open && close && !openPair) throw REFUSED;
  return ["Interval", open ? ["Open", lo] : lo, close ? ["Open", hi] : hi];
}

/**
 * One matrix, or a sum or product of several written side by side (`M_1 + M_2`, `M_1 M_2`), as the
 * engine has them: `["Add", M_1, M_2]`, `["Multiply", M_1, M_2]` (matrixRows in mathCompare.ts
 * multiplies them out). A difference or a scalar factor is not read.
 */
function matrices(t: string): unknown {
  const parts: string[] = [];
  const joins = new Set<string>();
  let at = 0;
  for (;;) {
    const end = t.indexOf("\\end{", at);
    const close = end === -1 ? -1 : t.indexOf("}", end);
    if (close === -1) throw REFUSED;
    parts.push(t.slice(at, close + 1));
    const rest = t.slice(close + 1).trimStart();
    if (rest === "") break;
    const plus = rest.startsWith("+");
    const next = plus ? rest.slice(1).trimStart() : rest;
    if (!next.startsWith("\\begin{")) throw REFUSED;
    joins.add(plus ? "Add" : "Multiply");
    at = t.length - next.length;
  }
  if (parts.length === 1) return matrix(parts[0]);
  if (joins.size !== 1) throw REFUSED;
  return [[...joins][0], ...parts.map(matrix)];
}

/** `\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}` (or bmatrix) of arithmetic, as the engine's `Matrix` of rows. */
function matrix(t: string): unknown {
  const m = /^\\begin\{([pb]matrix)\}([\s\S]*)\\end\{([pb]matrix)\}$/.exec(t);
  if (!m || m[1] !== m[3] || m[2].includes("\\begin")) throw REFUSED;
  const rows = m[2].split("\\\\").map((row) => row.trim());
  // A row separator before `\\end` ends the last row, it does not start another.
  if (rows.length > 1 && rows[rows.length - 1] === "") rows.pop();
  const entries = rows.map((row) =>
    row.split("&").map((entry) => {
      const json = readArithmetic(entry.trim());
      if (!isArithmetic(json)) throw REFUSED;
      return json;
    }),
  );
  if (entries.some((row) => row.length !== entries[0].length)) throw REFUSED;
  const rowsJson = ["List", ...entries.map((row) => ["List", ...row])];
  // The engine keeps bmatrix's brackets as a second argument.
  return m[1] === "bmatrix" ? ["Matrix", rowsJson, "'[]'"] : ["Matrix", rowsJson];
}

/** `(a, b, ...)` or `[a, b)`: one pair of brackets around the whole, commas at the top level inside. */
function wrappedList(t: string): boolean {
  return (t.startsWith("(") || t.startsWith("[")) && matchingCloseAny(t) === t.length - 1 && topLevelComma(t.slice(1, -1));
}

/** An item of a bare list or set: a tuple `(a, b)`, a value or an equation. */
function listItem(item: string): unknown {
  // `1, 2, 3, \\ldots`: the engine's placeholder for "and so on".
  if (CONTINUATION.test(item)) return CONTINUATION_PLACEHOLDER;
  if (item.startsWith("(") && item.endsWith(")") && wrappedList(item)) return ["Tuple", ...listItems(item.slice(1, -1)).map(valueOrEquation)];
  // `{(1,2),(3,4)}` is a tuple of tuples to the engine (`((1,2),(3,4))` is not read).
  if (bracedList(item)) return ["Tuple", ...listItems(item.slice(1, -1)).map((x) => (bracedList(x) ? refuse() : listItem(x)))];
  return tupleEquation(item) ?? valueOrEquation(item);
}

const CONTINUATION = /^(?:\.\.\.|\\[lc]?dots)$/;
const CONTINUATION_PLACEHOLDER = "ContinuationPlaceholder";

/** `{a, b}`: one pair of braces around the whole, commas at the top level inside. */
function bracedList(t: string): boolean {
  return t.startsWith("{") && t.endsWith("}") && matchingCloseAny(t) === t.length - 1 && topLevelComma(t.slice(1, -1));
}

/** `(x, y) = (1, 2)`: an equation of tuples, as the engine reads it; undefined for anything else. */
function tupleEquation(t: string): unknown {
  if (!t.startsWith("(") || !t.endsWith(")")) return undefined;
  const close = matchingCloseAny(t);
  const rest = t.slice(close + 1).trimStart();
  if (close === -1 || !rest.startsWith("=")) return undefined;
  const left = t.slice(0, close + 1);
  const right = rest.slice(1).trim();
  if (!wrappedList(left) || !right.startsWith("(") || !wrappedList(right)) return undefined;
  return ["Equal", ["Tuple", ...listItems(left.slice(1, -1)).map(valueOrEquation)], ["Tuple", ...listItems(right.slice(1, -1)).map(valueOrEquation)]];
}

function valueOrEquation(item: string): unknown {
  const json = readArithmetic(item, true);
  if (!isArithmetic(json) && !(Array.isArray(json) && json[0] === "Equal")) throw REFUSED;
  return json;
}

/** A value standing for an unknown when telling a set's items apart (the same for the same name). */
function probeValue(name: string): number {
  let h = 17;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) % 1000003;
  return 0.5 + h / 1000003;
}

/**
 * A set of the items. The engine drops an item equal to another (`1, 1` is `{1}`, and `\\frac12, 0.5`
 * one item too) by rules of its own: a set whose items may be equal (the same values at a probe
 * point) is left to it.
 */
function set(items: unknown[]): unknown {
  // One "and so on" at most (the engine's rules for two are its own); it is told apart from every item.
  if (items.filter((item) => item === CONTINUATION_PLACEHOLDER).length > 1) throw REFUSED;
  const probes = items.map((item) => (item === CONTINUATION_PLACEHOLDER ? [NaN] : probe(item)));
  const kept: unknown[] = [];
  let written: string[] | undefined;
  for (let i = 0; i < probes.length; i++) {
    let repeated = false;
    for (let j = 0; j < i && !repeated; j++) {
      if (!(probes[i].length === probes[j].length && probes[i].every((x, k) => Math.abs(x - probes[j][k]) <= 1e-9 * Math.max(1, Math.abs(x))))) continue;
      // An item written as another one before it is dropped, as the engine drops it; one equal to
      // another written differently (`\\frac12, 0.5`) is the engine's business.
      written ??= items.map((item) => JSON.stringify(item));
      if (written[i] !== written[j]) throw REFUSED;
      repeated = true;
    }
    if (!repeated) kept.push(items[i]);
  }
  return ["Set", ...kept];
}

/** The values of an item's parts at the probe point (each side of an equation, each entry of a tuple). */
function probe(json: unknown): number[] {
  if (typeof json === "number") return Number.isFinite(json) ? [json] : refuse();
  if (Array.isArray(json) && STRUCTURES.has(json[0] as string)) return json.slice(1).flatMap(probe);
  const x = evaluateReal(json, Object.fromEntries(arithmeticUnknowns(json).map((name) => [name, probeValue(name)])));
  if (x === undefined || !Number.isFinite(x)) throw REFUSED;
  return [x];
}
