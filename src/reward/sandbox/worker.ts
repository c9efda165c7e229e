/**
 * Entry point of a reward sandbox worker thread. It owns the user's reward code: the main thread
 * only posts compiled bundles and batches, and kills the worker on timeout or memory overrun.
 */
import { parentPort, workerData } from "node:worker_threads";
import { parseTraceRecord } from "../../trace/reader";
import type { StepSplitOptions } from "../../trace/types";
import { TraceSample } from "../sample";
import { loadRewardModules, type LoadedReward } from "./loader";
import { PROGRESS, type BatchResult, type ScoreRequest, type WorkerReply, type WorkerRequest } from "./protocol";
import { runBatch, type Slot } from "./runner";

const port = parentPort;
if (!port) throw new Error("reward worker must run in a worker thread");

const progress = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress);
let rewards: LoadedReward[] = [];
let steps: StepSplitOptions = { mode: "auto" };
const kept = new Map<string, { slots: Slot[]; parseErrors: BatchResult["parseErrors"] }>();

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on("message", (request: WorkerRequest) => {
  switch (request.type) {
    case "load": {
      // Kept samples cache steps split under the old settings: drop them only when those change.
      if (JSON.stringify(request.steps) !== JSON.stringify(steps)) kept.clear();
      steps = request.steps;
      const loaded = loadRewardModules(request.modules);
      rewards = loaded.rewards;
      reply({ type: "loaded", version: request.version, rewards: rewards.map((r) => r.info), errors: loaded.errors });
      break;
    }
    case "release":
      kept.delete(request.key);
      break;
    case "score":
      void score(request);
      break;
  }
});

async function score(request: ScoreRequest): Promise<void> {
  Atomics.store(progress, PROGRESS.busy, 1);
  try {
    const { slots, parseErrors } = request.kept !== undefined ? keptSlots(request.kept) : parseSlots(request);
    if (request.keep !== undefined) kept.set(request.keep, { slots, parseErrors });
    const result = await runBatch(rewards, slots, request.file, progress);
    result.parseErrors = parseErrors;
    const transfer = [result.lengths.buffer, ...result.values.map((v) => v.buffer), ...result.status.map((s) => s.buffer)] as ArrayBuffer[];
    reply({ type: "scored", id: request.id, result }, transfer);
  } catch (error) {
    reply({ type: "failed", id: request.id, message: error instanceof Error ? error.message : String(error) });
  } finally {
    Atomics.store(progress, PROGRESS.busy, 0);
  }
}

function keptSlots(key: string) {
  const entry = kept.get(key);
  if (!entry) throw new Error(`internal: no kept samples under "${key}"`);
  return entry;
}

function parseSlots(request: ScoreRequest) {
  const parseErrors: BatchResult["parseErrors"] = [];
  const count = request.lines?.length ?? request.records?.length ?? 0;
  const slots: Slot[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const line = request.lineNumbers[i];
    try {
      const record = request.lines ? parseTraceRecord(request.lines[i], request.file, line) : request.records![i];
      if (!request.lines && (record === null || typeof record !== "object" || typeof record.completion !== "string")) {
        throw new Error(`sample ${request.firstIndex + i}: "completion" must be a string`);
      }
      slots[i] = new TraceSample(record, request.firstIndex + i, line, steps);
    } catch (error) {
      slots[i] = null;
      parseErrors.push({ slot: i, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return { slots, parseErrors };
}
