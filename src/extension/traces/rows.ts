/**
 * The numbers the trace list shows for each sample (total, advantage, length, error) and the
 * sort/filter query over them. Pure functions over plain rows: no I/O, no vscode.
 */
import type { RowFilter, RowQuery, SampleRow, SortKey } from "../../protocol/traceViewer";
import type { TraceRecord } from "../../trace/types";
import { fieldsMatch, parseSearch, textMatches, type FieldTerm } from "./search";

/** Weighted sum of the non-null rewards; null when none applies. A missing weight counts as 1. */
export function totalReward(rewards: Record<string, number | null>, weights: Record<string, number> = {}): number | null {
  let total = 0;
  let any = false;
  for (const [name, value] of Object.entries(rewards)) {
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    total += value * (weights[name] ?? 1);
    any = true;
  }
  return any ? total : null;
}

/** Completion length in tokens when the record has tokens, else in characters. */
export function completionLength(record: TraceRecord): number {
  return Array.isArray(record.tokens) ? record.tokens.length : typeof record.completion === "string" ? record.completion.length : 0;
}

/** The trainer's stored advantage, when the record carries one (top-level or in `meta`). */
export function storedAdvantage(record: TraceRecord): number | null {
  const value = typeof record.advantage === "number" ? record.advantage : record.meta?.advantage;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * GRPO group-relative advantages, (total - mean) / (std + eps) over the samples of each group,
 * written into rows that have no stored advantage. Rows without a group or total get null.
 * `stored` marks rows whose advantage came from the trace and must be kept.
 */
export function fillGroupAdvantages(rows: SampleRow[], stored: (row: SampleRow) => boolean, eps = 1e-6): void {
  const groups = new Map<string, SampleRow[]>();
  for (const row of rows) {
    if (stored(row)) continue;
    row.advantage = null;
    if (row.group === undefined || row.total === null) continue;
    let members = groups.get(row.group);
    if (!members) groups.set(row.group, (members = []));
    members.push(row);
  }
  for (const members of groups.values()) {
    const mean = members.reduce((sum, row) => sum + (row.total as number), 0) / members.length;
    const variance = members.reduce((sum, row) => sum + ((row.total as number) - mean) ** 2, 0) / members.length;
    const std = Math.sqrt(variance);
    for (const row of members) row.advantage = ((row.total as number) - mean) / (std + eps);
  }
}

/** The value of `key` for a row; null when the row has none (sorted last, dropped by range filters). */
export function rowValue(row: SampleRow, key: SortKey): number | null {
  switch (key) {
    case "index":
      return row.index;
    case "total":
      return row.total;
    case "advantage":
      return row.advantage;
    case "length":
      return row.length;
    case "error":
      return row.error ? 1 : 0;
    default: {
      const value = row.rewards[key.slice("reward:".length)];
      return typeof value === "number" ? value : null;
    }
  }
}

function matches(row: SampleRow, filter: RowFilter, fields: readonly FieldTerm[]): boolean {
  if (filter.errorsOnly && !row.error) return false;
  if (filter.changedOnly && !row.changed) return false;
  if (!fieldsMatch(row, fields)) return false;
  if (filter.range) {
    const value = rowValue(row, filter.range.key);
    if (value === null) return false;
    if (filter.range.min !== undefined && value < filter.range.min) return false;
    if (filter.range.max !== undefined && value > filter.range.max) return false;
  }
  return true;
}

/**
 * Indices of the rows that pass the filter, in the requested order. Ties keep file order, and rows
 * without a value sort last in both directions (so "worst first" never starts with blanks).
 * `textHits`: which samples pass the search's text terms (TraceIndex.textMatches); without it the
 * text terms are looked for in the id and group only.
 */
export function queryRows(rows: readonly SampleRow[], query: RowQuery, textHits?: Uint8Array): Int32Array {
  const search = parseSearch(query.filter.search ?? "");
  const kept: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (search.text.length > 0 && !(textHits ? textHits[i] === 1 : textMatches(`${rows[i].id}\n${rows[i].group ?? ""}`.toLowerCase(), search.text))) continue;
    if (matches(rows[i], query.filter, search.fields)) kept.push(i);
  }
  const { key, descending } = query.sort;
  if (key !== "index" || descending) {
    const values = new Float64Array(rows.length);
    for (const i of kept) values[i] = rowValue(rows[i], key) ?? NaN;
    const direction = descending ? -1 : 1;
    kept.sort((a, b) => {
      const va = values[a];
      const vb = values[b];
      if (Number.isNaN(va) || Number.isNaN(vb)) return Number.isNaN(va) === Number.isNaN(vb) ? a - b : Number.isNaN(va) ? 1 : -1;
      return va === vb ? a - b : (va - vb) * direction;
    });
  }
  return Int32Array.from(kept);
}
