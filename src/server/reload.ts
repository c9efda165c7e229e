/**
 * Hot reload for the reward server. Unlike the editor's `RewardWatcher`, a save that does not
 * compile is *not* loaded: a training run keeps getting the last good rewards (and the server logs
 * the error) instead of silently losing a reward half-way through a run.
 */
import { watch, type FSWatcher } from "node:fs";
import { compileRewardFiles, findRewardFiles } from "../reward/compile";
import type { LoadResult, RewardEngine } from "../reward/engine";

export interface ReloadEvents {
  onLoad: (load: LoadResult, trigger: string) => void;
  /** A change was not loaded (compile errors) or loading failed; the previous version stays. */
  onRejected: (messages: string[], trigger: string) => void;
}

export class RewardReloader {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending: string | undefined;

  constructor(
    private readonly engine: RewardEngine,
    private readonly events: ReloadEvents,
    private readonly debounceMs = 50,
  ) {}

  /** The engine's reward paths (one, or a workspace's list). */
  private get paths(): readonly string[] {
    const rewards = this.engine.options.rewards;
    return typeof rewards === "string" ? [rewards] : rewards;
  }

  /** Starts watching the reward paths (the first load is the caller's). */
  start(): void {
    for (const path of this.paths) {
      const watcher = watch(path, { recursive: true }, (_event, file) => this.changed(String(file ?? "")));
      watcher.on("error", (error) => this.events.onRejected([error.message], "watch"));
      this.watchers.push(watcher);
    }
  }

  private changed(file: string): void {
    this.pending = file || "rewards";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), this.debounceMs);
  }

  /** One reload at a time; changes during a reload start another after it. */
  private async drain(): Promise<void> {
    if (this.running || this.pending === undefined) return;
    const trigger = this.pending;
    this.pending = undefined;
    this.running = this.reload(trigger);
    await this.running;
    this.running = undefined;
    if (this.pending !== undefined) void this.drain();
  }

  private async reload(trigger: string): Promise<void> {
    try {
      const { errors } = await compileRewardFiles([...new Set(this.paths.flatMap((path) => findRewardFiles(path)))]);
      if (errors.length > 0) return this.events.onRejected(errors.map((e) => e.message), trigger);
      this.events.onLoad(await this.engine.load(), trigger);
    } catch (error) {
      this.events.onRejected([(error as Error).message], trigger);
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }
}
