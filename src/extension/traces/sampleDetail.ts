/**
 * Turns a stored trace record into what the sample view shows: extracted answer, steps with their
 * process scores, predicted regions with IoU against the ground truth, and per-token channels.
 * Extraction itself is src/trace's; this only arranges it for the viewer. No vscode, no DOM.
 */
import type { SampleDetail, SampleRow, ViewerRegion, ViewerStep, ViewerToken } from "../../protocol/traceViewer";
import { extractAnswer } from "../../trace/answer";
import { extractRegions } from "../../trace/regions";
import { splitSteps } from "../../trace/steps";
import type { Box, BoxFrame, StepSplitOptions, TraceRecord } from "../../trace/types";

/** Resolves an image path as stored in the trace to a URI the webview may load, or undefined. */
export type ImageResolver = (path: string) => string | undefined;

/** Numeric per-token keys the viewer can colour by (other numeric keys are offered too). */
const PREFERRED_CHANNELS = ["advantage", "logprob", "entropy"];

export function buildSampleDetail(
  record: TraceRecord,
  row: SampleRow,
  resolveImage: ImageResolver,
  stepOptions: StepSplitOptions = { mode: "auto" },
  stepScores: Record<string, (number | null)[]> = storedStepScores(record),
): SampleDetail {
  const completion = record.completion;
  const answer = extractAnswer(completion);
  const steps: ViewerStep[] = splitSteps(completion, stepOptions, record.steps).map((step) => ({
    index: step.index,
    span: step.span,
    score: processScore(step.index, stepScores) ?? (typeof step.label === "number" ? step.label : undefined),
    ...(typeof step.label === "number" ? { label: step.label } : {}),
  }));
  const truth: ViewerRegion[] = (record.regions ?? []).map((region) => ({
    source: "truth",
    box: region.box,
    frame: region.frame ?? "pixel",
    label: region.label,
    image: region.image ?? 0,
  }));
  const predicted: ViewerRegion[] = extractRegions(completion).map((region) => ({
    source: "predicted",
    box: region.box,
    frame: region.frame,
    label: region.label,
    image: region.image ?? 0,
    span: region.span,
    iou: bestIou(region.box, region.frame, region.image ?? 0, truth),
  }));
  const tokens = tokenChannels(record);
  const channels = [
    ...(steps.some((step) => typeof step.score === "number") ? ["process"] : []),
    ...(tokens ? channelNames(tokens) : []),
  ];
  return {
    ...row,
    prompt: typeof record.prompt === "string" ? record.prompt : "",
    completion,
    answer: record.answer === undefined || record.answer === null ? undefined : typeof record.answer === "string" ? record.answer : JSON.stringify(record.answer),
    predictedAnswer: answer?.text,
    answerSpan: answer?.span,
    images: (record.images ?? []).map((path) => ({ path, src: resolveImage(path) })),
    regions: [...truth, ...predicted],
    steps,
    tokens,
    channels,
    stepScores,
  };
}

/**
 * Per-step scores stored in a record: `step_rewards` / `meta.step_rewards` as `{name: number[]}`,
 * or the labels of its `steps` (PRM800K style) under `label`.
 */
export function storedStepScores(record: TraceRecord): Record<string, (number | null)[]> {
  const stored = record.step_rewards ?? record.meta?.step_rewards;
  const scores: Record<string, (number | null)[]> = {};
  if (stored && typeof stored === "object" && !Array.isArray(stored)) {
    for (const [name, values] of Object.entries(stored as Record<string, unknown>)) {
      if (Array.isArray(values)) scores[name] = values.map((v) => (typeof v === "number" ? v : null));
    }
  }
  return scores;
}

/** The first process reward's score for a step (the viewer colours by one channel at a time). */
function processScore(step: number, stepScores: Record<string, (number | null)[]>): number | null | undefined {
  for (const values of Object.values(stepScores)) if (step < values.length) return values[step];
  return undefined;
}

/** Token spans and numeric values, when the tokens' texts concatenate to the completion. */
function tokenChannels(record: TraceRecord): ViewerToken[] | undefined {
  if (!Array.isArray(record.tokens) || record.tokens.length === 0) return undefined;
  const tokens: ViewerToken[] = [];
  let at = 0;
  for (const token of record.tokens) {
    const text = typeof token.text === "string" ? token.text : "";
    if (record.completion.startsWith(text, at) === false) return undefined;
    const values: Record<string, number> = {};
    for (const [key, value] of Object.entries(token)) if (key !== "text" && typeof value === "number" && Number.isFinite(value)) values[key] = value;
    tokens.push({ start: at, end: at + text.length, values });
    at += text.length;
  }
  return at === record.completion.length ? tokens : undefined;
}

function channelNames(tokens: ViewerToken[]): string[] {
  const names = new Set<string>();
  for (const token of tokens) for (const key of Object.keys(token.values)) names.add(key);
  return [...PREFERRED_CHANNELS.filter((n) => names.has(n)), ...[...names].filter((n) => !PREFERRED_CHANNELS.includes(n)).sort()];
}

/**
 * Best IoU of a predicted box with the ground-truth boxes of the same image, when both are in the
 * same frame (boxes in different frames need the image size, which the webview knows; it then
 * shows no IoU rather than a wrong one).
 */
function bestIou(box: Box, frame: BoxFrame, image: number, truth: ViewerRegion[]): number | undefined {
  let best: number | undefined;
  for (const region of truth) {
    if (region.image !== image || region.frame !== frame) continue;
    const iou = intersectionOverUnion(box, region.box);
    if (best === undefined || iou > best) best = iou;
  }
  return best;
}

export function intersectionOverUnion(a: Box, b: Box): number {
  const width = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const height = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const intersection = width * height;
  const area = (box: Box) => Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
  const union = area(a) + area(b) - intersection;
  return union > 0 ? intersection / union : 0;
}
