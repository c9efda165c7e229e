/**
 * Hot reload. `RewardPathWatch` is the one watcher: it watches reward paths, waits for an editor's
 * writes to settle, runs one reaction at a time and coalesces changes made during a run into one
 * more. Two reactions use it:
 * - `RewardWatcher` (the editor, `rewardlab score --watch`): recompiles and re-scores the given trace
 *   files from samples the workers keep in memory. Results carry the reward version they were
 *   computed with; a result that a newer change has overtaken is dropped, never emitted.
 * - `RewardReloader` (the reward server): a save that does not compile is *not* loaded, so a
 *   training run keeps getting the last good rewards instead of losing a reward half-way through.
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

/** Watches reward paths; `react(trigger)` runs after changes settle, one at a time. */
export class RewardPathWatch {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pending: string | undefined;

  constructor(private readonly options: {
    paths: readonly string[];
    /** Runs after changes settle (the trigger is the changed file's name); never two at once. */
    react: (trigger: string) => Promise<void>;
    onError: (error: Error) => void;
    /** Called on every file event, before the debounce (e.g. to mark running work stale). */
    onChange?: () => void;
    debounceMs: number;
  }) {}

  start(): void {
    for (const path of this.options.paths) {
      const watcher = watch(path, { recursive: true }, (_event, file) => this.changed(String(file ?? "")));
      watcher.on("error", (error) => this.options.onError(error));
      this.watchers.push(watcher);
    }
  }

  private changed(file: string): void {
    this.pending = file || "rewards";
    this.options.onChange?.();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), this.options.debounceMs);
  }

  private async drain(): Promise<void> {
    if (this.running || this.pending === undefined) return;
    const trigger = this.pending;
    this.pending = undefined;
    this.running = true;
    try {
      await this.options.react(trigger);
    } finally {
      this.running = false;
    }
    if (this.pending !== undefined) void this.drain();
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }
}

/** The engine's reward paths (one, or a workspace's list). */
const rewardPaths = (engine: RewardEngine): readonly string[] => (typeof engine.options.rewards === "string" ? [engine.options.rewards] : engine.options.rewards);

export class RewardWatcher {
  private readonly watch: RewardPathWatch;
  /** When the first change not yet re-scored happened (the latency users feel). */
  private since: number | undefined;
  /** Bumped on each change; a run whose generation is no longer current drops its result. */
  private generation = 0;

  constructor(
    private readonly engine: RewardEngine,
    private readonly traceFiles: readonly string[],
    private readonly options: RewardWatcherOptions,
  ) {
    this.watch = new RewardPathWatch({
      paths: rewardPaths(engine),
      react: (trigger) => this.run(trigger, false),
      onError: options.onError,
      onChange: () => {
        this.generation++;
        this.since ??= performance.now();
      },
      debounceMs: options.debounceMs ?? 25,
    });
  }

  /** Loads, scores every trace once (keeping samples for fast re-scoring), then watches. */
  async start(): Promise<void> {
    this.since = performance.now();
    await this.run("start", true);
    this.watch.start();
  }

  private async run(trigger: string, first: boolean): Promise<void> {
    const generation = this.generation;
    const since = this.since ?? performance.now();
    this.since = undefined;
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
    this.watch.stop();
    for (const file of this.traceFiles) this.engine.forget(file);
  }
}

export interface ReloadEvents {
  onLoad: (load: LoadResult, trigger: string) => void;
  /** A change was not loaded (compile errors) or loading failed; the previous version stays. */
  onRejected: (messages: string[], trigger: string) => void;
}

/** The reward server's hot reload: loads a change only when every reward file compiles. */
export class RewardReloader {
  private readonly watch: RewardPathWatch;

  constructor(engine: RewardEngine, events: ReloadEvents, debounceMs = 50) {
    this.watch = new RewardPathWatch({
      paths: rewardPaths(engine),
      react: async (trigger) => {
        try {
          const result = await engine.loadIfCompiles();
          if ("rejected" in result) events.onRejected(result.rejected.map((e) => e.message), trigger);
          else events.onLoad(result.load, trigger);
        } catch (error) {
          events.onRejected([(error as Error).message], trigger);
        }
      },
      onError: (error) => events.onRejected([error.message], "watch"),
      debounceMs,
    });
  }

  /** Starts watching the reward paths (the first load is the caller's). */
  start(): void {
    this.watch.start();
  }

  stop(): void {
    this.watch.stop();
  }
}
