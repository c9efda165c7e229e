/**
 * The strict sandbox (`sandbox: "strict"`): the same reward worker as the worker sandbox, started
 * inside a child process that runs under Node's permission model (Node 20: `--experimental-permission`).
 * That process may read only the paths it is given (the workspace, the reward files' folders, the
 * traces' folders) and RewardLab's own code; it may not write files, start processes or load native
 * addons. The pool drives a `StrictThread` exactly as it drives a `Worker`: same messages, same time
 * and heap limits, same death reports.
 */
import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { dirname, join, resolve, sep } from "node:path";
import type { ResourceLimits } from "node:worker_threads";
import type { WorkerRequest } from "./protocol";
import type { HostReply, HostRequest } from "./strictProtocol";
import { isBundled } from "./workerScript";

export type { SandboxMode } from "./mode";

/** How long the pool waits for a progress snapshot before naming a timed-out reward from the last one it has. */
const PROGRESS_WAIT_MS = 500;

/** RewardLab's own code that the sandbox process must read: the package (dist/ or the sources and node_modules). */
function ownCode(): string[] {
  const paths = [packageRoot()];
  // NOTE: from the sources only (tests, benchmarks): tsx probes whether the file system is case
  // sensitive by checking that the working directory with its case inverted does not exist.
  if (!isBundled) paths.push(invertCase(packageRoot()));
  // compute-engine (symbolic math comparison) is required lazily and may be installed (hoisted) outside the package.
  try {
    paths.push(dirname(require.resolve("@cortex-js/compute-engine")));
  } catch {
    // not installed: math rewards fall back as they do in the worker sandbox
  }
  return paths;
}

const packageRoot = () => (isBundled ? dirname(__dirname) : resolve(__dirname, "../../.."));

const invertCase = (text: string) => [...text].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join("");

/** Node flags of the sandbox process: reads limited to `reads` and RewardLab's own code; nothing else allowed. */
export function permissionFlags(reads: readonly string[]): string[] {
  const allowed = outermost([...ownCode(), ...reads].map((path) => resolve(path)));
  return [
    "--experimental-permission",
    ...allowed.map((path) => `--allow-fs-read=${path}`),
    // The process's one worker thread runs the reward code; workers inherit the same permissions.
    "--allow-worker",
    // Node warns on every start that the permission model is experimental; the reward's own warnings still show.
    "--disable-warning=ExperimentalWarning",
    "--disable-warning=SecurityWarning",
  ];
}

/**
 * The paths not inside another one. Node 20's permission tree needs this: given a folder and a path
 * inside it, it denies the folder itself; given a path twice (one with a trailing slash), it aborts.
 */
export function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((path, i) => !sorted.slice(0, i).some((outer) => path.startsWith(outer.endsWith(sep) ? outer : outer + sep)));
}

/**
 * The sandbox process's environment: the locale and time zone only (dates and number formatting
 * read them, so scores match the worker sandbox's). Everything else stays out: variables often hold
 * tokens, and the permission model does not restrict the network in Node 20.
 */
function sandboxEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (name === "TZ" || name === "LANG" || name === "LANGUAGE" || name.startsWith("LC_")) env[name] = value;
  // From the sources, tsx would write its transform cache to the temp folder: not allowed here.
  if (!isBundled) env.TSX_DISABLE_CACHE = "1";
  return env;
}

function hostScript(): { path: string; execArgv: string[] } {
  if (isBundled) return { path: join(__dirname, "reward-strict-host.js"), execArgv: [] };
  return { path: join(__dirname, "strictHost.ts"), execArgv: ["--require", require.resolve("tsx/cjs")] };
}

/**
 * A strict sandbox process, with the part of the `Worker` interface the pool uses: `message`,
 * `error` and `exit` events, `postMessage`, `ref`/`unref`, `terminate`. `progress` is the pool's
 * progress cell; it is refreshed from the process with every death report and on `syncProgress()`.
 */
export class StrictThread extends EventEmitter {
  private readonly child: ChildProcess;
  private exited = false;
  /** Set by the first message from the process: before it, an exit means the process could not start. */
  private started = false;
  private waiting: (() => void)[] = [];

  constructor(private readonly progress: Int32Array, resourceLimits: ResourceLimits, reads: readonly string[]) {
    super();
    const host = hostScript();
    this.child = fork(host.path, [JSON.stringify({ resourceLimits })], {
      execArgv: [...host.execArgv, ...permissionFlags(reads)],
      serialization: "advanced",
      cwd: packageRoot(),
      env: sandboxEnv(),
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (reply: HostReply) => this.onReply(reply));
    this.child.on("error", (error) => this.emit("error", error));
    this.child.on("exit", (code, signal) => this.onExit(code ?? (signal ? 128 : 1)));
  }

  postMessage(message: WorkerRequest): void {
    this.send({ type: "post", message });
  }

  ref(): void {
    this.child.ref();
    this.child.channel?.ref();
  }

  unref(): void {
    this.child.unref();
    this.child.channel?.unref();
  }

  terminate(): Promise<number> {
    this.child.kill("SIGKILL");
    return Promise.resolve(0);
  }

  /** Refreshes `progress` from the process (at most PROGRESS_WAIT_MS; a dead process has nothing newer). */
  syncProgress(): Promise<void> {
    if (this.exited || !this.child.connected) return Promise.resolve();
    return new Promise((done) => {
      const timer = setTimeout(finish, PROGRESS_WAIT_MS);
      function finish() {
        clearTimeout(timer);
        done();
      }
      this.waiting.push(finish);
      this.send({ type: "progress" });
    });
  }

  private send(request: HostRequest): void {
    // A send racing the process's death is dropped: the death is reported through `exit`.
    if (this.child.connected) this.child.send(request, () => undefined);
  }

  private onReply(reply: HostReply): void {
    this.started = true;
    if (reply.type === "reply") return void this.emit("message", reply.message);
    this.progress.set(reply.progress);
    if (reply.type === "progress") return this.release();
    if (reply.type === "error") return void this.emit("error", Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
    this.onExit(reply.code);
  }

  private onExit(code: number): void {
    this.release();
    if (this.exited) return;
    this.exited = true;
    // Node before 20 (or a runtime without the permission model, such as some Electron builds) refuses the flags.
    if (!this.started) this.emit("error", new Error(`the strict sandbox process (${process.execPath} --experimental-permission, Node 20 or later) exited with code ${code} before it started; its stderr says why. Use sandbox "worker" where the permission model is not available.`));
    this.emit("exit", code);
  }

  private release(): void {
    for (const done of this.waiting.splice(0)) done();
  }
}
