/** Messages between the reward pool and a strict sandbox process (strictHost.ts): the worker protocol, wrapped. */
import type { WorkerReply, WorkerRequest } from "./protocol";

export type HostRequest = { type: "post"; message: WorkerRequest } | { type: "progress" };

export type HostReply =
  | { type: "reply"; message: WorkerReply }
  /** A snapshot of the worker's progress cell (`PROGRESS` layout). */
  | { type: "progress"; progress: number[] }
  /** The worker thread failed (`code` is ERR_WORKER_OUT_OF_MEMORY when it ran out of heap). */
  | { type: "error"; message: string; code?: string; progress: number[] }
  | { type: "exit"; code: number; progress: number[] };
