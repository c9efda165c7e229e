/**
 * Small pieces every importer uses: stable ids, group inference, chat-message rendering, and the
 * `meta.source` block that keeps what a record does not store verbatim.
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import type { RecordStep, TraceRecord } from "../types";
import type { ImportItem, SourceRef } from "./types";
import type { SourceRow } from "./rows";

/** Steps of process-supervision data are joined with this to form the completion text. */
export const STEP_SEPARATOR = "\n";

let lastHashed: string | undefined;
let lastHash = "";

/** Short, stable content hash (sha1, 10 hex digits): the same prompt gets the same id in every run. */
export function shortHash(text: string): string {
  // The G samples of a group are usually adjacent: remember the last prompt hashed.
  if (text !== lastHashed) {
    lastHash = createHash("sha1").update(text).digest("hex").slice(0, 10);
    lastHashed = text;
  }
  return lastHash;
}

/** What identifies a GRPO group besides its step, when the source says. */
export interface GroupKey {
  /** The source's own group id (verl's `uid`, one per prompt per batch): used as is when present. */
  uid?: unknown;
  /** The sample's images: the same question text over different images is a different prompt. */
  images?: readonly string[];
}

/**
 * The group of a sample when the source does not name one: the G samples of one prompt at one
 * training step (GRPO). A `uid` (verl's group id) wins: `step-<n>/uid-<uid>`; otherwise the prompt
 * text and its images are hashed: `step-<n>/p-<sha1[:10]>`. Hash-based so it is known while
 * streaming, without a second pass.
 */
export function inferGroup(prompt: string, step?: number, scope?: string, key: GroupKey = {}): string {
  const uid = typeof key.uid === "string" && key.uid !== "" ? key.uid : typeof key.uid === "number" && Number.isFinite(key.uid) ? String(key.uid) : undefined;
  const images = key.images && key.images.length > 0 ? `\u0000${key.images.join("\u0000")}` : "";
  const id = uid !== undefined ? `uid-${uid.length <= 64 ? uid : shortHash(uid)}` : `p-${shortHash(prompt + images)}`;
  const parts = [scope, step === undefined ? undefined : `step-${step}`, id];
  return parts.filter((part) => part !== undefined).join("/");
}

/**
 * `<file name>:<line>` (JSONL, 1-based) or `<file name>:<row>` (parquet and JSON arrays, 0-based:
 * several elements of an array may share a line), plus `#k` for the k-th sample of a row.
 */
export function sampleId(row: SourceRow, file: string, index?: number): string {
  const position = row.row ?? row.line ?? 0;
  return `${basename(file)}:${position}${index === undefined ? "" : `#${index}`}`;
}

export function sourceRef(row: SourceRow, file: string): SourceRef {
  return row.line !== undefined ? { file, line: row.line } : { file, row: row.row };
}

/**
 * `meta.source`: the format, where the record came from, and `extra` — every source key whose
 * value is not stored verbatim in a trace field (renamed keys stored unchanged are not repeated).
 */
export function sourceMeta(format: string, row: SourceRow, file: string, extra: Record<string, unknown>): Record<string, unknown> {
  const meta: Record<string, unknown> = { format, file: basename(file) };
  if (row.line !== undefined) meta.line = row.line;
  if (row.row !== undefined) meta.row = row.row;
  if (Object.keys(extra).length > 0) meta.extra = containsBytes(extra) ? jsonSafe(extra) : extra;
  return meta;
}

/**
 * A record for a dataset row (a prompt with ground truth, no completion yet): the shape the
 * easyr1, verl-dataset and openrlhf-vision importers share.
 */
export function datasetRecord(format: string, row: SourceRow, file: string, fields: { prompt: string; images: string[]; answer: unknown; extra: Record<string, unknown> }): TraceRecord {
  return {
    id: sampleId(row, file),
    // Each dataset row is its own prompt (verl gives every row its own uid), even when two rows
    // share their text: duplicate prompts must not merge into one group.
    group: `row-${row.row ?? row.line ?? 0}`,
    prompt: fields.prompt,
    images: fields.images.length > 0 ? fields.images : undefined,
    completion: "",
    answer: fields.answer,
    meta: { source: sourceMeta(format, row, file, fields.extra) },
  };
}

function containsBytes(value: unknown): boolean {
  if (value instanceof Uint8Array) return true;
  if (value === null || typeof value !== "object") return false;
  for (const field of Array.isArray(value) ? value : Object.values(value)) if (containsBytes(field)) return true;
  return false;
}

/** Bytes cannot go into JSON (and were cached as files already): replace them with their size. */
function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, jsonSafe(field)]));
  }
  return value;
}

/** Keys of `value` that are not in `used`, for `meta.source.extra`. */
export function unusedKeys(value: Record<string, unknown>, used: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (!used.includes(key)) out[key] = field;
  return out;
}

/** A number from a number, boolean (1/0) or numeric string; `null` stays null; anything else undefined. */
export function toRewardValue(value: unknown): number | null | undefined {
  if (value === null) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** An integer training step from a number or a numeric string (some TRL versions log `str(step)`). */
export function toStep(value: unknown): number | undefined {
  const step = typeof value === "string" ? Number(value) : value;
  return typeof step === "number" && Number.isInteger(step) ? step : undefined;
}

export interface ChatMessage {
  role?: string;
  content?: unknown;
}

export function isMessageList(value: unknown): value is ChatMessage[] {
  return Array.isArray(value) && value.length > 0 && value.every((m) => m !== null && typeof m === "object" && !Array.isArray(m) && "content" in m);
}

/** True when any message has a content part of type image. */
export function hasImageParts(messages: ChatMessage[]): boolean {
  return messages.some((m) => Array.isArray(m.content) && m.content.some((part) => isImagePart(part)));
}

function isImagePart(part: unknown): boolean {
  if (part === null || typeof part !== "object") return false;
  const type = (part as { type?: unknown }).type;
  return type === "image" || type === "image_url";
}

/**
 * Text of one message's content: a string, or a list of parts where text parts are kept and
 * image parts become the `<image>` placeholder (Qwen-VL / EasyR1 convention).
 */
export function contentToText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content === undefined || content === null ? "" : JSON.stringify(content);
  return content
    .map((part) => {
      if (typeof part === "string") return part;
      if (isImagePart(part)) return "<image>";
      const text = (part as { text?: unknown } | null)?.text;
      return typeof text === "string" ? text : "";
    })
    .join("");
}

/**
 * A conversation as one readable string: a single message is its text; several are `role: text`
 * blocks. The original list is kept in `meta.source.extra` by the caller.
 */
export function messagesToText(messages: ChatMessage[]): string {
  if (messages.length === 1) return contentToText(messages[0].content);
  return messages.map((m) => `${m.role ?? "message"}: ${contentToText(m.content)}`).join("\n\n");
}

/** Image references inside message parts (`{"type":"image","image":"file:///x.png"}`), in order. */
export function imagePartSources(messages: ChatMessage[]): unknown[] {
  const out: unknown[] = [];
  for (const message of messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (!isImagePart(part)) continue;
      const p = part as Record<string, unknown>;
      const source = p.image ?? (p.image_url as { url?: unknown } | undefined)?.url ?? p.image_url ?? p.url ?? p.path;
      if (source !== undefined && source !== null) out.push(source);
    }
  }
  return out;
}

/** Text of a prompt/completion field that is a string or a message list. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isMessageList(value)) return messagesToText(value);
  return undefined;
}

/** Process-supervision labels: booleans become +1/-1, numbers stay, anything else is unlabelled (null). */
export function stepLabel(value: unknown): number | null {
  if (typeof value === "boolean") return value ? 1 : -1;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return null;
}

export function stepsCompletion(steps: RecordStep[]): string {
  return steps.map((step) => step.text).join(STEP_SEPARATOR);
}

/** Builds an import item, dropping undefined optional fields so records stay small and stable. */
export function recordItem(record: TraceRecord, row: SourceRow, file: string): ImportItem {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return { record, source: sourceRef(row, file) };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array);
}
