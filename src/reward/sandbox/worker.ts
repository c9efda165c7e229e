/**
 * Entry point of a reward sandbox worker thread. It owns the user's reward code: the main thread
 * only posts compiled bundles and batches, and kills the worker on timeout or memory overrun.
 */
import { parentPort, workerData } from "node:worker_threads";
import { forEachLine } from "../../trace/chunks";
import { parseTraceRecord } from "../../trace/reader";
import type { StepSplitOptions, TraceRecord } from "../../trace/types";
import { TraceSample } from "../sample";
import { loadRewardModules, type LoadedReward } from "./loader";
import { PROGRESS, type BatchResult, type ScoreRequest, type WorkerReply, type WorkerRequest } from "./protocol";
import { runBatch, type Slot } from "./runner";

const port = parentPort;
if (!port) throw new Error("reward worker must run in a worker thread");

const progress = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress);
let rewards: LoadedReward[] = [];
let steps: StepSplitOptions = { mode: "auto" };
const kept = new Map<string, { slots: Slot[]; parseErrors: BatchResult["parseErrors"]; lineNumbers: Int32Array }>();

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
    const batch = request.kept !== undefined ? keptSlots(request.kept) : parseSlots(request);
    if (request.keep !== undefined) kept.set(request.keep, batch);
    const { slots, parseErrors, lineNumbers } = batch;
    // The result takes ownership of (and transfers) its own copy of the line numbers.
    const result = await runBatch(rewards, slots, request.file, progress, lineNumbers.slice());
    result.parseErrors = parseErrors;
    const transfer = [result.lengths.buffer, result.lineNumbers.buffer, ...result.values.map((v) => v.buffer), ...result.status.map((s) => s.buffer)] as ArrayBuffer[];
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
  const slots: Slot[] = [];
  const lines: number[] = [];
  const add = (parse: () => TraceRecord, line: number) => {
    lines.push(line);
    try {
      slots.push(new TraceSample(parse(), request.firstIndex + slots.length, line, steps));
    } catch (error) {
      parseErrors.push({ slot: slots.length, message: error instanceof Error ? error.message : String(error) });
      slots.push(null);
    }
  };
  if (request.chunk) {
    const text = decoder.decode(request.chunk);
    forEachLine(text, request.firstLine ?? 1, (line, lineNumber) => add(() => parseTraceRecord(line, request.file, lineNumber), lineNumber));
  } else if (request.lines) {
    request.lines.forEach((line, i) => add(() => parseTraceRecord(line, request.file, request.lineNumbers![i]), request.lineNumbers![i]));
  } else {
    (request.records ?? []).forEach((record, i) => add(() => checkRecord(record, request.firstIndex + i), request.lineNumbers?.[i] ?? i + 1));
  }
  return { slots, parseErrors, lineNumbers: Int32Array.from(lines) };
}

const decoder = new TextDecoder();

function checkRecord(record: TraceRecord, index: number): TraceRecord {
  if (record === null || typeof record !== "object" || typeof record.completion !== "string") {
    throw new Error(`sample ${index}: "completion" must be a string`);
  }
  return record;
}
