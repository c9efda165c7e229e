/**
 * The remote reward HTTP server (node:http): `POST /get_reward` in OpenRLHF's protocol (see
 * protocol.ts), `GET /health`. Every request is scored by the same `RewardEngine` (sandbox, weights)
 * as the editor and the CLI, in one batch per request.
 *
 * Limits, so a training cluster cannot take the machine down and a slow client cannot hold a slot:
 * - body size (413), checked against Content-Length first and then while reading;
 * - one deadline per request: body not received in time -> 408, scoring not done in time -> 504;
 * - at most `maxConcurrent` requests being read or scored; more get 503 at once (OpenRLHF retries).
 *   A slot is freed when scoring really ends, not when a 504 is sent, so the bound holds.
 * - at most `maxSamples` samples per request (413), labels nested at most 64 deep (400).
 * Requests from web pages are refused: a body must be `Content-Type: application/json` (415), a
 * request carrying a browser `Origin` gets 403 unless that origin is allowed, and a `Host` other
 * than the bound address or a loopback name gets 403 (DNS rebinding). Trainers send neither.
 * Every response carries the reward version (`X-Reward-Version` header, `version` key); every
 * request is logged as one JSON line.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LoadResult, RewardEngine } from "../reward/engine";
import { RewardSandboxError, RewardTimeoutError } from "../reward/sandbox/pool";
import { buildRewardResponse, parseRewardRequest, RequestError } from "./protocol";
import { RewardReloader } from "../reward/watch";
import type { ScoreTable } from "../reward/table";
import { RecentTimes } from "../reward/timing";

export interface RewardServerOptions {
  engine: RewardEngine;
  host?: string;
  /** 0 picks a free port (tests). Default 5000. */
  port?: number;
  /** Default 16 MiB. */
  maxBodyBytes?: number;
  /** Deadline from the first byte of a request to its response. Default 120 s (OpenRLHF's client waits 180 s). */
  requestTimeoutMs?: number;
  /** Requests read or scored at once. Default 64. */
  maxConcurrent?: number;
  /** Samples per request. Default 65,536. */
  maxSamples?: number;
  /** Browser origins allowed to call (e.g. a dashboard of your own); default none. */
  allowOrigins?: readonly string[];
  /** Reward whose value goes to `scores` instead of the weighted total. */
  scoreReward?: string;
  /** Reload rewards when their files change. Default true. */
  watch?: boolean;
  /** One structured entry per request / reload. Default: a JSON line on stderr. */
  log?: (entry: LogEntry) => void;
  /**
   * Time budget per sample, ms: a reward whose p99 over its last 10,000 samples is above it is
   * logged as `slow_reward` (at most once a minute per reward). Needs an engine created with
   * `timing: true`.
   */
  budgetMs?: number;
}

export interface LogEntry {
  /** `requests_summary`: request entries a throttled log summed up (serverProcess.ts). */
  event: "request" | "reload" | "reload_rejected" | "listening" | "shutdown" | "requests_summary" | "slow_reward";
  [key: string]: unknown;
}

const DEFAULTS = { host: "127.0.0.1", port: 5000, maxBodyBytes: 16 * 1024 * 1024, requestTimeoutMs: 120_000, maxConcurrent: 64, maxSamples: 65_536 };

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]", "::1"];
const WILDCARD_HOSTS = ["0.0.0.0", "::", "[::]"];

/** The host part of a Host header ("h:5000" -> "h", "[::1]:5000" -> "[::1]"), lower-cased. */
function hostName(header: string): string {
  const text = header.trim().toLowerCase();
  if (text.startsWith("[")) return text.slice(0, text.indexOf("]") + 1);
  const colon = text.lastIndexOf(":");
  return colon >= 0 && text.indexOf(":") === colon ? text.slice(0, colon) : text;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  started: number;
  samples: number;
  /** Set once a response is sent: later outcomes (a late score, a late body) are dropped. */
  done: boolean;
}

/** A reward over budget is logged again after this long. */
const SLOW_REWARD_LOG_EVERY_MS = 60_000;
const round = (ms: number) => Math.round(ms * 100) / 100;

/** The sample of `table` on which `reward` took longest, or undefined. */
function slowestIn(table: ScoreTable, reward: string): { id: string; ms: number } | undefined {
  const r = table.rewards.findIndex((info) => info.name === reward);
  const column = r >= 0 ? table.times?.[r] : undefined;
  if (!column) return undefined;
  let best = -1;
  for (let row = 0; row < table.size; row++) if (column[row] === column[row] && (best < 0 || column[row] > column[best])) best = row;
  return best < 0 ? undefined : { id: table.ids[best], ms: column[best] };
}

export class RewardServer {
  private readonly recentTimes = new RecentTimes();
  private readonly slowWarned = new Map<string, number>();
  private readonly server: Server;
  private readonly reloader: RewardReloader | undefined;
  private readonly log: (entry: LogEntry) => void;
  private readonly limits: typeof DEFAULTS;
  private active = 0;
  /** The last change that was not loaded (the previous rewards kept serving); cleared by a good reload. */
  private rejectedReload: { trigger: string; errors: string[]; at: string } | null = null;

  constructor(private readonly options: RewardServerOptions) {
    this.limits = {
      host: options.host ?? DEFAULTS.host,
      port: options.port ?? DEFAULTS.port,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      maxConcurrent: options.maxConcurrent ?? DEFAULTS.maxConcurrent,
      maxSamples: options.maxSamples ?? DEFAULTS.maxSamples,
    };
    this.log = options.log ?? ((entry) => process.stderr.write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + "\n"));
    this.server = createServer((req, res) => this.handle(req, res));
    this.reloader = options.watch === false ? undefined : new RewardReloader(options.engine, {
      onLoad: (load, trigger) => {
        this.rejectedReload = null;
        this.log({ event: "reload", trigger, version: load.version, rewards: load.rewards.map((r) => r.name), errors: load.errors.map((e) => e.message) });
      },
      onRejected: (messages, trigger) => {
        this.rejectedReload = { trigger, errors: messages, at: new Date().toISOString() };
        this.log({ event: "reload_rejected", trigger, version: this.version, errors: messages });
      },
    });
  }

  /** The reward version being served (0 before the first load). */
  get version(): number {
    return this.options.engine.current?.version ?? 0;
  }

  /**
   * Loads the rewards (unless already loaded), starts listening, then watching. Rejects with the
   * listen error (e.g. `code: "EADDRINUSE"`) and leaves nothing running when the port is taken.
   */
  async start(): Promise<{ url: string; load: LoadResult }> {
    const load = this.options.engine.current ?? (await this.options.engine.load());
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.limits.port, this.limits.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    // Watch only once listening: a failed listen (port busy) must leave no watcher behind.
    this.reloader?.start();
    const address = this.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    this.log({ event: "listening", url: `${url}/get_reward`, version: load.version, rewards: load.rewards.map((r) => r.name) });
    return { url, load };
  }

  /**
   * Stops accepting connections, lets requests in flight finish (at most `graceMs`), then closes
   * what is left. Does not dispose the engine (its owner does).
   */
  async close(graceMs = 10_000): Promise<void> {
    this.reloader?.stop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const force = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(force);
    this.log({ event: "shutdown", version: this.version });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const exchange: Exchange = { req, res, started: performance.now(), samples: 0, done: false };
    const path = (req.url ?? "/").split("?")[0];
    const refused = this.refuseBrowser(req);
    if (refused) {
      this.fail(exchange, refused, true);
      return this.dropAfterResponse(exchange);
    }
    if (path === "/health") {
      if (req.method !== "GET" && req.method !== "HEAD") return this.fail(exchange, new RequestError(405, "use GET /health"));
      return this.send(exchange, 200, this.health());
    }
    if (path === "/get_reward") {
      if (req.method !== "POST") return this.fail(exchange, new RequestError(405, "use POST /get_reward with a JSON body"));
      const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
      if (type !== "application/json") {
        this.fail(exchange, new RequestError(415, `send the body as Content-Type: application/json (got ${type ? `"${type}"` : "none"})`), true);
        return this.dropAfterResponse(exchange);
      }
      return this.getReward(exchange);
    }
    this.fail(exchange, new RequestError(404, `no route ${req.method} ${path}: use POST /get_reward or GET /health`));
  }

  /**
   * Web pages the user visits can send requests to 127.0.0.1: refuse what only a browser sends (an
   * `Origin` not allowed) and names the server by another host (DNS rebinding). Null to go on.
   */
  private refuseBrowser(req: IncomingMessage): RequestError | null {
    const origin = req.headers.origin;
    if (origin !== undefined && !(this.options.allowOrigins ?? []).includes(origin)) {
      return new RequestError(403, `requests from web pages are refused (Origin: ${origin}); rewardlab serve --allow-origin ORIGIN allows one`);
    }
    const host = req.headers.host;
    if (host === undefined || WILDCARD_HOSTS.includes(this.limits.host)) return null;
    const name = hostName(host);
    const bound = this.limits.host.includes(":") && !this.limits.host.startsWith("[") ? `[${this.limits.host.toLowerCase()}]` : this.limits.host.toLowerCase();
    if (name === bound || LOOPBACK_NAMES.includes(name)) return null;
    return new RequestError(403, `Host "${host}" is not this server's address (${this.limits.host}); use the address it listens on`);
  }

  private health(): Record<string, unknown> {
    const load = this.options.engine.current;
    const errors = load?.errors.map((e) => e.message) ?? [];
    return {
      status: !load ? "loading" : errors.length > 0 ? "degraded" : "ok",
      version: this.version,
      rewards: load?.rewards.map((r) => ({ name: r.name, kind: r.kind, weight: r.weight })) ?? [],
      ...(errors.length > 0 ? { errors } : {}),
      ...(this.rejectedReload ? { reload_rejected: this.rejectedReload } : {}),
      in_flight: this.active,
      max_concurrent: this.limits.maxConcurrent,
      max_samples: this.limits.maxSamples,
    };
  }

  private getReward(exchange: Exchange): void {
    if (this.active >= this.limits.maxConcurrent) {
      return this.fail(exchange, new RequestError(503, `server busy: ${this.active} requests in flight (limit ${this.limits.maxConcurrent}); retry`));
    }
    const declared = Number(exchange.req.headers["content-length"]);
    if (declared > this.limits.maxBodyBytes) {
      this.tooLarge(exchange);
      return this.dropAfterResponse(exchange);
    }
    this.active++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.active--;
    };
    let bodyDone = false;
    const timer = setTimeout(() => {
      if (!bodyDone) {
        release();
        this.fail(exchange, new RequestError(408, `request body not received within ${this.limits.requestTimeoutMs} ms`), true);
        this.dropAfterResponse(exchange);
      } else {
        this.fail(exchange, new RequestError(504, `scoring did not finish within ${this.limits.requestTimeoutMs} ms`));
      }
    }, this.limits.requestTimeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    exchange.req.on("data", (chunk: Buffer) => {
      if (exchange.done) return;
      size += chunk.length;
      if (size > this.limits.maxBodyBytes) {
        clearTimeout(timer);
        release();
        this.tooLarge(exchange);
        this.dropAfterResponse(exchange);
        return;
      }
      chunks.push(chunk);
    });
    // A client that goes away mid-body frees its slot.
    exchange.req.on("close", () => {
      if (bodyDone) return;
      clearTimeout(timer);
      release();
    });
    exchange.req.on("end", () => {
      bodyDone = true;
      if (exchange.done) return release();
      this.score(exchange, Buffer.concat(chunks).toString("utf8")).finally(() => {
        clearTimeout(timer);
        release();
      });
    });
  }

  private async score(exchange: Exchange, body: string): Promise<void> {
    try {
      const { records } = parseRewardRequest(body, this.limits.maxSamples);
      exchange.samples = records.length;
      const load = this.options.engine.current;
      if (!load || load.errors.length > 0) {
        throw new RequestError(503, `rewards failed to load (version ${this.version}): ${load?.errors.map((e) => e.message).join("; ") ?? "not loaded"}; fix the reward files`);
      }
      // The table is scored with the rewards loaded when scoring starts; report that version.
      const version = load.version;
      const table = await this.options.engine.scoreRecords(records);
      this.send(exchange, 200, buildRewardResponse(table, { version, scoreReward: this.options.scoreReward }), version);
      this.checkBudget(table);
    } catch (error) {
      if (error instanceof RequestError) return this.fail(exchange, error);
      if (error instanceof RewardTimeoutError) return this.fail(exchange, new RequestError(504, error.message));
      if (error instanceof RewardSandboxError) return this.fail(exchange, new RequestError(500, error.message));
      this.fail(exchange, new RequestError(500, `internal error: ${(error as Error).message}`));
    }
  }

  /** Logs rewards whose recent p99 time per sample is over `budgetMs` (once a minute each). */
  private checkBudget(table: ScoreTable): void {
    const budget = this.options.budgetMs;
    if (budget === undefined || !table.times) return;
    this.recentTimes.add(table);
    const now = performance.now();
    for (const [reward, times] of Object.entries(this.recentTimes.summary(budget))) {
      if (!times.over_budget || now - (this.slowWarned.get(reward) ?? -Infinity) < SLOW_REWARD_LOG_EVERY_MS) continue;
      this.slowWarned.set(reward, now);
      const slowest = slowestIn(table, reward);
      this.log({
        event: "slow_reward", reward, budget_ms: budget, samples: times.samples, p50_ms: round(times.p50_ms), p99_ms: round(times.p99_ms), max_ms: round(times.max_ms), version: this.version,
        ...(slowest ? { slowest_in_request: { id: slowest.id, ms: round(slowest.ms) } } : {}),
        message: `reward "${reward}" takes ${round(times.p99_ms)} ms per sample at p99 over its last ${times.samples} samples, over the ${budget} ms budget: the trainer waits for its slowest sample every step`,
      });
    }
  }

  /** Closes the connection once the error response is written (the rest of the body is not read). */
  private dropAfterResponse(exchange: Exchange): void {
    exchange.res.once("finish", () => exchange.req.socket.destroy());
  }

  private tooLarge(exchange: Exchange): void {
    this.fail(exchange, new RequestError(413, `request body over ${this.limits.maxBodyBytes} bytes; send fewer samples per request`), true);
  }

  private fail(exchange: Exchange, error: RequestError, closeConnection = false): void {
    this.send(exchange, error.status, { error: error.message, version: this.version }, this.version, closeConnection);
  }

  private send(exchange: Exchange, status: number, body: object, version = this.version, closeConnection = false): void {
    if (exchange.done) return;
    exchange.done = true;
    const text = JSON.stringify(body);
    const { res, req } = exchange;
    res.statusCode = status;
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Content-Length", Buffer.byteLength(text));
    res.setHeader("X-Reward-Version", String(version));
    if (closeConnection) res.setHeader("Connection", "close");
    res.end(req.method === "HEAD" ? undefined : text);
    const error = status >= 400 ? (body as { error?: string }).error : undefined;
    this.log({
      event: "request", method: req.method, path: req.url, status, samples: exchange.samples,
      ms: Math.round((performance.now() - exchange.started) * 10) / 10, version, ...(error ? { error } : {}),
    });
  }
}
