/**
 * The completion as coloured text. It is cut into segments at every step, token and region-span
 * boundary; each segment is a <span> with its text set through textContent and its colour from
 * the chosen channel. Long completions (30k tokens) are appended a slice per animation frame so
 * the view never freezes.
 */
import type { SampleDetail } from "../../src/protocol/traceViewer";
import { legendFor, scaleFor } from "./colors";
import { el } from "./dom";

const SEGMENTS_PER_FRAME = 4000;

interface Segment {
  start: number;
  end: number;
  step?: number;
  token?: number;
  region?: number;
}

/** Splits [0, completion.length) at every boundary of steps, tokens, region spans and the answer. */
export function segmentsOf(sample: SampleDetail): Segment[] {
  const cuts = new Set<number>([0, sample.completion.length]);
  for (const step of sample.steps) cuts.add(step.span.start).add(step.span.end);
  for (const token of sample.tokens ?? []) cuts.add(token.start).add(token.end);
  for (const region of sample.regions) if (region.span) cuts.add(region.span.start).add(region.span.end);
  const sorted = [...cuts].filter((c) => c >= 0 && c <= sample.completion.length).sort((a, b) => a - b);
  const segments: Segment[] = [];
  let step = 0;
  let token = 0;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i];
    const end = sorted[i + 1];
    const segment: Segment = { start, end };
    while (step < sample.steps.length && sample.steps[step].span.end <= start) step++;
    if (step < sample.steps.length && sample.steps[step].span.start <= start) segment.step = step;
    const tokens = sample.tokens ?? [];
    while (token < tokens.length && tokens[token].end <= start) token++;
    if (token < tokens.length && tokens[token].start <= start) segment.token = token;
    const region = sample.regions.findIndex((r) => r.span !== undefined && r.span.start <= start && end <= r.span.end);
    if (region >= 0) segment.region = region;
    segments.push(segment);
  }
  return segments;
}

/** Value of `channel` for a segment: the step's score for `process`, else the token's value. */
function channelValue(sample: SampleDetail, segment: Segment, channel: string): number | undefined {
  if (channel === "process") {
    const score = segment.step === undefined ? undefined : sample.steps[segment.step].score;
    return typeof score === "number" ? score : undefined;
  }
  if (segment.token === undefined) return channel === "advantage" && sample.advantage !== null ? sample.advantage : undefined;
  return sample.tokens?.[segment.token].values[channel];
}

export interface RenderedCompletion {
  element: HTMLElement;
  /** The colour scale of this channel and what uncoloured text means. */
  legend: HTMLElement;
  /** Cancels progressive rendering (a newer sample replaced this one). */
  cancel(): void;
}

export function renderCompletion(sample: SampleDetail, channel: string): RenderedCompletion {
  const element = el("pre", "completion");
  element.dataset.channel = channel;
  const segments = segmentsOf(sample);
  const values = segments.map((segment) => channelValue(sample, segment, channel));
  const finite = values.filter((v): v is number => v !== undefined);
  const scale = scaleFor(channel, finite);
  const legend = channelLegend(sample, channel, finite, values.some((v) => v === undefined));
  let next = 0;
  let frame = 0;
  const appendSlice = () => {
    const fragment = document.createDocumentFragment();
    const end = Math.min(segments.length, next + SEGMENTS_PER_FRAME);
    for (; next < end; next++) {
      const segment = segments[next];
      const span = el("span", "seg", sample.completion.slice(segment.start, segment.end));
      if (segment.step !== undefined) span.dataset.step = String(segment.step);
      if (segment.region !== undefined) {
        span.dataset.region = String(segment.region);
        span.classList.add("mentions-region");
      }
      if (sample.answerSpan && segment.start >= sample.answerSpan.start && segment.end <= sample.answerSpan.end) span.classList.add("answer");
      const value = values[next];
      if (value !== undefined) {
        const colour = scale(value);
        if (colour) span.style.backgroundColor = colour;
        span.title = `${channel} ${value.toFixed(3)}`;
      }
      fragment.append(span);
    }
    element.append(fragment);
    if (next < segments.length) frame = requestAnimationFrame(appendSlice);
  };
  appendSlice();
  return { element, legend, cancel: () => cancelAnimationFrame(frame) };
}

/** The scale bar with its end values, and a line on what is left uncoloured and why. */
function channelLegend(sample: SampleDetail, channel: string, values: readonly number[], someBlank: boolean): HTMLElement {
  const box = el("div", "channel-legend");
  if (channel === "none") return box;
  const scale = legendFor(channel, values);
  if (scale) {
    const bar = el("div", "scale");
    const gradient = el("div", "scale-bar");
    gradient.style.background = `linear-gradient(to right, ${scale.gradient})`;
    const labels = el("div", "scale-labels");
    labels.append(...scale.labels.map((label) => el("span", undefined, label)));
    bar.append(gradient, labels);
    box.append(bar);
  }
  const notes: string[] = [];
  if (!scale) notes.push(`This sample has no ${channel} values: nothing is coloured.`);
  else if (channel === "process" && someBlank) notes.push("Uncoloured: text outside the steps, or a step whose score is null (the reward does not judge it).");
  else if (someBlank) notes.push(`Uncoloured: text with no ${channel} value.`);
  if (channel === "advantage" && !(sample.tokens ?? []).some((token) => "advantage" in token.values)) {
    notes.push("One colour for the whole completion: the trace has one advantage per sample (GRPO gives every token of a sample the same advantage).");
  }
  if (notes.length > 0) box.append(el("p", "legend-note", notes.join(" ")));
  return box;
}
