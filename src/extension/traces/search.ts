/**
 * The trace viewer's search box, parsed. One line of terms, all of which must hold:
 *
 *   carry                 a word: in the prompt, completion, answer, id or group (case-insensitive)
 *   "does not carry"      a phrase, the same way
 *   type:locate           a meta field (`meta.type`), or id:/group:/step:; `:` matches a substring
 *   difficulty=3          equality (numbers as numbers, text case-insensitive)
 *   accuracy<1  total>=2  a number: a reward, total, advantage, length, or a numeric meta field
 *   -word  -type:count    any term negated
 *
 * Pure functions: parsing, and the row-level tests. The text terms need the sample's text, which
 * the index does not hold; `TraceIndex.textMatches` reads the file for them.
 */
import type { SampleRow } from "../../protocol/traceViewer";

export type Operator = ":" | "=" | "<" | "<=" | ">" | ">=";

/** A test on one field of a row (reward, builtin number, id/group/step or meta). */
export interface FieldTerm {
  key: string;
  operator: Operator;
  value: string;
  negated: boolean;
}

export interface TextTerm {
  /** Lower-cased. */
  text: string;
  negated: boolean;
}

export interface ParsedSearch {
  text: TextTerm[];
  fields: FieldTerm[];
}

const FIELD = /^([A-Za-z_][\w.-]*?)(<=|>=|:|=|<|>)(.*)$/s;

/** Splits a search line into terms; quoted phrases stay whole (`type:"count colour"` too). */
function tokens(line: string): string[] {
  const out: string[] = [];
  const pattern = /(-?)((?:[^\s"]*"[^"]*"?)+[^\s"]*|\S+)/g;
  for (const match of line.matchAll(pattern)) out.push(match[0]);
  return out;
}

const unquote = (text: string): string => text.replace(/"/g, "");

export function parseSearch(line: string): ParsedSearch {
  const parsed: ParsedSearch = { text: [], fields: [] };
  for (const raw of tokens(line.trim())) {
    const negated = raw.length > 1 && raw.startsWith("-");
    const token = negated ? raw.slice(1) : raw;
    const field = token.startsWith('"') ? null : FIELD.exec(token);
    if (field && field[3] !== "") {
      parsed.fields.push({ key: field[1].replace(/^meta\./, ""), operator: field[2] as Operator, value: unquote(field[3]), negated });
    } else {
      const text = unquote(token).toLowerCase();
      if (text) parsed.text.push({ text, negated });
    }
  }
  return parsed;
}

/** The keys a field term can name besides rewards and meta. */
const NUMBER_KEYS = new Set(["total", "advantage", "length", "step", "line"]);

/** The value a field term reads from a row; undefined when the row has none. */
function fieldValue(row: SampleRow, key: string): string | number | boolean | null | undefined {
  if (key === "id") return row.id;
  if (key === "group") return row.group;
  if (NUMBER_KEYS.has(key)) return row[key as "total" | "advantage" | "length" | "step" | "line"];
  if (Object.hasOwn(row.rewards, key)) return row.rewards[key];
  return row.meta?.[key];
}

function holds(term: FieldTerm, value: string | number | boolean | null | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (term.operator === ":" || term.operator === "=") {
    const wanted = term.value.toLowerCase();
    if (typeof value === "number" && term.value.trim() !== "" && Number.isFinite(Number(term.value))) return value === Number(term.value);
    const text = String(value).toLowerCase();
    return term.operator === ":" ? text.includes(wanted) : text === wanted;
  }
  const limit = Number(term.value);
  if (typeof value !== "number" || !Number.isFinite(limit)) return false;
  switch (term.operator) {
    case "<":
      return value < limit;
    case "<=":
      return value <= limit;
    case ">":
      return value > limit;
    default:
      return value >= limit;
  }
}

/** True when the row passes every field term. */
export function fieldsMatch(row: SampleRow, fields: readonly FieldTerm[]): boolean {
  for (const term of fields) if (holds(term, fieldValue(row, term.key)) === term.negated) return false;
  return true;
}

/**
 * Keys in `fields` that no row has (a typo, or a reward of another file): said next to an empty
 * list instead of a silent "0 samples".
 */
export function unknownKeys(rows: readonly SampleRow[], fields: readonly FieldTerm[]): string[] {
  const unknown: string[] = [];
  for (const { key } of fields) {
    if (key === "id" || key === "group" || NUMBER_KEYS.has(key) || unknown.includes(key)) continue;
    if (!rows.some((row) => Object.hasOwn(row.rewards, key) || (row.meta !== undefined && Object.hasOwn(row.meta, key)))) unknown.push(key);
  }
  return unknown;
}

/** The texts a word searches in one record, lower-cased. */
export function searchableText(record: { prompt?: unknown; completion?: unknown; answer?: unknown; id?: unknown; group?: unknown }): string {
  const parts = [record.prompt, record.completion, record.answer, record.id, record.group].map((part) => (part === undefined || part === null ? "" : typeof part === "string" ? part : JSON.stringify(part)));
  return parts.join("\n").toLowerCase();
}

/** True when `text` (from searchableText) passes every text term. */
export function textMatches(text: string, terms: readonly TextTerm[]): boolean {
  for (const term of terms) if (text.includes(term.text) === term.negated) return false;
  return true;
}

/**
 * Meta fields kept on a row for searching: scalars at the top of `meta` (strings cut to 200
 * characters), at most 32 of them, so a row stays small on a 100k-sample file.
 */
export function searchableMeta(meta: unknown): Record<string, string | number | boolean> | undefined {
  if (!meta || typeof meta !== "object" || Array.isArray(meta)) return undefined;
  const out: Record<string, string | number | boolean> = {};
  let kept = 0;
  for (const [key, value] of Object.entries(meta)) {
    if (kept === 32) break;
    if (typeof value === "string") out[key] = value.slice(0, 200);
    else if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") out[key] = value;
    else continue;
    kept++;
  }
  return kept > 0 ? out : undefined;
}
