/**
 * Builds the `RewardSample` a reward function sees from a stored trace record. Extraction
 * (answer, steps, regions) is lazy and cached: a reward that reads only `completion` pays for nothing
 * else, which keeps the scoring hot path fast.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { extractAnswer, extractThink } from "../trace/answer";
import { readImageSize } from "../trace/images";
import { extractRegions } from "../trace/regions";
import { splitSteps } from "../trace/steps";
import type { ExtractedAnswer, ExtractedRegion, Region, Step, StepSplitOptions, TokenInfo, TraceRecord } from "../trace/types";
import type { ImageSize, RewardSample } from "./api/types";

const NONE = Symbol("none");

export class TraceSample implements RewardSample {
  readonly id: string;
  private answerCache: ExtractedAnswer | null | typeof NONE = NONE;
  private thinkCache: string | null | typeof NONE = NONE;
  private stepsCache: Step[] | undefined;
  private regionsCache: ExtractedRegion[] | undefined;

  constructor(
    readonly record: TraceRecord,
    readonly index: number,
    /** 1-based line in the trace file (0 when the sample did not come from a file). */
    readonly line: number,
    private readonly stepOptions: StepSplitOptions,
  ) {
    const id = record.id;
    this.id = typeof id === "string" ? id : typeof id === "number" ? String(id) : `#${line || index + 1}`;
  }

  get group(): string | undefined {
    const group = this.record.group;
    return typeof group === "string" ? group : typeof group === "number" ? String(group) : undefined;
  }
  get step(): number | undefined {
    return typeof this.record.step === "number" ? this.record.step : undefined;
  }
  get prompt(): string {
    return typeof this.record.prompt === "string" ? this.record.prompt : "";
  }
  get images(): readonly string[] {
    return this.record.images ?? [];
  }
  get completion(): string {
    return this.record.completion;
  }
  get answer(): unknown {
    return this.record.answer;
  }
  get regions(): readonly Region[] {
    return this.record.regions ?? [];
  }
  get tokens(): readonly TokenInfo[] | undefined {
    return this.record.tokens;
  }
  get meta(): Readonly<Record<string, unknown>> {
    return this.record.meta ?? {};
  }
  get thinkText(): string | null {
    if (this.thinkCache === NONE) this.thinkCache = extractThink(this.completion)?.text ?? null;
    return this.thinkCache;
  }
  private get extractedAnswer(): ExtractedAnswer | null {
    if (this.answerCache === NONE) this.answerCache = extractAnswer(this.completion);
    return this.answerCache;
  }
  get answerText(): string | null {
    return this.extractedAnswer?.text ?? null;
  }
  get answerSpan() {
    return this.extractedAnswer?.span ?? null;
  }
  get steps(): readonly Step[] {
    this.stepsCache ??= splitSteps(this.completion, this.stepOptions, this.record.steps);
    return this.stepsCache;
  }
  get predictedRegions(): readonly ExtractedRegion[] {
    this.regionsCache ??= extractRegions(this.completion);
    return this.regionsCache;
  }

  /** Plain-data copy for `console.log` and structured clone (getters are not enumerable). */
  toJSON(): Record<string, unknown> {
    const { id, index, group, step, prompt, images, completion, answer, regions, thinkText, answerText, steps, predictedRegions } = this;
    return { id, index, group, step, prompt, images, completion, answer, regions, thinkText, answerText, steps, predictedRegions };
  }
}

/** Image sizes for the samples of one trace file; paths are relative to the file's folder. */
export function imageSizeReader(traceFile: string): (sample: RewardSample, index: number) => ImageSize | null {
  const base = traceFile ? dirname(traceFile) : process.cwd();
  return (sample, index) => {
    const image = sample.images[index];
    if (typeof image !== "string") return null;
    const path = image.startsWith("data:") || isAbsolute(image) ? image : resolve(base, image);
    return readImageSize(path);
  };
}
