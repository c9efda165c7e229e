/**
 * Follows a run folder while the trainer writes it: new metrics lines and run.json rewrites are
 * reported as they land. Built on `fs.watch` of the run folder (one watcher sees both files, and
 * run.json's atomic rename), throttled so a fast trainer costs at most one read per interval, with a
 * slow poll behind it because file-change events are not guaranteed on every file system.
 */
import { type FSWatcher, watch } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { METRICS_FILE, METRICS_START, type MetricsChunk, type MetricsCursor, readMetrics, readRunInfo, RUN_FILE, type RunEntry } from "./runs";

export interface RunFollowerEvents {
  /** New complete metrics lines (or bad ones). On `reset` the file was rewritten: drop earlier rows. */
  onMetrics(chunk: MetricsChunk): void;
  /** run.json changed (status, steps done, best, ...), or became unreadable. */
  onInfo(entry: RunEntry): void;
  /** A read failed for a reason other than bad content (permissions, I/O). */
  onError?(error: Error): void;
}

export interface RunFollowerOptions {
  /** At most one read per this many milliseconds while the trainer writes. */
  throttleMs?: number;
  /** Look for changes this often even without file events. */
  pollMs?: number;
}

export class RunFollower {
  private cursor: MetricsCursor = METRICS_START;
  private infoStamp = "";
  private entry: RunEntry | undefined;
  private watcher: FSWatcher | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private disposed = false;
  private readonly throttleMs: number;
  private readonly pollMs: number;

  constructor(
    readonly runDir: string,
    private readonly events: RunFollowerEvents,
    options: RunFollowerOptions = {},
  ) {
    this.throttleMs = options.throttleMs ?? 250;
    this.pollMs = options.pollMs ?? 2000;
  }

  /** Reads run.json and all metrics so far (reported through the events), then starts watching. */
  async start(): Promise<void> {
    await this.check();
    if (this.disposed) return;
    try {
      this.watcher = watch(this.runDir, { persistent: false }, () => this.schedule());
      this.watcher.on("error", () => this.stopWatching());
    } catch {
      // The folder may not exist yet or the platform may not support watching: the poll still works.
    }
    this.poll = setInterval(() => this.schedule(), this.pollMs);
    this.poll.unref?.();
  }

  /** The latest run.json entry read. */
  get info(): RunEntry | undefined {
    return this.entry;
  }

  dispose(): void {
    this.disposed = true;
    this.stopWatching();
    clearInterval(this.poll);
    clearTimeout(this.pending);
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private schedule(): void {
    if (this.disposed || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.check();
    }, this.throttleMs);
  }

  /** One read at a time; a change that arrives during a read triggers one more read after it. */
  private check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.read()
      .catch((error: Error) => this.events.onError?.(error))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.disposed) {
          this.again = false;
          void this.check();
        }
      });
    return this.running;
  }

  private async read(): Promise<void> {
    const stamp = await fileStamp(join(this.runDir, RUN_FILE));
    if (this.disposed) return;
    if (stamp !== this.infoStamp || !this.entry) {
      this.infoStamp = stamp;
      this.entry = await readRunInfo(this.runDir);
      if (this.disposed) return;
      this.events.onInfo(this.entry);
    }
    // Once the run has ended nobody will finish a partial last line: read it as it is.
    const final = this.entry.state !== "running";
    const chunk = await readMetrics(join(this.runDir, METRICS_FILE), this.cursor, { final });
    if (this.disposed) return;
    this.cursor = chunk.next;
    if (chunk.rows.length > 0 || chunk.problems.length > 0 || chunk.reset) this.events.onMetrics(chunk);
  }
}

/** Changes whenever the file is rewritten (atomic rename gives a new inode and mtime). */
async function fileStamp(path: string): Promise<string> {
  try {
    const info = await stat(path);
    return `${info.ino}:${info.mtimeMs}:${info.size}`;
  } catch {
    return "missing";
  }
}
