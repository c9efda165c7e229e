/**
 * Where a reward file's pinned cases (`examples: [{ ... }, ...]`) stand in its text, in order, with
 * a label for each: read from the text, so the Test Explorer lists them without running reward code
 * (Restricted Mode included). Pure: no vscode.
 */

import type { TraceRecord } from "../../trace/types";

export interface ExampleLocation {
  /** 0-based line of the example's `{`. */
  line: number;
  /** Its `note`, else the start of its `completion`, else "example N". */
  label: string;
}

/** A string literal's text (quotes and the common escapes undone), from its opening quote. */
function literal(text: string, at: number): { value: string; end: number } {
  const quote = text[at];
  let value = "";
  let i = at + 1;
  for (; i < text.length && text[i] !== quote; i++) {
    if (text[i] === "\\" && i + 1 < text.length) {
      const next = text[++i];
      value += next === "n" ? "\n" : next === "t" ? "\t" : next;
    } else value += text[i];
  }
  return { value, end: i + 1 };
}

/** The object literal starting at `open` (a `{`): its end, skipping strings, comments and nesting. */
function objectEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") i = literal(text, i).end - 1;
    else if (c === "/" && text[i + 1] === "/") i = text.indexOf("\n", i) < 0 ? text.length : text.indexOf("\n", i);
    else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) return i + 1;
  }
  return text.length;
}

function field(entry: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*:\\s*(["'\`])`).exec(entry);
  return match ? literal(entry, match.index + match[0].length - 1).value : undefined;
}

/** Every example of every `examples: [...]` array in `text`, in text order. */
export function exampleLocations(text: string): ExampleLocation[] {
  const found: ExampleLocation[] = [];
  const lineAt = (offset: number) => text.slice(0, offset).split("\n").length - 1;
  for (const match of text.matchAll(/\bexamples\s*:\s*\[/g)) {
    const arrayEnd = objectEnd(text, match.index + match[0].length - 1);
    for (let i = match.index + match[0].length; i < arrayEnd; i++) {
      const c = text[i];
      if (c === '"' || c === "'" || c === "`") i = literal(text, i).end - 1;
      else if (c === "/" && text[i + 1] === "/") i = text.indexOf("\n", i) < 0 ? arrayEnd : text.indexOf("\n", i);
      else if (c === "{") {
        const end = objectEnd(text, i);
        const entry = text.slice(i, end);
        const completion = field(entry, "completion");
        const label = field(entry, "note") ?? (completion !== undefined ? JSON.stringify(completion.length > 48 ? `${completion.slice(0, 47)}…` : completion) : `example ${found.length + 1}`);
        found.push({ line: lineAt(i), label });
        i = end - 1;
      }
    }
  }
  return found;
}

/** The example entry's source text: completion, answer (when the trace has one), expect and a note. */
export function exampleSource(record: TraceRecord, expect: number | null, note: string, indent: string): string {
  const fields = [`completion: ${JSON.stringify(record.completion)}`];
  if (record.answer !== undefined) fields.push(`answer: ${JSON.stringify(record.answer)}`);
  if (record.images?.length) fields.push(`images: ${JSON.stringify(record.images)}`);
  if (record.regions?.length) fields.push(`regions: ${JSON.stringify(record.regions)}`);
  fields.push(`expect: ${expect === null ? "null" : Number(expect.toFixed(6))}`, `note: ${JSON.stringify(note)}`);
  return `${indent}{ ${fields.join(", ")} },\n`;
}
