/**
 * Boxes a completion writes, in the notations grounding models use. Runs per sample on the
 * scoring hot path: each notation has one precompiled sticky regex, tried only where a cheap
 * `indexOf` finds the notation's marker (`[`, `bbox_2d`, `Position`, `<|box_start|>`).
 *
 * Notations, from most to least specific (a less specific match inside a more specific one is the
 * same box seen twice and is dropped):
 * - `qwen2_box`: `<|object_ref_start|>cat<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>`,
 *   frame `norm1000`;
 * - `bbox_2d`: Qwen2.5-VL JSON objects `{"bbox_2d": [x1, y1, x2, y2], "label": "cat"}`, alone, in
 *   arrays or in ```json fences, frame `pixel`;
 * - `visual_rft`: Visual-RFT's Python-style `{'Position': [x1, y1, x2, y2], 'Confidence': 0.9}`,
 *   frame `pixel`;
 * - `list`: any other `[x1, y1, x2, y2]`, frame `norm1` when all four values are in [0, 1] and one
 *   is fractional, else `pixel`.
 * Degenerate boxes (x2 < x1, ...) are kept: judging them is a reward's business. Boxes with a
 * non-finite number (`1e999`) are skipped.
 */
import type { Box, BoxFrame, ExtractedRegion, RegionNotation, TextSpan } from "./types";

const NUM = String.raw`(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)`;
const SEP = String.raw`[ \t]*,[ \t]*`;
/** `[x1, y1, x2, y2]` with newlines allowed inside the brackets (pretty-printed JSON). */
const LIST_BODY = String.raw`\[\s*${NUM}\s*,\s*${NUM}\s*,\s*${NUM}\s*,\s*${NUM}\s*\]`;

// Each pattern is sticky and tried only where `indexOf` finds its marker: V8's indexOf is
// vectorised, and this is about 4x faster than a global regex scan of a kilobyte completion.
const QWEN2_BOX = new RegExp(String.raw`<\|box_start\|>\s*\(${NUM}${SEP}${NUM}\)${SEP}\(${NUM}${SEP}${NUM}\)\s*<\|box_end\|>`, "y");
const QWEN2_REF_BEFORE = /<\|object_ref_start\|>([^<]{0,200})<\|object_ref_end\|>\s*$/;
const BBOX_2D_KEY = new RegExp(String.raw`["']bbox_2d["']\s*:\s*${LIST_BODY}`, "y");
const POSITION_KEY = new RegExp(String.raw`["']Position["']\s*:\s*${LIST_BODY}`, "y");
const PLAIN_LIST = new RegExp(LIST_BODY, "y");

/** Calls `onMatch` for each match of the sticky `pattern` starting `back` characters before a `marker`. */
function forEachMatchAt(text: string, marker: string, back: number, pattern: RegExp, onMatch: (match: RegExpExecArray) => void): void {
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + 1)) {
    if (at < back) continue;
    pattern.lastIndex = at - back;
    const match = pattern.exec(text);
    if (match) onMatch(match);
  }
}

/** Extracts every box `text` mentions, sorted by `span.start`, with non-overlapping spans. */
export function extractRegions(text: string): ExtractedRegion[] {
  if (!text.includes("[") && !text.includes("<|box_start|>")) return [];
  const structured: ExtractedRegion[] = [];
  scanQwen2Boxes(text, structured);
  scanKeyedBoxes(text, "bbox_2d", BBOX_2D_KEY, "bbox_2d", structured);
  scanKeyedBoxes(text, "Position", POSITION_KEY, "visual_rft", structured);
  const kept = dropOverlaps(structured);
  return mergeLists(text, kept);
}

// ---- Qwen2-VL ---------------------------------------------------------------------------------

function scanQwen2Boxes(text: string, out: ExtractedRegion[]): void {
  let previous: ExtractedRegion | null = null;
  forEachMatchAt(text, "<|box_start|>", 0, QWEN2_BOX, (match) => {
    const box = toBox(match[1], match[2], match[3], match[4]);
    if (!box) return;
    const span = { start: match.index, end: match.index + match[0].length };
    let label: string | undefined;
    const ref = QWEN2_REF_BEFORE.exec(text.slice(Math.max(0, span.start - 250), span.start));
    if (ref) {
      label = ref[1].trim();
      span.start -= ref[0].length;
    } else if (previous?.label !== undefined && text.slice(previous.span.end, span.start).trim() === "") {
      // Qwen2-VL writes one ref followed by several boxes for several objects of the same kind.
      label = previous.label;
    }
    const region: ExtractedRegion = { box, frame: "norm1000", notation: "qwen2_box", span };
    if (label) region.label = label;
    out.push(region);
    previous = region;
  });
}

// ---- JSON / Python dict objects with a box key -------------------------------------------------

/**
 * Finds `"key": [4 numbers]` and widens each match to its enclosing `{…}` object when there is
 * one, reading `label` and `confidence` from that object. Works for JSON and Python-dict quoting
 * without parsing: models often write objects that are not quite valid JSON.
 */
function scanKeyedBoxes(text: string, key: string, keyPattern: RegExp, notation: RegionNotation, out: ExtractedRegion[]): void {
  forEachMatchAt(text, key, 1, keyPattern, (match) => {
    const box = toBox(match[1], match[2], match[3], match[4]);
    if (!box) return;
    const span = enclosingObject(text, match.index, match.index + match[0].length) ?? { start: match.index, end: match.index + match[0].length };
    const region: ExtractedRegion = { box, frame: "pixel", notation, span };
    const object = text.slice(span.start, span.end);
    const label = stringField(object, LABEL_FIELD);
    if (label !== undefined) region.label = label;
    const confidence = numberField(object, CONFIDENCE_FIELD);
    if (confidence !== undefined) region.confidence = confidence;
    out.push(region);
  });
}

const MAX_OBJECT_CHARS = 2000;

/**
 * The `{…}` around [keyStart, keyEnd): a bracket-counting scan back to the opening brace, then a
 * quote-aware scan forward to the closing one, each at most 2,000 characters. Null when the key is
 * not directly inside an object (a bare `"bbox_2d": [...]`). The backward scan ignores quotes, so a
 * brace inside a string value before the key can cut the span short; models write the box key
 * first or next to a short label, so this has not mattered.
 */
function enclosingObject(text: string, keyStart: number, keyEnd: number): TextSpan | null {
  let start = -1;
  for (let i = keyStart - 1, depth = 0; i >= 0 && keyStart - i <= MAX_OBJECT_CHARS; i--) {
    const c = text[i];
    if (c === "}" || c === "]") depth++;
    else if (c === "[") {
      if (depth === 0) return null;
      depth--;
    } else if (c === "{") {
      if (depth === 0) {
        start = i;
        break;
      }
      depth--;
    }
  }
  if (start === -1) return null;
  let quote = "";
  for (let i = keyEnd, depth = 1; i < text.length && i - keyEnd <= MAX_OBJECT_CHARS; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) return c === "}" ? { start, end: i + 1 } : null;
  }
  return null;
}

const LABEL_FIELD = /["'](?:label|Label|class|Class|category)["']\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')/;
const CONFIDENCE_FIELD = new RegExp(String.raw`["'](?:confidence|Confidence|score)["']\s*:\s*${NUM}`);

function stringField(object: string, field: RegExp): string | undefined {
  const match = field.exec(object);
  if (!match) return undefined;
  if (match[1] !== undefined) {
    if (!match[1].includes("\\")) return match[1];
    try {
      return JSON.parse(`"${match[1]}"`) as string;
    } catch {
      return match[1];
    }
  }
  return match[2].replace(/\\(.)/g, "$1");
}

function numberField(object: string, field: RegExp): number | undefined {
  const match = field.exec(object);
  if (!match) return undefined;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : undefined;
}

// ---- plain lists -------------------------------------------------------------------------------

/** Adds the plain `[x1, y1, x2, y2]` lists that are not inside a structured region, keeping order. */
function mergeLists(text: string, structured: readonly ExtractedRegion[]): ExtractedRegion[] {
  const result: ExtractedRegion[] = [];
  let next = 0;
  let labelFloor = 0;
  forEachMatchAt(text, "[", 0, PLAIN_LIST, (match) => {
    const start = match.index;
    const end = start + match[0].length;
    while (next < structured.length && structured[next].span.end <= start) {
      labelFloor = structured[next].span.end;
      result.push(structured[next++]);
    }
    if (next < structured.length && structured[next].span.start < end) return; // inside a structured region
    const box = toBox(match[1], match[2], match[3], match[4]);
    if (!box) return;
    const region: ExtractedRegion = { box, frame: listFrame(box), notation: "list", span: { start, end } };
    const label = labelBefore(text, start, labelFloor);
    if (label) region.label = label;
    result.push(region);
    labelFloor = end;
  });
  while (next < structured.length) result.push(structured[next++]);
  return result;
}

function listFrame(box: Box): BoxFrame {
  const normalized = box.every((v) => v >= 0 && v <= 1) && box.some((v) => !Number.isInteger(v));
  return normalized ? "norm1" : "pixel";
}

/** Words between a noun phrase and its box that are not part of the label. */
const CONNECTORS = new Set(["at", "is", "are", "was", "located", "positioned", "found", "lies", "in", "with", "box", "bbox", "bounding", "coordinates", "position", "its", "has"]);
/** Words a label does not extend past (reading backwards). */
const STOP_WORDS = new Set(["a", "an", "the", "and", "or", "of", "to", "see", "there", "this", "that", "it", "i", "we", "is", "are", "at", "in", "on", "with", "from", "one", "another"]);
const MAX_LABEL_WORDS = 3;
const LABEL_WINDOW = 80;
const WORD = /[\p{L}\p{N}][\p{L}\p{N}'-]*/gu;

/**
 * A short noun phrase right before a list box: `the red circle at [..]` → "red circle",
 * `cat: [..]` → "cat", `"dog" [..]` → "dog". Reads back over at most 80 characters on the same
 * line, not past `floor` (the previous region), skips connector words (at, is, located, box, ...),
 * then takes up to three words, stopping at punctuation or a stop word (a, the, and, of, ...).
 */
function labelBefore(text: string, boxStart: number, floor: number): string | undefined {
  const window = text.slice(Math.max(floor, boxStart - LABEL_WINDOW), boxStart);
  const before = window.slice(window.lastIndexOf("\n") + 1);
  const tokens: { word: string; end: number; start: number }[] = [];
  WORD.lastIndex = 0;
  for (let match = WORD.exec(before); match !== null; match = WORD.exec(before)) {
    tokens.push({ word: match[0], start: match.index, end: match.index + match[0].length });
  }
  let i = tokens.length - 1;
  let gapEnd = before.length;
  while (i >= 0 && CONNECTORS.has(tokens[i].word.toLowerCase()) && onlyJoiners(before.slice(tokens[i].end, gapEnd))) {
    gapEnd = tokens[i].start;
    i--;
  }
  const words: string[] = [];
  for (; i >= 0 && words.length < MAX_LABEL_WORDS; i--) {
    const token = tokens[i];
    if (STOP_WORDS.has(token.word.toLowerCase()) || !onlyJoiners(before.slice(token.end, gapEnd), words.length === 0)) break;
    words.unshift(token.word);
    gapEnd = token.start;
  }
  return words.length > 0 ? words.join(" ") : undefined;
}

/** True when a gap between words is spaces, or (right before the box) also `:`, `=`, quotes or `(`. */
function onlyJoiners(gap: string, nextToBox = true): boolean {
  return nextToBox ? /^["'`*]?\s*[:=(]?\s*["'`*]?\s*$/.test(gap) : /^\s+$/.test(gap);
}

// ---- shared ------------------------------------------------------------------------------------

function toBox(a: string, b: string, c: string, d: string): Box | null {
  const box: Box = [Number(a), Number(b), Number(c), Number(d)];
  return box.every(Number.isFinite) ? box : null;
}

/**
 * Drops a region that overlaps one kept before it (`regions` comes in order of specificity, so the
 * more specific reading of the same text wins) and sorts the rest by start.
 */
function dropOverlaps(regions: ExtractedRegion[]): ExtractedRegion[] {
  if (isSortedAndDisjoint(regions)) return regions;
  const kept: ExtractedRegion[] = [];
  for (const region of regions) {
    if (!kept.some((k) => k.span.start < region.span.end && region.span.start < k.span.end)) kept.push(region);
  }
  return kept.sort((x, y) => x.span.start - y.span.start);
}

function isSortedAndDisjoint(regions: readonly ExtractedRegion[]): boolean {
  for (let i = 1; i < regions.length; i++) if (regions[i].span.start < regions[i - 1].span.end) return false;
  return true;
}
