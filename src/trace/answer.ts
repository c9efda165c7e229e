/**
 * Finding the reasoning and the final answer in a completion. Runs once per sample on the scoring
 * hot path, so it uses indexOf/lastIndexOf and a single forward brace scan instead of regexes over
 * the whole text where it can. All spans are UTF-16 character offsets into the completion.
 */
import type { AnswerSource, ExtractedAnswer, TextSpan } from "./types";

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";
const ANSWER_OPEN = "<answer>";
const ANSWER_CLOSE = "</answer>";

/** Trimmed text with the span of that trimmed text. */
export interface SpannedText {
  text: string;
  span: TextSpan;
}

/**
 * The content of the first `<think>…</think>`, trimmed. A missing opening tag is tolerated when
 * `</think>` exists (R1-style chat templates put `<think>` in the prompt): the content then starts
 * at the beginning of the completion. An unclosed `<think>` (a truncated generation) is not a
 * think block: returns null.
 */
export function extractThink(completion: string): SpannedText | null {
  const open = completion.indexOf(THINK_OPEN);
  if (open !== -1) {
    const close = completion.indexOf(THINK_CLOSE, open + THINK_OPEN.length);
    if (close !== -1) return trimmedSpan(completion, open + THINK_OPEN.length, close);
    // `<think>` with no close after it: a `</think>` before it still closes a prompt-opened block.
  }
  const close = completion.indexOf(THINK_CLOSE);
  if (close === -1 || (open !== -1 && close > open)) return null;
  return trimmedSpan(completion, 0, close);
}

/**
 * The predicted answer, by priority:
 * 1. the last `<answer>…</answer>` (inner text, trimmed; kept literally, even if it holds `\boxed{}`);
 * 2. the last `\boxed{…}` or `\fbox{…}` whose braces balance (nested braces and `\{` `\}` handled);
 * 3. the last line that starts with `Answer:`, `Final answer:`, `The final answer is` or
 *    `The answer is` (case-insensitive, markdown emphasis allowed; one trailing period dropped).
 * Returns null when none is present.
 */
export function extractAnswer(completion: string): ExtractedAnswer | null {
  // Each finder builds the result object itself: copying a SpannedText into a new object with a
  // spread cost more than the whole tag search (measured ~0.8 us per sample on the scoring path).
  return lastAnswerTag(completion) ?? lastBoxedAnswer(completion) ?? lastAnswerLine(completion);
}

function lastAnswerTag(completion: string): ExtractedAnswer | null {
  const close = lastIndexOf(completion, ANSWER_CLOSE);
  if (close === -1) return null;
  // Backwards from the closing tag: the answer is short, so V8's (non-vectorised) lastIndexOf
  // stops after a few characters.
  const open = close >= ANSWER_OPEN.length ? completion.lastIndexOf(ANSWER_OPEN, close - ANSWER_OPEN.length) : -1;
  if (open === -1) return null;
  return answerSpan(completion, open + ANSWER_OPEN.length, close, "answer_tag");
}

function lastBoxedAnswer(completion: string): ExtractedAnswer | null {
  const box = lastBoxed(completion);
  return box ? { text: box.text, span: box.span, source: "boxed" } : null;
}

const BOX_COMMANDS = ["\\boxed", "\\fbox"];

/** The last `\boxed{…}` / `\fbox{…}` with balanced braces; an unbalanced (truncated) one is skipped. */
export function lastBoxed(text: string): SpannedText | null {
  // Most texts have no box: no generator for them (this runs once or twice per scored sample).
  const commands = boxCommands(text);
  if (commands.length === 0) return null;
  for (const box of boxesFromEnd(text, commands)) return { text: box.text, span: box.span };
  return null;
}

/**
 * Where each `\\boxed` / `\\fbox` of a text is and where its argument starts, last argument first.
 * Found by their letters (`boxed`, `fbox`) and the backslash before them: in LaTeX-heavy text a
 * search keyed on the backslash stops at every command.
 */
function boxCommands(text: string): { at: number; from: number }[] {
  const commands: { at: number; from: number }[] = [];
  for (const command of BOX_COMMANDS) {
    const letters = command.slice(1);
    for (let at = text.indexOf(letters); at !== -1; at = text.indexOf(letters, at + letters.length)) {
      if (at > 0 && text.charCodeAt(at - 1) === 0x5c /* \ */) commands.push({ at: at - 1, from: at + letters.length });
    }
  }
  if (commands.length > 1) commands.sort((a, b) => b.from - a.from);
  return commands;
}

/** A box `boxesFromEnd` found: its content, trimmed, and where the command before it starts. */
export interface FoundBox extends SpannedText {
  /** The `\boxed` / `\fbox` at or before the content (a box that starts with a box: the inner one). */
  commandStart: number;
}

/**
 * The balanced `\boxed{…}` / `\fbox{…}` of a text from the last one back: each is the last box of the
 * text cut where the one found before starts (`commandStart`), as `lastBoxed` of that prefix finds
 * it. The commands are looked for once, not once per prefix.
 */
export function* boxesFromEnd(text: string, commands = boxCommands(text)): Generator<FoundBox> {
  if (commands.length === 0) return;
  let limit = text.length;
  // Each box's closing brace: scanned for from the box while boxes close; once one does not, looked
  // up in one pass over the text (a text of many unclosed boxes, `\boxed{\boxed{...`, took seconds
  // with a scan per box).
  let closes: Int32Array | undefined;
  for (const { at, from } of commands) {
    if (from > limit) continue;
    let open = from;
    while (open < limit && text.charCodeAt(open) === 0x20) open++;
    if (open >= limit || text.charCodeAt(open) !== 0x7b /* { */) continue;
    let close: number;
    if (closes) close = closes[open];
    else {
      close = closingBrace(text, open, limit);
      if (close === -1) closes = closingBraces(text);
    }
    if (close === -1 || close >= limit) continue;
    const { text: inner, span } = trimmedSpan(text, open + 1, close);
    const nested = text.startsWith("\\boxed", span.start) || text.startsWith("\\fbox", span.start);
    const commandStart = nested ? span.start : at;
    yield { text: inner, span, commandStart };
    limit = commandStart;
  }
}

/** The `}` closing the `{` at `open` before `limit` (`\{` `\}` do not count), or -1. */
function closingBrace(text: string, open: number, limit: number): number {
  let depth = 1;
  for (let i = open + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x7b /* { */) depth++;
    else if (c === 0x7d /* } */ && --depth === 0) return i;
  }
  return -1;
}

/** For each `{` in `text`, the index of the `}` that closes it, as `closingBrace` pairs them (-1: never closed). */
function closingBraces(text: string): Int32Array {
  const closes = new Int32Array(text.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x7b /* { */) open.push(i);
    else if (c === 0x7d /* } */ && open.length > 0) closes[open.pop()!] = i;
  }
  return closes;
}

/**
 * `text.lastIndexOf(needle, before)`, found by forward `indexOf` steps: V8's indexOf is vectorised
 * and about 30x faster than its lastIndexOf on kilobyte strings, and needles here occur rarely.
 */
function lastIndexOf(text: string, needle: string, before = text.length): number {
  let found = -1;
  for (let at = text.indexOf(needle); at !== -1 && at <= before; at = text.indexOf(needle, at + 1)) found = at;
  return found;
}

/**
 * `Answer: x`, `**Final Answer:** x`, `Final answer is x`, `The answer is x`, `The final answer is: x`
 * at the start of a line. A bare `Answer` needs a colon so that "Answering this..." is not a match.
 */
const ANSWER_LINE =
  /[ \t>#*_-]*(?:(?:the[ \t]+)?final[ \t]+answer(?:[ \t]+is)?\b[*_]*[ \t]*[:：]?|the[ \t]+answer[ \t]+is\b[*_]*[ \t]*[:：]?|answer[*_]*[ \t]*[:：])[*_]*[ \t]*(\S.*?)[ \t]*\r?$/imy;

/** GSM8K's final-answer marker (`#### 72`), which verl's gsm8k reward and many SFT sets use. */
const GSM8K_LINE = /[ \t]*####[ \t]*(\S.*?)[ \t]*\r?$/my;
/** End-of-turn tokens a decoder may leave after the answer (`<|im_end|>`, `</s>`). */
const TRAILING_SPECIAL = /(?:<\|[a-z_]+\|>|<\/s>)+$/i;

function lastAnswerLine(completion: string): ExtractedAnswer | null {
  // Walk the lines from the end and try the sticky pattern at each line start: the answer line is
  // nearly always among the last, so this beats a multiline scan of the whole text.
  let lineEnd = completion.length;
  while (true) {
    const newline = lineEnd === 0 ? -1 : completion.lastIndexOf("\n", lineEnd - 1);
    ANSWER_LINE.lastIndex = newline + 1;
    GSM8K_LINE.lastIndex = newline + 1;
    const match = ANSWER_LINE.exec(completion) ?? GSM8K_LINE.exec(completion);
    if (match) return answerLineValue(completion, match);
    if (newline === -1) return null;
    lineEnd = newline;
  }
}

function answerLineValue(completion: string, match: RegExpExecArray): ExtractedAnswer {
  const value = match[1].replace(TRAILING_SPECIAL, "");
  const start = match.index + match[0].lastIndexOf(match[1]);
  let end = start + value.length;
  // Closing emphasis (`**Answer: 42**`) and a sentence's period ("The answer is 42.") are not part of it.
  while (end - 1 > start && (completion[end - 1] === "*" || completion[end - 1] === "_")) end--;
  if (end - 1 > start && completion[end - 1] === ".") end--;
  return answerSpan(completion, start, end, "answer_line");
}

/** The trimmed text of `completion[start, end)` with its span. */
export function trimmedSpan(completion: string, start: number, end: number): SpannedText {
  while (start < end && isWhitespace(completion.charCodeAt(start))) start++;
  while (end > start && isWhitespace(completion.charCodeAt(end - 1))) end--;
  return { text: completion.slice(start, end), span: { start, end } };
}

/** {@link trimmedSpan} as an extracted answer (an object literal: a spread copy is slow on this hot path). */
function answerSpan(completion: string, start: number, end: number, source: AnswerSource): ExtractedAnswer {
  const { text, span } = trimmedSpan(completion, start, end);
  return { text, span, source };
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09 || code === 0x0c || code === 0x0b || code === 0xa0 || code === 0x3000;
}
