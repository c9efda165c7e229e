/**
 * The list syntax of math answers, shared by the engine's reading (mathCompare.ts) and ours
 * (mathStructures.ts): semicolon groups, top-level commas, bare lists. Part of the Math-Verify judge
 * (mathVerify.ts).
 */

/**
 * Semicolons: inside brackets they separate like commas (`(0;0;0)`); at the top level they separate
 * groups (`p=5,q=2;p=7,q=2` is two solutions, `-12;-11` two values).
 */
export function listToTuple(latex: string): string {
  if (!latex.includes(";")) return latex.trim();
  const groups: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === ";" && depth === 0) {
      groups.push(latex.slice(from, i));
      from = i + 1;
    }
  }
  groups.push(latex.slice(from));
  return groups.map((g) => g.replace(/;/g, ",").trim()).filter((g) => g !== "").map((g) => (groups.length > 1 && topLevelComma(g) ? `(${g})` : g)).join(", ");
}

/** Whether a comma separates items at the top level (outside brackets and braces). */
export function topLevelComma(latex: string): boolean {
  if (!latex.includes(",")) return false;
  let depth = 0;
  for (let i = 0; i < latex.length; i++) {
    const c = latex.charCodeAt(i);
    if (isOpen(c) || (c === BACKSLASH && latex.charCodeAt(i + 1) === OPEN_BRACE)) depth++;
    else if (isClose(c)) depth--;
    else if (c === COMMA && depth === 0) return true;
  }
  return false;
}

const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const COMMA = 0x2c;
/** `(`, `[`, `{`. */
function isOpen(c: number): boolean {
  return c === 0x28 || c === 0x5b || c === 0x7b;
}
/** `)`, `]`, `}`. */
function isClose(c: number): boolean {
  return c === 0x29 || c === 0x5d || c === 0x7d;
}

/** A top-level comma list not wrapped in one pair of parentheses or brackets. */
export function isBareList(latex: string): boolean {
  const t = latex.trim();
  if (!topLevelComma(t)) return false;
  if ((t.startsWith("(") || t.startsWith("[")) && matchingCloseAny(t) === t.length - 1) return false;
  return !t.startsWith("\\{");
}

export function matchingCloseAny(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isOpen(c)) depth++;
    else if (isClose(c) && --depth === 0) return i;
  }
  return -1;
}

/** `s` cut at its top-level commas (outside brackets, braces and `\\{ \\}`). */
export function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isOpen(c)) depth++;
    else if (isClose(c)) depth--;
    else if (c === COMMA && depth === 0) {
      parts.push(s.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(s.slice(from));
  return parts.map((p) => p.trim());
}
