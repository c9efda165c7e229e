/**
 * The reward engine: finds and compiles reward files, loads them into the sandbox pool, and scores
 * trace files (streamed, any size) or in-memory records. The CLI, the reward server, the trainer and
 * the VS Code views all score through this one class.
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { readLineChunks } from "../trace/chunks";
import type { StepSplitOptions, TraceLineError, TraceRecord } from "../trace/types";
import { compileRewardFiles, findRewardFiles } from "./compile";
import { SandboxPool, type SandboxOptions } from "./sandbox/pool";
import type { BatchResult, ScoredLineParts } from "./sandbox/protocol";
import type { GroupAdvantageOptions } from "./stats";
import { ScoreTable } from "./table";
import type { RewardInfo } from "./validate";

export interface RewardEngineOptions extends SandboxOptions {
  /** A reward file or a folder of `*.reward.ts` files, or a list of them (a workspace's "rewards"). */
  rewards: string | readonly string[];
  steps?: StepSplitOptions;
  advantage?: GroupAdvantageOptions;
  /** Records per sandbox batch for `scoreRecords` (default 512). */
  batchSize?: number;
  /** Bytes per chunk when scoring a file (default 1 MiB: fewer round trips to the workers measured faster). */
  chunkBytes?: number;
}

/** A reward file that failed to compile or load; `message` starts with file:line:col when known. */
export interface RewardLoadError {
  file: string;
  message: string;
}

export interface LoadResult {
  /** Increments on every load; results carry the version they were scored with. */
  version: number;
  files: string[];
  /** The user's own files the reward files import (helpers such as `rewards/lib/*.ts`), absolute, sorted. */
  dependencies: string[];
  rewards: RewardInfo[];
  errors: RewardLoadError[];
  compileMs: number;
}

export interface ScoreProgress {
  /** Lines read so far (malformed included). */
  lines: number;
  bytes: number;
}

export interface ScoreFileOptions {
  onProgress?: (progress: ScoreProgress) => void;
  signal?: AbortSignal;
  /** Keep parsed samples in the workers so `rescore(path)` is fast (hot reload). */
  keep?: boolean;
  /**
   * Receives each batch's line parts from the workers with the chunk of the file they are in, in
   * file order, right after its samples are appended to the table (`score --out` writes its output
   * from them instead of reading the file again). Awaited: a slow sink holds the reading back.
   */
  lines?: ScoredLineSink;
}

/**
 * See `ScoreFileOptions.lines`: rows from `firstRow` to `table.size` are the batch's samples, and
 * `chunk` the bytes they were scored from (reused for a later chunk once `add` settles).
 */
export interface ScoredLineSink {
  add(table: ScoreTable, firstRow: number, lines: ScoredLineParts, chunk: Uint8Array): Promise<void>;
}

/** One item of an import stream (see trace/importers): a record and where it is, or a row that failed to import. */
export type ImportedItem = { record: TraceRecord; source: { line?: number; row?: number } } | { error: TraceLineError };

/** Receives `streamRecordBatches`' output. */
export interface RecordBatchSink {
  batch(result: BatchResult, records: readonly TraceRecord[]): void | Promise<void>;
  malformed(error: TraceLineError): void;
}

type CompiledSet = Awaited<ReturnType<RewardEngine["compile"]>>;

interface KeptBatch {
  key: string;
  worker: number;
  generation: number;
}

export class RewardEngine {
  private readonly pool: SandboxPool;
  private readonly kept = new Map<string, KeptBatch[]>();
  private loaded: LoadResult | undefined;
  /** The last set of reward files that compiled and loaded without errors. */
  private lastGood: CompiledSet | undefined;
  private keyCounter = 0;

  constructor(readonly options: RewardEngineOptions) {
    // The strict sandbox may always read the reward files' folders (data files they load beside them).
    this.pool = new SandboxPool(options.sandbox === "strict" ? { ...options, strictReads: [...(options.strictReads ?? []), ...rewardFolders(options.rewards)] } : options);
  }

  /** The last load, or undefined before the first. */
  get current(): LoadResult | undefined {
    return this.loaded;
  }

  /** Rewards disabled since the last load because they timed out or killed a worker (`disableFailingRewards`). */
  get disabled(): SandboxPool["disabled"] {
    return this.pool.disabled;
  }

  /** (Re)compiles every reward file and loads the result into the sandbox. */
  async load(): Promise<LoadResult> {
    // The sandbox threads boot while the reward files compile.
    this.pool.warm();
    return this.loadCompiled(await this.compile());
  }

  /**
   * Like `load()`, but a change that does not compile or fails to load (a reward that throws at
   * top level) is not kept: the rewards loaded before stay, reloaded if need be (the reward server's
   * hot reload, so a training run never loses a reward mid-run).
   */
  async loadIfCompiles(): Promise<{ load: LoadResult } | { rejected: RewardLoadError[] }> {
    const compiled = await this.compile();
    if (compiled.errors.length > 0) return { rejected: compiled.errors.map((e) => ({ file: e.file, message: e.message })) };
    const previous = this.lastGood;
    let load: LoadResult;
    try {
      load = await this.loadCompiled(compiled);
    } catch (error) {
      // Loading timed out (top-level code that never returns) or killed its worker.
      if (!previous) throw error;
      await this.loadCompiled(previous);
      return { rejected: [{ file: "", message: (error as Error).message }] };
    }
    if (load.errors.length === 0 || !previous) return { load };
    await this.loadCompiled(previous);
    return { rejected: load.errors };
  }

  private async compile() {
    const started = performance.now();
    const paths = typeof this.options.rewards === "string" ? [this.options.rewards] : this.options.rewards;
    const files = [...new Set(paths.flatMap((p) => findRewardFiles(p)))];
    return { files, ...(await compileRewardFiles(files)), compileMs: performance.now() - started };
  }

  private async loadCompiled(set: CompiledSet): Promise<LoadResult> {
    const { files, compiled, errors, compileMs } = set;
    const reply = await this.pool.load(compiled, this.options.steps ?? { mode: "auto" });
    this.loaded = {
      version: this.pool.version,
      files,
      dependencies: [...new Set(compiled.flatMap((c) => c.dependencies))].sort(),
      rewards: reply.rewards,
      errors: [...errors.map((e) => ({ file: e.file, message: e.message })), ...reply.errors],
      compileMs,
    };
    if (this.loaded.errors.length === 0) this.lastGood = set;
    return this.loaded;
  }

  private requireLoaded(): LoadResult {
    if (!this.loaded) throw new Error("internal: RewardEngine.load() must run before scoring");
    return this.loaded;
  }

  /** Streams a trace file through the sandbox; memory stays flat whatever the file size. */
  async scoreFile(path: string, options: ScoreFileOptions = {}): Promise<ScoreTable> {
    const loaded = this.requireLoaded();
    const table = new ScoreTable(loaded.rewards, path);
    const pipeline = new OrderedJobs(this.pool.size * 2);
    const keptBatches: KeptBatch[] = [];
    let firstIndex = 0, read = 0, bytes = 0;

    for await (const chunk of readLineChunks(path, { signal: options.signal, chunkBytes: this.options.chunkBytes ?? 1024 * 1024, consumers: this.pool.size })) {
      // Size the table once from the first chunk's line density instead of doubling it (capped:
      // a first chunk of blank lines must not reserve gigabytes; past the cap the table doubles).
      if (chunk.offset === 0) table.reserve(Math.min(1 << 20, Math.ceil((chunk.lines * chunk.fileBytes * 1.05) / chunk.bytes.length)));
      const key = options.keep ? `k${++this.keyCounter}` : undefined;
      const job = this.pool.score({ file: path, firstIndex, chunk: chunk.bytes, firstLine: chunk.firstLine, lineCount: chunk.lines, ...(key ? { keep: key } : {}), ...(options.lines ? { lineParts: true } : {}) });
      // The worker has read the chunk's shared bytes once its job settles: the buffer can be reused,
      // unless the line sink copies lines out of it (then once the sink is done with the batch).
      const sink = options.lines;
      pipeline.add(job, sink ? () => {} : chunk.release, async ({ result, worker }) => {
        const firstRow = table.size;
        table.append(result);
        if (key) keptBatches.push({ key, worker, generation: this.pool.generation(worker) });
        if (!sink) return;
        try {
          if (result.lines) await sink.add(table, firstRow, result.lines, chunk.bytes);
        } finally {
          chunk.release();
        }
      });
      firstIndex += chunk.lines;
      read += chunk.lines;
      bytes = chunk.offset + chunk.bytes.length;
      options.onProgress?.({ lines: read, bytes });
      await pipeline.throttle();
      if (pipeline.failed) break;
    }
    await pipeline.finish();
    options.onProgress?.({ lines: read, bytes });
    if (options.keep) this.replaceKept(path, keptBatches);
    return table.finish(this.options.advantage);
  }

  /**
   * Scores a file kept by an earlier `scoreFile(path, {keep: true})` with the rewards loaded now,
   * without reading or parsing it again. Falls back to a full `scoreFile` when a worker was replaced.
   */
  async rescore(path: string): Promise<ScoreTable> {
    const loaded = this.requireLoaded();
    const batches = this.kept.get(path);
    if (!batches || batches.some((b) => this.pool.generation(b.worker) !== b.generation)) {
      return this.scoreFile(path, { keep: true });
    }
    const table = new ScoreTable(loaded.rewards, path);
    const results = await Promise.all(
      batches.map((b) => this.pool.score({ file: path, firstIndex: 0, kept: b.key }, b.worker)),
    );
    for (const { result } of results) table.append(result);
    return table.finish(this.options.advantage);
  }

  /** Scores records held in memory (viewer, server, trainer). */
  async scoreRecords(records: readonly TraceRecord[], file = ""): Promise<ScoreTable> {
    const loaded = this.requireLoaded();
    const table = new ScoreTable(loaded.rewards, file);
    const batchSize = this.options.batchSize ?? 512;
    const jobs = [];
    for (let start = 0; start < records.length; start += batchSize) {
      const slice = records.slice(start, start + batchSize);
      const lineNumbers = Int32Array.from(slice, (_, k) => start + k + 1);
      jobs.push(this.pool.score({ file, firstIndex: start, records: slice, lineNumbers }));
    }
    for (const { result } of await Promise.all(jobs)) table.append(result);
    return table.finish(this.options.advantage);
  }

  /**
   * Scores a stream of records (an importer's output: verl, TRL parquet, OpenRLHF, ...). Items that
   * failed to import are recorded as malformed lines. Records go to the sandbox in batches.
   */
  async scoreRecordStream(file: string, items: AsyncIterable<ImportedItem>): Promise<ScoreTable> {
    const loaded = this.requireLoaded();
    const table = new ScoreTable(loaded.rewards, file);
    await this.streamRecordBatches(file, items, {
      batch: (result) => table.append(result),
      malformed: (error) => void table.malformed.push(error),
    });
    return table.finish(this.options.advantage);
  }

  /**
   * The streaming loop under `scoreRecordStream`, for consumers that keep no table (`rewardlab
   * prm-eval` folds each batch into its counts and drops it, so memory does not grow with the
   * input). `sink.batch` gets each batch's result with the records it scored (slot k is
   * `records[k]`), in input order; a promise it returns holds the reading back.
   */
  async streamRecordBatches(file: string, items: AsyncIterable<ImportedItem>, sink: RecordBatchSink): Promise<void> {
    this.requireLoaded();
    const batchSize = this.options.batchSize ?? 512;
    const pipeline = new OrderedJobs(this.pool.size * 2);
    let records: TraceRecord[] = [];
    let numbers: number[] = [];
    let firstIndex = 0;
    const flush = () => {
      if (records.length === 0) return;
      const sent = records;
      pipeline.add(this.pool.score({ file, firstIndex, records: sent, lineNumbers: Int32Array.from(numbers) }), () => {}, ({ result }) => sink.batch(result, sent));
      firstIndex += records.length;
      records = [];
      numbers = [];
    };
    for await (const item of items) {
      if ("error" in item) {
        sink.malformed(item.error);
        continue;
      }
      records.push(item.record);
      numbers.push(item.source.line ?? item.source.row ?? firstIndex + records.length);
      if (records.length >= batchSize) {
        flush();
        await pipeline.throttle();
        if (pipeline.failed) break;
      }
    }
    flush();
    await pipeline.finish();
  }

  /** Forgets kept samples of a file. */
  forget(path: string): void {
    for (const batch of this.kept.get(path) ?? []) this.pool.release(batch.key, batch.worker);
    this.kept.delete(path);
  }

  private replaceKept(path: string, batches: KeptBatch[]): void {
    this.forget(path);
    this.kept.set(path, batches);
  }

  dispose(): void {
    this.kept.clear();
    this.pool.dispose();
  }
}

/**
 * The one streaming loop's bookkeeping: jobs run on the workers in parallel, at most `limit` in
 * flight (memory stays flat whatever the input size), and their results are consumed in the order
 * the jobs were added, whatever order the workers finish in. The first failure is thrown by `finish`.
 */
class OrderedJobs {
  private readonly inflight: Promise<void>[] = [];
  /** Results waiting for (or in) their `consume`, oldest first. */
  private readonly unconsumed: Promise<void>[] = [];
  private order: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /**
   * `settled` runs once the job is done either way; `consume` runs with its result, in order (a
   * promise it returns is awaited before the next result is consumed).
   */
  add<T>(job: Promise<T>, settled: () => void, consume: (result: T) => void | Promise<void>): void {
    this.inflight.push(job.then(settled, (error) => {
      settled();
      this.failure ??= { error };
    }));
    this.order = this.order.then(async () => consume(await job));
    // A failed consume (a sink that cannot write) stops the reading too, like a failed job.
    this.unconsumed.push(this.order.catch((error: unknown) => void (this.failure ??= { error })));
  }

  /** Waits until fewer than `limit` jobs are in flight, and fewer than `limit` results wait to be consumed. */
  async throttle(): Promise<void> {
    while (this.inflight.length >= this.limit) await this.inflight.shift();
    while (this.unconsumed.length >= this.limit) await this.unconsumed.shift();
  }

  async finish(): Promise<void> {
    await Promise.all(this.inflight);
    await this.order;
  }
}

/** The folders of the reward paths (a folder itself, a file's folder). */
function rewardFolders(rewards: string | readonly string[]): string[] {
  return [rewards].flat().map((path) => {
    try {
      return statSync(path).isDirectory() ? path : dirname(path);
    } catch {
      return dirname(path);
    }
  });
}
