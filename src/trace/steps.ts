/**
 * Splitting a completion's reasoning into steps, for process rewards and step views. Every step
 * keeps the span of its (trimmed) text in the ORIGINAL completion, so views can paint it.
 */
import { extractThink, trimmedSpan } from "./answer";
import type { RecordStep, Step, StepSplitOptions, TextSpan } from "./types";

const DEFAULT_OPTIONS: StepSplitOptions = { mode: "auto" };

/**
 * Splits the reasoning of `completion` into steps.
 *
 * The reasoning is the `<think>` block when there is one (see `extractThink`); else, after an
 * unclosed `<think>`, everything after it up to `<answer>`; else the text before the first
 * `<answer>`; else the whole completion.
 *
 * Modes:
 * - `paragraph`: blank-line separated paragraphs;
 * - `step-lines`: a step starts at each line that begins with `Step N` (also `## Step N`,
 *   `**Step N**`, any case, any punctuation after N). Text before the first such line, if any, is
 *   a step of its own; text after the last belongs to the last step. Numbered lists (`1.`) are
 *   not steps;
 * - `regex`: `options.pattern` (a JavaScript regex source, compiled with the `m` flag) matches the
 *   separators; the text between matches forms the steps (a lookahead such as `(?=^Step)` splits
 *   without removing anything);
 * - `auto`: `step-lines` when at least two `Step N` lines exist, else paragraphs, else (a single
 *   paragraph of several lines) one step per non-empty line.
 *
 * When `recordSteps` is given (process-supervision data), they are the steps, in their order and
 * with their labels: see `locateRecordSteps` for how their spans are found.
 * @throws Error when `mode` is `regex` and `pattern` is missing or not a valid regular expression.
 */
export function splitSteps(completion: string, options: StepSplitOptions = DEFAULT_OPTIONS, recordSteps?: readonly RecordStep[]): Step[] {
  if (recordSteps) return locateRecordSteps(completion, recordSteps);
  const region = reasoningSpan(completion);
  switch (options.mode) {
    case "paragraph":
      return toSteps(completion, paragraphSpans(completion, lineSpans(completion, region)));
    case "step-lines":
      return toSteps(completion, stepLineSpans(region, stepLineStarts(completion, region, lineSpans(completion, region))));
    case "regex":
      return toSteps(completion, separatedSpans(completion, region, compileStepPattern(options.pattern)));
    case "auto":
      return toSteps(completion, autoSpans(completion, region));
    default:
      throw new Error(`Unknown step split mode "${(options as { mode: string }).mode}": use auto, paragraph, step-lines or regex.`);
  }
}

/** Where the reasoning of a completion is (see `splitSteps`). */
export function reasoningSpan(completion: string): TextSpan {
  const think = extractThink(completion);
  if (think) return think.span;
  const open = completion.indexOf("<think>");
  const start = open === -1 ? 0 : open + "<think>".length;
  const answer = completion.indexOf("<answer>", start);
  return { start, end: answer === -1 ? completion.length : answer };
}

function autoSpans(completion: string, region: TextSpan): TextSpan[] {
  const lines = lineSpans(completion, region);
  const starts = stepLineStarts(completion, region, lines);
  if (starts.length >= 2) return stepLineSpans(region, starts);
  const paragraphs = paragraphSpans(completion, lines);
  if (paragraphs.length !== 1) return paragraphs;
  return lines.filter((line) => !isBlank(completion, line));
}

/** The lines of the region, without their '\n'. One indexOf per line: this runs per sample. */
function lineSpans(completion: string, region: TextSpan): TextSpan[] {
  const lines: TextSpan[] = [];
  let start = region.start;
  while (start <= region.end) {
    let end = completion.indexOf("\n", start);
    if (end === -1 || end > region.end) end = region.end;
    lines.push({ start, end });
    start = end + 1;
  }
  return lines;
}

function isBlank(completion: string, line: TextSpan): boolean {
  for (let i = line.start; i < line.end; i++) {
    const c = completion.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Runs of non-blank lines; blank (empty or whitespace-only) lines separate them. */
function paragraphSpans(completion: string, lines: readonly TextSpan[]): TextSpan[] {
  const paragraphs: TextSpan[] = [];
  let current: TextSpan | null = null;
  for (const line of lines) {
    if (isBlank(completion, line)) current = null;
    else if (current) current.end = line.end;
    else paragraphs.push((current = { start: line.start, end: line.end }));
  }
  return paragraphs;
}

/** `Step 3:`, `## Step 3.`, `**Step 3**`, `step 3 -` at the start of a line (tried at line starts only). */
const STEP_LINE = /[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*step[ \t]+\d+\b/iy;

/** Offsets of the line starts that begin a `Step N` line. */
function stepLineStarts(completion: string, region: TextSpan, lines: readonly TextSpan[]): number[] {
  const starts: number[] = [];
  for (const line of lines) {
    STEP_LINE.lastIndex = line.start;
    const match = STEP_LINE.exec(completion);
    if (match && line.start + match[0].length <= region.end) starts.push(line.start);
  }
  return starts;
}

function stepLineSpans(region: TextSpan, starts: readonly number[]): TextSpan[] {
  if (starts.length === 0) return [region];
  const spans: TextSpan[] = [];
  if (starts[0] > region.start) spans.push({ start: region.start, end: starts[0] });
  for (let i = 0; i < starts.length; i++) spans.push({ start: starts[i], end: i + 1 < starts.length ? starts[i + 1] : region.end });
  return spans;
}

/** The pieces of the region between matches of `separator` (a global regex). */
function separatedSpans(completion: string, region: TextSpan, separator: RegExp): TextSpan[] {
  const text = completion.slice(region.start, region.end);
  const spans: TextSpan[] = [];
  let pieceStart = 0;
  separator.lastIndex = 0;
  for (let match = separator.exec(text); match !== null; match = separator.exec(text)) {
    const end = match.index + match[0].length;
    // A zero-length match (a lookahead) must not split at the very start, nor loop forever.
    if (match[0].length === 0) separator.lastIndex++;
    if (match.index > pieceStart || match[0].length > 0) spans.push({ start: region.start + pieceStart, end: region.start + match.index });
    pieceStart = end;
  }
  spans.push({ start: region.start + pieceStart, end: region.end });
  return spans;
}

function compileStepPattern(pattern: string | undefined): RegExp {
  if (pattern === undefined || pattern === "") {
    throw new Error('Step split mode "regex" needs a "pattern" (a JavaScript regular expression matching step separators).');
  }
  try {
    return new RegExp(pattern, "gm");
  } catch (error) {
    throw new Error(`Invalid step split pattern /${pattern}/: ${(error as Error).message}`);
  }
}

/** Trims each span, drops empty ones and numbers the rest. */
function toSteps(completion: string, spans: readonly TextSpan[]): Step[] {
  const steps: Step[] = [];
  for (const raw of spans) {
    const { text, span } = trimmedSpan(completion, raw.start, raw.end);
    if (text.length > 0) steps.push({ index: steps.length, text, span });
  }
  return steps;
}

/**
 * Steps from process-supervision data, located in the completion in order: each step's trimmed
 * text is searched from the end of the previous step, first exactly, then ignoring differences in
 * whitespace (data sets often join steps with "\n\n" but store them re-spaced), then exactly from
 * the start of the completion (steps stored out of order). A step that still cannot be found gets
 * an empty span at the end of the previous step, so spans stay in range and in order and a view can
 * show it is missing; its text and label are kept.
 */
export function locateRecordSteps(completion: string, recordSteps: readonly RecordStep[]): Step[] {
  const steps: Step[] = [];
  let cursor = 0;
  for (let index = 0; index < recordSteps.length; index++) {
    const { text: raw, label } = recordSteps[index];
    const text = raw.trim();
    const span = text.length === 0 ? null : findStepText(completion, text, cursor);
    const step: Step = { index, text, span: span ?? { start: cursor, end: cursor } };
    if (label !== undefined) step.label = label;
    steps.push(step);
    if (span) cursor = Math.max(cursor, span.end);
  }
  return steps;
}

function findStepText(completion: string, text: string, from: number): TextSpan | null {
  const exact = completion.indexOf(text, from);
  if (exact !== -1) return { start: exact, end: exact + text.length };
  const spaced = new RegExp(text.split(/\s+/).map(escapeRegExp).join("\\s+"), "g");
  spaced.lastIndex = from;
  const match = spaced.exec(completion);
  if (match) return { start: match.index, end: match.index + match[0].length };
  const anywhere = completion.indexOf(text);
  return anywhere === -1 ? null : { start: anywhere, end: anywhere + text.length };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
