// Parent side of the trainer child process: forks it, sends the request, turns IPC messages into
// typed events, cancels cleanly (or kills on a second request). Used by `rewardlab train` and the
// VS Code command alike.

import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import { type ParentMessage, type TrainEvent, type TrainRequest } from "./protocol";

declare const REWARDLAB_BUNDLED: boolean | undefined;

export interface TrainerClientOptions {
  onEvent: (event: TrainEvent) => void;
  /** Text the child writes outside the protocol (warnings, a crash's stack). */
  onOutput?: (text: string) => void;
  /** Entry script and Node flags; default: dist/trainer.js next to this bundle, or the TS source via tsx. */
  script?: string;
  execArgv?: string[];
  /** ORT threads for the child (sets OMP/ORT env); default: all cores. */
  env?: Record<string, string>;
}

/**
 * glibc malloc settings for the trainer process. By default glibc maps every block over its dynamic
 * threshold straight from the kernel and unmaps it on free, so each ORT run re-faults its large
 * activations: on the reference decoder's training step ~14,500 page faults and 40-70 ms of system
 * CPU per step. Keeping blocks up to 256 MiB on the heap (and trimming it only past 1 GiB free)
 * reuses them: ~400-1,500 faults and 6-17 ms. A 3-step GRPO run on shapes-vqa (`npm run bench --
 * train`, 2 alternations): update 5.53/5.72 -> 4.52/4.96 s, step 8.02/8.65 -> 6.88/7.53 s, trainer CPU
 * 46-47 -> 41-42 s; peak RSS 1.42-1.62 GB either way. (ORT's own arena, the other fix, keeps one
 * arena per session, i.e. per shape bucket: the same run peaked at 3.9 GB.) Variables the user
 * set win.
 */
export const TRAINER_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(256 * 2 ** 20),
  MALLOC_TRIM_THRESHOLD_: String(2 ** 30),
};

/** How the trainer child is started from this build (bundled JS or TypeScript sources). */
export function trainerEntry(): { script: string; execArgv: string[] } {
  if (typeof REWARDLAB_BUNDLED !== "undefined") return { script: join(__dirname, "trainer.js"), execArgv: [] };
  return { script: join(__dirname, "..", "trainerProcess.ts"), execArgv: ["--import", "tsx"] };
}

export interface RunningTraining {
  readonly pid: number | undefined;
  /** Asks the run to stop after the current step (it writes a checkpoint); a second call kills it. */
  cancel(): void;
  /** Resolves with the final event: done or error (an exit without one becomes an error). */
  readonly finished: Promise<Extract<TrainEvent, { type: "done" | "error" }>>;
}

/** Forks the trainer and starts `request`. */
export function startTraining(request: TrainRequest, options: TrainerClientOptions): RunningTraining {
  const entry = options.script ? { script: options.script, execArgv: options.execArgv ?? [] } : trainerEntry();
  const child: ChildProcess = fork(entry.script, [], {
    execArgv: entry.execArgv,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: { ...TRAINER_MALLOC_ENV, ...process.env, NODE_OPTIONS: "", ...options.env },
  });
  let output = "";
  const onData = (data: Buffer) => {
    const text = data.toString();
    output = (output + text).slice(-4000);
    options.onOutput?.(text);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let final: Extract<TrainEvent, { type: "done" | "error" }> | null = null;
  const finished = new Promise<Extract<TrainEvent, { type: "done" | "error" }>>((resolve) => {
    child.on("message", (event: TrainEvent) => {
      if (event.type === "done" || event.type === "error") final = event;
      options.onEvent(event);
    });
    child.on("exit", (code, signal) => {
      resolve(final ?? { type: "error", message: `the trainer process exited (${signal ?? `code ${code}`}) without finishing${output.trim() ? `:\n${output.trim()}` : ""}`, runDir: null, nonFinite: false });
    });
    child.on("error", (err) => resolve({ type: "error", message: `could not start the trainer process: ${err.message}`, runDir: null, nonFinite: false }));
  });
  const send = (message: ParentMessage) => {
    if (child.connected) child.send(message);
  };
  send({ type: "start", request });
  let cancelled = false;
  return {
    pid: child.pid,
    cancel() {
      if (cancelled) child.kill("SIGKILL");
      else send({ type: "cancel" });
      cancelled = true;
    },
    finished,
  };
}
