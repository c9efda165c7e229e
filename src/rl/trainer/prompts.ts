// Which training prompts a step uses: uniform (a fresh seeded permutation per pass over the data),
// restricted to the curriculum's eligible difficulty levels, or drawn by recent advantage variance
// (prioritised sampling). Every choice is a pure function of (seed, step, saved sampler state), so
// a resumed run draws the same prompts.

import { seededRandom } from "../../runtime/index";
import { CurriculumScheduler, type CurriculumState, PrioritizedPromptSampler } from "../sampling";
import { type RlSettings } from "../settings";

export interface PromptSamplerState {
  curriculum: CurriculumState;
  priorities: (number | null)[] | null;
}

export class PromptSelector {
  readonly curriculum: CurriculumScheduler;
  readonly prioritized: PrioritizedPromptSampler | null;
  private readonly levels: number[];

  /** `difficulty[i]` is prompt i's level (1-based, as in the datasets). */
  constructor(readonly settings: RlSettings, private readonly difficulty: readonly number[], state?: PromptSamplerState) {
    this.levels = [...new Set(difficulty)].sort((a, b) => a - b);
    this.curriculum = new CurriculumScheduler(settings, Math.max(1, this.levels.length), state?.curriculum);
    this.prioritized = settings.prioritized_sampling
      ? new PrioritizedPromptSampler(difficulty.length, settings.prioritized_floor, state?.priorities ?? undefined)
      : null;
  }

  /** `count` prompt indices for `step` (1-based). */
  select(step: number, count: number): number[] {
    const rand = seededRandom((this.settings.seed * 2_654_435_761 + step * 97) >>> 0);
    const maxLevel = this.levels[this.curriculum.level(step - 1)] ?? Infinity;
    const eligible = this.difficulty.map((d, i) => (d <= maxLevel ? i : -1)).filter((i) => i >= 0);
    if (this.prioritized && this.settings.curriculum === "off") return this.prioritized.sample(count, rand);
    const out: number[] = [];
    while (out.length < count) {
      const pool = eligible.slice();
      for (let i = pool.length - 1; i > 0 && out.length < count; i--) {
        const j = Math.floor(rand() * (i + 1));
        [pool[i], pool[j]] = [pool[j], pool[i]];
        out.push(pool[i]);
      }
      if (pool.length === 1 || out.length < count) out.push(pool[0]);
    }
    return out.slice(0, count);
  }

  state(): PromptSamplerState {
    return { curriculum: this.curriculum.toJSON(), priorities: this.prioritized?.toJSON() ?? null };
  }
}
