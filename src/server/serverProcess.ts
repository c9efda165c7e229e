/**
 * The reward server as a child process, driven over Node's IPC channel (`child_process.fork`).
 *
 * The VS Code extension runs the server this way, not inside the extension host: scoring already
 * runs in sandbox worker threads, but HTTP parsing, JSON (de)serialisation and response building of
 * a training cluster's requests (hundreds per second) would still run on the extension host's one
 * event loop, next to every other extension; and a crash or an out-of-memory of the server must not
 * take the editor down. Here it takes down this process only.
 *
 * Protocol: the options come as JSON in argv[2]; the child sends `ServerProcessMessage`s; the parent
 * sends `{ "type": "stop" }`. The child also stops when the parent goes away (IPC disconnect), so a
 * killed editor never leaves a server behind.
 */
import { dirname } from "node:path";
import { RewardEngine } from "../reward/engine";
import { sandboxSettings, type SandboxMode } from "../reward/sandbox/mode";
import type { StepSplitOptions } from "../trace/types";
import { RewardServer, type LogEntry } from "./server";

export interface ServerProcessOptions {
  /** Reward file or folder (absolute). */
  rewards: string;
  host: string;
  /** First port tried; when it is busy, the next ones (see `portAttempts`). */
  port: number;
  /** How many ports to try in all, from `port` upwards. Default 20. */
  portAttempts?: number;
  /** Time limit per sandbox batch, ms. */
  timeoutMs?: number;
  workers?: number;
  steps?: StepSplitOptions;
  /** Where reward code runs; default: the workspace's "sandbox" (nearest rewardlab.json above `rewards`), else "worker". */
  sandbox?: SandboxMode;
  /** Request log entries forwarded per second; the rest are summed up in one entry. Default 20. */
  requestLogsPerSecond?: number;
  /** Log rewards whose recent p99 time per sample is over this many ms (`RewardServerOptions.budgetMs`). */
  budgetMs?: number;
}

/** What the child tells its parent. */
export type ServerProcessMessage =
  | { type: "listening"; url: string; port: number; requestedPort: number; version: number; rewards: string[] }
  | { type: "log"; entry: LogEntry }
  | { type: "failed"; message: string }
  | { type: "stopped" };

/** What the parent tells the child. */
export interface ServerProcessCommand {
  type: "stop";
}

/** The error of a listen on a port someone else holds. */
function isAddressInUse(error: unknown): boolean {
  return (error as { code?: string }).code === "EADDRINUSE";
}

/**
 * Starts a server from `create(port)` on `first`, or on the next port up when that one is taken, at
 * most `attempts` ports in all. Other listen errors (permission, bad host) are not retried.
 */
export async function listenOnFreePort(
  create: (port: number) => RewardServer,
  first: number,
  attempts: number,
): Promise<{ server: RewardServer; url: string; port: number }> {
  const last = Math.min(65535, first + attempts - 1);
  for (let port = first; port <= last; port++) {
    const server = create(port);
    try {
      const { url } = await server.start();
      return { server, url, port: Number(new URL(url).port) };
    } catch (error) {
      if (!isAddressInUse(error)) throw error;
    }
  }
  throw new Error(`ports ${first}-${last} are all in use: stop what holds them or choose another port (setting rewardlab.serve.port)`);
}

/**
 * Passes every log entry through, except that request entries beyond `perSecond` in one second are
 * counted and reported as one `requests_summary` entry when the second ends: a cluster sending
 * hundreds of requests per second must not flood the editor's output channel.
 */
export class RequestLogThrottle {
  private windowStart = 0;
  private forwarded = 0;
  private suppressed = 0;
  private statuses: Record<string, number> = {};
  private maxMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (entry: LogEntry) => void,
    private readonly perSecond = 20,
    private readonly now: () => number = () => Date.now(),
  ) {}

  log(entry: LogEntry): void {
    if (entry.event !== "request") return this.emit(entry);
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.flush();
      this.windowStart = now;
      this.forwarded = 0;
    }
    if (this.forwarded < this.perSecond) {
      this.forwarded++;
      return this.emit(entry);
    }
    this.suppressed++;
    const status = String(entry.status);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    this.maxMs = Math.max(this.maxMs, Number(entry.ms) || 0);
    this.timer ??= setTimeout(() => this.flush(), 1000);
  }

  /** Emits the summary of suppressed entries, if any. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed === 0) return;
    this.emit({ event: "requests_summary", requests: this.suppressed, statuses: this.statuses, max_ms: this.maxMs, note: `${this.suppressed} more requests not logged one by one` });
    this.suppressed = 0;
    this.statuses = {};
    this.maxMs = 0;
  }
}

/** Runs the server until stopped; reports over `send`. Returns the exit code. */
export async function runServerProcess(
  options: ServerProcessOptions,
  send: (message: ServerProcessMessage) => void,
  stopped: Promise<unknown>,
): Promise<number> {
  let sandbox: ReturnType<typeof sandboxSettings>;
  try {
    sandbox = sandboxSettings(options.sandbox, [options.rewards], dirname(options.rewards));
  } catch (error) {
    send({ type: "failed", message: (error as Error).message });
    return 3;
  }
  const engine = new RewardEngine({
    rewards: options.rewards,
    ...sandbox,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.steps ? { steps: options.steps } : {}),
    ...(options.budgetMs !== undefined ? { timing: true } : {}),
  });
  const throttle = new RequestLogThrottle((entry) => send({ type: "log", entry }), options.requestLogsPerSecond ?? 20);
  try {
    const load = await engine.load();
    if (load.errors.length > 0) {
      send({ type: "failed", message: `reward files failed to load; not serving:\n${load.errors.map((e) => e.message).join("\n")}` });
      return 3;
    }
    if (load.rewards.length === 0) {
      send({ type: "failed", message: `no rewards found in ${options.rewards}: add a *.reward.ts file` });
      return 3;
    }
    const { server, url, port } = await listenOnFreePort(
      (candidate) => new RewardServer({ engine, host: options.host, port: candidate, log: (entry) => throttle.log(entry), ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}) }),
      options.port,
      options.portAttempts ?? 20,
    );
    send({ type: "listening", url: `${url}/get_reward`, port, requestedPort: options.port, version: load.version, rewards: load.rewards.map((r) => r.name) });
    await stopped;
    await server.close(2000);
    throttle.flush();
    send({ type: "stopped" });
    return 0;
  } catch (error) {
    send({ type: "failed", message: (error as Error).message });
    return 1;
  } finally {
    engine.dispose();
  }
}

function main(): void {
  let sent: Promise<unknown> = Promise.resolve();
  const send = (message: ServerProcessMessage) => {
    if (!process.connected || !process.send) return;
    const done = new Promise((resolve) => process.send!(message, undefined, {}, resolve));
    sent = Promise.all([sent, done]);
  };
  let options: ServerProcessOptions;
  try {
    options = JSON.parse(process.argv[2] ?? "") as ServerProcessOptions;
  } catch {
    send({ type: "failed", message: "internal: the reward server process needs its options as JSON in argv[2]" });
    process.exitCode = 2;
    return;
  }
  const stopped = new Promise<void>((resolve) => {
    process.on("message", (message: ServerProcessCommand) => message?.type === "stop" && resolve());
    process.once("disconnect", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  void runServerProcess(options, send, stopped).then(async (code) => {
    process.exitCode = code;
    // Deliver the last messages, then close the IPC channel (it would keep the process alive).
    await sent;
    if (process.connected) process.disconnect();
  });
}

if (require.main === module) main();
