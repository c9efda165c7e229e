/**
 * Hot reload: watches the rewards folder and, on every change, recompiles and re-scores the given
 * trace files from samples the workers keep in memory. Results carry the reward version they were
 * computed with, and a result that a newer change has overtaken is dropped, never emitted.
 */
import { watch, type FSWatcher } from "node:fs";
import type { LoadResult, RewardEngine } from "./engine";
import type { ScoreTable } from "./table";

export interface RescoreEvent {
  load: LoadResult;
  tables: Map<string, ScoreTable>;
  /** From the file change to the last table scored. */
  elapsedMs: number;
  /** What triggered it: "start" or the changed file name. */
  trigger: string;
}

export interface RewardWatcherOptions {
  /** Wait this long after a change for more changes (editors write in several steps). Default 25 ms. */
  debounceMs?: number;
  onResult: (event: RescoreEvent) => void;
  onError: (error: Error) => void;
}

export class RewardWatcher {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending: { trigger: string; since: number } | undefined;
  /** Bumped on each change; a run whose generation is no longer current drops its result. */
  private generation = 0;

  constructor(
    private readonly engine: RewardEngine,
    private readonly traceFiles: readonly string[],
    private readonly options: RewardWatcherOptions,
  ) {}

  /** Loads, scores every trace once (keeping samples for fast re-scoring), then watches. */
  async start(): Promise<void> {
    await this.run("start", performance.now(), true);
    const paths = typeof this.engine.options.rewards === "string" ? [this.engine.options.rewards] : this.engine.options.rewards;
    for (const path of paths) {
      const watcher = watch(path, { recursive: true }, (_event, file) => this.changed(String(file ?? "")));
      watcher.on("error", (error) => this.options.onError(error));
      this.watchers.push(watcher);
    }
  }

  private changed(file: string): void {
    this.generation++;
    this.pending = { trigger: file || "rewards", since: this.pending?.since ?? performance.now() };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), this.options.debounceMs ?? 25);
  }

  /** Runs one re-score at a time; changes during a run start another after it. */
  private async drain(): Promise<void> {
    if (this.running || !this.pending) return;
    const { trigger, since } = this.pending;
    this.pending = undefined;
    this.running = this.run(trigger, since, false);
    await this.running;
    this.running = undefined;
    if (this.pending) void this.drain();
  }

  private async run(trigger: string, since: number, first: boolean): Promise<void> {
    const generation = this.generation;
    try {
      const load = await this.engine.load();
      const tables = new Map<string, ScoreTable>();
      for (const file of this.traceFiles) {
        tables.set(file, first ? await this.engine.scoreFile(file, { keep: true }) : await this.engine.rescore(file));
      }
      if (generation !== this.generation) return; // overtaken by a newer change: stale
      this.options.onResult({ load, tables, elapsedMs: performance.now() - since, trigger });
    } catch (error) {
      if (generation === this.generation) this.options.onError(error as Error);
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    for (const file of this.traceFiles) this.engine.forget(file);
  }
}
