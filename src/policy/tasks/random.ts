/**
 * Seeded randomness for the task generators. Every example gets its own generator, derived from
 * (seed, index), so example i is the same whatever `count` is and generators can skip ahead.
 */
import { seededRandom } from "../../runtime/params";

/** A seeded random source with the few draws the generators need. */
export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [low, high] (both inclusive). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * The seed of example `index` under `seed`: two rounds of an integer hash (splitmix32-style
 * finaliser), so neighbouring indices and seeds give unrelated streams.
 */
export function exampleSeed(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index >>> 0, 0x85ebca77)) >>> 0;
  for (let round = 0; round < 2; round++) {
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** The difficulty level of example `index` under a level or a balanced mix of levels. */
export function levelOf(difficulty: number | readonly number[], index: number): number {
  if (typeof difficulty === "number") return difficulty;
  return difficulty[index % difficulty.length];
}

/**
 * Checks levels against a task's range.
 * @throws Error naming the bad level and the valid range.
 */
export function checkLevels(difficulty: number | readonly number[], max: number, task: string): void {
  const levels = typeof difficulty === "number" ? [difficulty] : difficulty;
  if (levels.length === 0) throw new Error(`${task}: no difficulty level given (use 1..${max})`);
  for (const level of levels) {
    if (!Number.isInteger(level) || level < 1 || level > max) {
      throw new Error(`${task}: difficulty ${level} is out of range: use whole numbers 1..${max}`);
    }
  }
}

/** `<prefix>-00042`: zero-padded so ids (and image file names) sort in generation order. */
export function exampleId(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(5, "0")}`;
}
