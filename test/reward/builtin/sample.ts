/** Test helpers: a `RewardSample` with defaults for every field, and a fake `RewardContext` that records metrics. */
import type { ImageSize, RewardContext, RewardSample } from "../../../src/reward/api/types";

export function makeSample(fields: Partial<RewardSample> = {}): RewardSample {
  const completion = fields.completion ?? "";
  return {
    id: "s-0",
    index: 0,
    group: undefined,
    step: undefined,
    prompt: "",
    images: [],
    completion,
    answer: undefined,
    regions: [],
    thinkText: null,
    answerText: null,
    answerSpan: null,
    steps: [],
    predictedRegions: [],
    tokens: undefined,
    meta: {},
    record: { completion },
    ...fields,
  };
}

export interface FakeContext extends RewardContext {
  /** Every `ctx.log.metric` call, in order. */
  readonly metrics: Array<[string, number]>;
}

/** A context whose image `i` has size `sizes[i]` (null when missing). */
export function fakeContext(sizes: ReadonlyArray<ImageSize | null> = []): FakeContext {
  const metrics: Array<[string, number]> = [];
  return {
    file: "",
    imageSize: (index = 0) => sizes[index] ?? null,
    log: { metric: (name, value) => void metrics.push([name, value]) },
    metrics,
  };
}

/** Scores one sample with an outcome reward, failing the test for other kinds. */
export function scoreOf(
  reward: { kind?: string; score?: unknown },
  sample: RewardSample,
  ctx: RewardContext = fakeContext(),
): number | null {
  if (reward.kind !== "outcome" || typeof reward.score !== "function") throw new Error("expected an outcome reward");
  return (reward.score as (s: RewardSample, c: RewardContext) => number | null)(sample, ctx);
}
