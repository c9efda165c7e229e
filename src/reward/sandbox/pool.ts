/**
 * A pool of reward sandbox workers. Each worker runs one batch at a time under a time limit (the
 * worker is terminated on overrun) and a heap limit (V8 `resourceLimits`). A dead worker is
 * replaced on next use and gets the current rewards re-loaded.
 */
import type { EventEmitter } from "node:events";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { Worker } from "node:worker_threads";
import type { StepSplitOptions } from "../../trace/types";
import type { CompiledReward } from "../compile";
import type { RewardInfo } from "../validate";
import { PROGRESS, type BatchResult, type DisabledReward, type LoadReply, type ScoreRequest, type WorkerReply, type WorkerRequest } from "./protocol";
import type { SandboxMode } from "./mode";
import { StrictThread } from "./strict";
import { workerScript } from "./workerScript";

export interface SandboxOptions {
  /** Worker threads (default: available cores, at most 4). */
  workers?: number;
  /** Time limit for one batch in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Heap limit per worker in MB (default 512). */
  memoryMb?: number;
  /** Time limit for loading the reward files into a worker (their top-level code), in ms (default 30000). */
  loadTimeoutMs?: number;
  /**
   * A reward that times out or kills its worker is disabled for the rest of the run (until the next
   * load) and its batch is scored again without it, so the other rewards finish; `disabled` says
   * which and why. Default false: the batch fails with the error (the trainer and server stop or
   * answer with it).
   */
  disableFailingRewards?: boolean;
  /** Measure every reward's time on every sample (`ScoreTable.times`; `rewardlab score --timing`). */
  timing?: boolean;
  /**
   * "worker" (default): reward code runs in worker threads of this process. "strict": each worker
   * runs inside a child process under Node's permission model (strict.ts): reads limited to
   * `strictReads`, no writes, no child processes. Limits, errors and results are the same.
   */
  sandbox?: SandboxMode;
  /** With sandbox "strict": the files and folders reward code may read (the workspace, the rewards' and traces' folders). */
  strictReads?: readonly string[];
}

/** A reward ran past the time limit; the worker was killed. */
export class RewardTimeoutError extends Error {
  constructor(message: string, readonly reward: RewardInfo | undefined) {
    super(message);
    this.name = "RewardTimeoutError";
  }
}

/** A worker died: out of memory, or crashed. */
export class RewardSandboxError extends Error {
  constructor(message: string, readonly reward: RewardInfo | undefined) {
    super(message);
    this.name = "RewardSandboxError";
  }
}

type BatchInput = Omit<ScoreRequest, "type" | "id">;

/** Jobs a worker holds at once: the one it runs and the next, already in its inbox. */
const JOBS_PER_WORKER = 2;

interface Job {
  id: number;
  request: ScoreRequest;
  resolve: (value: { result: BatchResult; worker: number }) => void;
  reject: (error: Error) => void;
}

/** A worker thread, or a strict sandbox process that relays to one (the part of `Worker` the pool uses). */
type SandboxThread = Pick<EventEmitter, "on" | "once" | "off" | "removeAllListeners"> & {
  postMessage(message: WorkerRequest): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
};

/**
 * Makes the progress cell current before it is read: a worker thread writes it in shared memory,
 * a strict sandbox process (its thread's memory is not ours) is asked for a snapshot.
 */
function syncProgress(thread: SandboxThread | undefined): Promise<void> {
  return thread instanceof StrictThread ? thread.syncProgress() : Promise.resolve();
}

class SandboxWorker {
  private worker: SandboxThread | undefined;
  private progress = new Int32Array(new SharedArrayBuffer(PROGRESS.length * 4));
  /** Jobs posted to the thread, in order; the first is running, the rest wait in its inbox. */
  private jobs: Job[] = [];
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<LoadReply> | undefined;
  /** Increments each time the thread is replaced (kept samples are lost then). */
  generation = 0;

  constructor(private readonly pool: SandboxPool, readonly index: number) {}

  /** Jobs posted and not finished. */
  get posted(): number {
    return this.jobs.length;
  }

  /** Starts the thread now (it boots while the caller compiles), unref'd until it has work. */
  warm(): void {
    this.thread();
  }

  /** Loads the pool's current rewards (starting the thread when needed). */
  load(): Promise<LoadReply> {
    const thread = this.thread();
    // An idle worker must not keep the process alive; a loading or busy one must.
    thread.ref();
    Atomics.store(this.progress, PROGRESS.reward, -1);
    this.loading = new Promise<LoadReply>((resolve, reject) => {
      // A reward file that loops at top level would hang every command: loading has a limit too.
      let settled = false;
      const limit = setTimeout(() => {
        void syncProgress(thread).then(() => {
          if (settled) return;
          settled = true;
          const module = this.pool.modules[Atomics.load(this.progress, PROGRESS.reward)];
          thread.off("message", onMessage);
          this.kill();
          this.finish();
          reject(new RewardTimeoutError(`${module ? module.file : "the reward files"}: loading did not finish within ${this.pool.loadTimeoutMs} ms; does its top-level code loop or wait forever?`, undefined));
        });
      }, this.pool.loadTimeoutMs);
      const onMessage = (message: WorkerReply) => {
        if (message.type !== "loaded" || message.version !== this.pool.version || settled) return;
        settled = true;
        clearTimeout(limit);
        thread.off("message", onMessage);
        if (this.jobs.length === 0) thread.unref();
        resolve(message);
      };
      thread.on("message", onMessage);
      let failure: Error | undefined;
      thread.once("error", (error: Error) => (failure = error));
      thread.once("exit", () => {
        clearTimeout(limit);
        settled = true;
        reject(new RewardSandboxError(`reward worker exited while loading rewards${failure ? `: ${failure.message}` : ""}`, undefined));
      });
      thread.postMessage({ type: "load", version: this.pool.version, modules: this.pool.modules, steps: this.pool.steps });
    });
    return this.loading;
  }

  /**
   * Posts a job. A worker may hold a second job in its inbox while it runs one, so it never waits
   * for the main thread between batches (on a loaded machine that wait measured 1-20 ms a batch).
   */
  async run(job: Job): Promise<void> {
    this.jobs.push(job);
    try {
      if (!this.worker) await this.load();
      else await this.loading;
    } catch (error) {
      if (!this.jobs.includes(job)) return;
      this.jobs.splice(this.jobs.indexOf(job), 1);
      this.pool.next(this);
      return job.reject(error as Error);
    }
    // Handed to another worker while this one restarted: nothing to post.
    if (!this.jobs.includes(job) || !this.worker) return;
    if (this.jobs[0] === job) this.startTimer();
    this.worker.ref();
    this.worker.postMessage(job.request);
  }

  /** The time limit runs for the job at the head, the one the thread is working on. */
  private startTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.timeout(), this.pool.timeoutMs);
  }

  private thread(): SandboxThread {
    if (this.worker) return this.worker;
    const resourceLimits = { maxOldGenerationSizeMb: this.pool.memoryMb, maxYoungGenerationSizeMb: Math.min(64, this.pool.memoryMb / 4) };
    let worker: SandboxThread;
    if (this.pool.sandbox === "strict") {
      worker = new StrictThread(this.progress, resourceLimits, this.pool.strictReads);
    } else {
      const script = workerScript();
      worker = new Worker(script.path, { workerData: { progress: this.progress.buffer }, resourceLimits, stdout: false, stderr: false, eval: script.eval });
    }
    worker.unref();
    // Events of a thread already replaced are dropped: a strict sandbox process reports its thread's
    // error and exit in two IPC messages, and the failed job may run on the next thread in between.
    const current = () => this.worker === worker;
    worker.on("message", (message: WorkerReply) => current() && this.onReply(message));
    worker.on("error", (error: Error & { code?: string }) => current() && this.onDeath(error));
    worker.on("exit", (code) => current() && this.onDeath(new Error(`reward worker exited with code ${code}`)));
    this.worker = worker;
    this.generation++;
    return worker;
  }

  private onReply(message: WorkerReply): void {
    const job = this.jobs[0];
    if (!job || message.type === "loaded" || message.id !== job.id) return;
    this.jobs.shift();
    clearTimeout(this.timer);
    if (this.jobs.length > 0) this.startTimer();
    else this.worker?.unref();
    this.pool.next(this);
    if (message.type === "scored") job.resolve({ result: message.result, worker: this.index });
    else job.reject(new RewardSandboxError(message.message, undefined));
  }

  private timeout(): void {
    const job = this.jobs[0];
    const thread = this.worker;
    if (!job) return;
    // The job may still finish while a strict sandbox process reports its progress: then it stands.
    void syncProgress(thread).then(() => {
      if (this.jobs[0] === job && this.worker === thread) this.timeoutNow(job);
    });
  }

  private timeoutNow(job: Job): void {
    const reward = this.pool.rewards[Atomics.load(this.progress, PROGRESS.reward)];
    const line = Atomics.load(this.progress, PROGRESS.line);
    const where = job.request.file ? ` (at ${basename(job.request.file)}:${line})` : "";
    const who = reward ? `reward "${reward.name}" (${reward.file})` : "a reward";
    this.kill();
    const error = new RewardTimeoutError(`${who} timed out: the batch did not finish within ${this.pool.timeoutMs} ms${where}. Look for an infinite loop, or raise the limit (--timeout MS).`, reward);
    this.fail(job, error);
  }

  /** After the thread was lost under `job`: score it again without the culprit when the pool disables it, else reject. */
  private fail(job: Job, error: RewardTimeoutError | RewardSandboxError): void {
    const retry = this.pool.disable(Atomics.load(this.progress, PROGRESS.reward), error, job);
    this.finish();
    if (retry) this.pool.requeue([job]);
    else job.reject(error);
  }

  private onDeath(error: Error & { code?: string }): void {
    const job = this.jobs[0];
    const reward = this.pool.rewards[Atomics.load(this.progress, PROGRESS.reward)];
    this.worker = undefined;
    if (!job) return this.finish();
    const who = reward ? `reward "${reward.name}" (${reward.file})` : "a reward";
    const line = Atomics.load(this.progress, PROGRESS.line);
    const where = job.request.file && line > 0 ? ` (at ${basename(job.request.file)}:${line})` : "";
    const message = error.code === "ERR_WORKER_OUT_OF_MEMORY"
      ? `${who} ran out of memory${where}: the worker exceeded its ${this.pool.memoryMb} MB heap limit (raise it with --memory MB)`
      : `${who} crashed the reward worker${where}: ${error.message}`;
    this.fail(job, new RewardSandboxError(message, reward));
  }

  /** After the thread died or was killed: jobs waiting behind the failed one go back to the pool. */
  private finish(): void {
    this.worker?.unref();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pool.requeue(this.jobs.splice(1));
    this.jobs = [];
    this.pool.next(this);
  }

  /** Posts a message to a running thread (dropped when none is running). */
  post(message: WorkerRequest): void {
    this.worker?.postMessage(message);
  }

  kill(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      worker.removeAllListeners();
      worker.on("error", () => {});
      void worker.terminate();
    }
  }
}

/** Reward worker threads at most: each is a V8 isolate with its own heap; more only thrashes. */
export const MAX_SANDBOX_WORKERS = 64;

export class SandboxPool {
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly loadTimeoutMs: number;
  modules: CompiledReward[] = [];
  steps: StepSplitOptions = { mode: "auto" };
  rewards: RewardInfo[] = [];
  version = 0;
  private readonly workers: SandboxWorker[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private readonly disableFailing: boolean;
  private readonly timing: boolean;
  readonly sandbox: SandboxMode;
  readonly strictReads: readonly string[];
  /** Rewards disabled since the last load, by index (see `SandboxOptions.disableFailingRewards`). */
  private readonly disabledRewards = new Map<number, { reward: RewardInfo; error: RewardTimeoutError | RewardSandboxError }>();

  constructor(options: SandboxOptions = {}) {
    const count = Math.min(MAX_SANDBOX_WORKERS, Math.max(1, options.workers ?? Math.min(4, availableParallelism())));
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.memoryMb = options.memoryMb ?? 512;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 30_000;
    this.disableFailing = options.disableFailingRewards ?? false;
    this.timing = options.timing ?? false;
    this.sandbox = options.sandbox ?? "worker";
    this.strictReads = options.strictReads ?? [];
    this.workers = Array.from({ length: count }, (_, i) => new SandboxWorker(this, i));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Generation of a worker's thread; changes when it is replaced (its kept samples are gone). */
  generation(worker: number): number {
    return this.workers[worker].generation;
  }

  /** Starts every worker's thread ahead of `load` (a thread takes longer to boot than rewards take to compile). */
  warm(): void {
    for (const worker of this.workers) worker.warm();
  }

  /** Loads compiled rewards into every worker; resolves with the first worker's report. */
  async load(modules: CompiledReward[], steps: StepSplitOptions): Promise<LoadReply> {
    this.modules = modules;
    this.steps = steps;
    this.version++;
    this.disabledRewards.clear();
    const replies = await Promise.all(this.workers.map((w) => w.load()));
    this.rewards = replies[0].rewards;
    return replies[0];
  }

  /** Scores a batch on any free worker, or on `worker` when given (for kept samples). */
  score(input: BatchInput, worker?: number): Promise<{ result: BatchResult; worker: number }> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const job: Job & { worker?: number } = { id, request: { ...input, type: "score", id }, resolve, reject, worker };
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Frees samples a worker kept. */
  release(key: string, worker: number): void {
    this.workers[worker]?.post({ type: "release", key });
  }

  /** Called by a worker when it can take a job. */
  next(_worker: SandboxWorker): void {
    queueMicrotask(() => this.dispatch());
  }

  /** Rewards disabled since the last load (a timeout or a killed worker), with the error that did it. */
  get disabled(): { reward: RewardInfo; error: RewardTimeoutError | RewardSandboxError }[] {
    return [...this.disabledRewards.values()];
  }

  /**
   * Called when a worker was lost running `job` inside reward `index`: disables that reward when
   * the pool is set to, and says whether the job can run again without it. Not for jobs that
   * score samples kept in the lost worker (they are gone), nor when the reward is unknown or
   * was disabled already (then something else kills the worker).
   */
  disable(index: number, error: RewardTimeoutError | RewardSandboxError, job: Job): boolean {
    const reward = this.rewards[index];
    if (!this.disableFailing || !reward || this.disabledRewards.has(index) || job.request.kept !== undefined) return false;
    this.disabledRewards.set(index, { reward, error });
    return true;
  }

  /** What a request carries so workers skip the disabled rewards. */
  private disabledList(): DisabledReward[] | undefined {
    if (this.disabledRewards.size === 0) return undefined;
    return [...this.disabledRewards].map(([reward, { error }]) => ({ reward, message: `disabled for the rest of the run: ${error.message}` }));
  }

  /** Puts jobs that never started back at the front of the queue. */
  requeue(jobs: Job[]): void {
    this.queue.unshift(...jobs);
  }

  private dispatch(): void {
    for (let q = 0; q < this.queue.length; q++) {
      const job = this.queue[q] as Job & { worker?: number };
      const target = job.worker !== undefined ? this.workers[job.worker] : this.leastLoaded();
      if (!target || target.posted >= JOBS_PER_WORKER) continue;
      this.queue.splice(q--, 1);
      const disabled = this.disabledList();
      if (disabled) job.request.disabled = disabled;
      if (this.timing) job.request.timing = true;
      void target.run(job);
    }
  }

  /** The worker with the fewest posted jobs (the first of equals). */
  private leastLoaded(): SandboxWorker {
    return this.workers.reduce((best, w) => (w.posted < best.posted ? w : best));
  }

  dispose(): void {
    for (const worker of this.workers) worker.kill();
    for (const job of this.queue.splice(0)) job.reject(new Error("reward sandbox disposed"));
  }
}
