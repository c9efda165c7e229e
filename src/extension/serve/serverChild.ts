/**
 * Starts and stops the reward server child process (src/server/serverProcess.ts, bundled as
 * dist/reward-server.js). Node only, no `vscode`, so tests drive it directly.
 *
 * `fork` runs the child on the editor's own runtime (in VS Code desktop, Electron as Node) with an
 * IPC channel: the child reports "listening" / log entries / "failed", and stops on `stop()` or when
 * the editor goes away.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { LogEntry } from "../../server/server";
import type { ServerProcessMessage, ServerProcessOptions } from "../../server/serverProcess";

export interface ListeningInfo {
  /** Full endpoint, e.g. http://127.0.0.1:5000/get_reward. */
  url: string;
  port: number;
  requestedPort: number;
  version: number;
  rewards: string[];
}

export interface ServerChildOptions {
  /** The child's entry script. */
  script: string;
  /** Node flags for the child (tests: `--import tsx` to run the TypeScript entry). */
  execArgv?: string[];
  onLog?: (entry: LogEntry) => void;
  /** Output the child writes outside the protocol (stderr), e.g. a crash's stack. */
  onOutput?: (text: string) => void;
  /** Called once when the child ends after it was listening (stopped or crashed). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** How long to wait for "listening" (loading and compiling rewards included). Default 60 s. */
  startTimeoutMs?: number;
}

/** A running reward server child. */
export class ServerChild {
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly info: ListeningInfo,
  ) {
    this.exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
  }

  /** Forks the child and resolves once it listens; rejects with the child's own reason otherwise. */
  static start(options: ServerProcessOptions, child: ServerChildOptions): Promise<ServerChild> {
    const proc = fork(child.script, [JSON.stringify(options)], {
      execArgv: child.execArgv ?? [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // The extension host's NODE_OPTIONS (debuggers, loaders) are not the server's business.
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let output = "";
    const onOutput = (data: Buffer) => {
      const text = data.toString();
      output = (output + text).slice(-4000);
      child.onOutput?.(text);
    };
    proc.stdout?.on("data", onOutput);
    proc.stderr?.on("data", onOutput);
    return new Promise<ServerChild>((resolve, reject) => {
      let started: ServerChild | undefined;
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`the reward server did not start within ${child.startTimeoutMs ?? 60_000} ms${output ? `:\n${output}` : ""}`));
      }, child.startTimeoutMs ?? 60_000);
      proc.on("message", (message: ServerProcessMessage) => {
        if (message.type === "log") child.onLog?.(message.entry);
        else if (message.type === "listening" && !started) {
          clearTimeout(timer);
          const { url, port, requestedPort, version, rewards } = message;
          started = new ServerChild(proc, { url, port, requestedPort, version, rewards });
          resolve(started);
        } else if (message.type === "failed" && !started) {
          clearTimeout(timer);
          reject(new Error(message.message));
        }
      });
      proc.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`could not start the reward server process (${child.script}): ${error.message}`));
      });
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        if (started) child.onExit?.(code, signal);
        else reject(new Error(`the reward server process exited (${signal ?? `code ${code}`}) before listening${output ? `:\n${output}` : ""}`));
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Asks the child to finish requests in flight and exit; kills it when it has not exited after
   * `graceMs`. Resolves once it is gone.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    if (this.child.connected) this.child.send({ type: "stop" });
    else this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
