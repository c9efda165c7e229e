/**
 * Entry point of a strict sandbox process (`sandbox: "strict"`, see strict.ts). The process runs
 * under Node's permission model; this file only relays: it starts the same reward worker thread as
 * the worker sandbox (same code, heap limits and progress cell) and passes the pool's messages
 * through IPC. The progress cell is shared memory inside this process, so the pool asks for it
 * (`progress`) before naming a reward that timed out, and gets it with every death report.
 */
import { Worker, type ResourceLimits } from "node:worker_threads";
import { PROGRESS } from "./protocol";
import type { HostReply, HostRequest } from "./strictProtocol";
import { workerScript } from "./workerScript";

const send = process.send?.bind(process);
if (!send) throw new Error("the strict reward sandbox host must be started by the reward pool (no IPC channel)");

const { resourceLimits } = JSON.parse(process.argv[2] ?? "{}") as { resourceLimits: ResourceLimits };
const progress = new Int32Array(new SharedArrayBuffer(PROGRESS.length * 4));
const script = workerScript();
const worker = new Worker(script.path, { workerData: { progress: progress.buffer }, resourceLimits, stdout: false, stderr: false, eval: script.eval });

const snapshot = () => Array.from(progress);
const reply = (message: HostReply) => send(message);

worker.on("message", (message) => reply({ type: "reply", message }));
worker.on("error", (error: Error & { code?: string }) => reply({ type: "error", message: error.message, code: error.code, progress: snapshot() }));
worker.on("exit", (code) => {
  reply({ type: "exit", code, progress: snapshot() });
  process.disconnect();
});
process.on("message", (request: HostRequest) => {
  if (request.type === "progress") reply({ type: "progress", progress: snapshot() });
  else worker.postMessage(request.message);
});
// The pool went away (or killed the channel): nothing is left to score for.
process.on("disconnect", () => process.exit(0));
