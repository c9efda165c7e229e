/**
 * Entry point of a reward sandbox worker thread. It owns the user's reward code: the main thread
 * only posts compiled bundles and batches, and kills the worker on timeout or memory overrun.
 */
import { parentPort, workerData } from "node:worker_threads";
import { LineCursor } from "../../trace/chunks";
import { parseTraceRecord } from "../../trace/reader";
import type { StepSplitOptions, TraceRecord } from "../../trace/types";
import { TraceSample } from "../sample";
import { describeError, loadRewardModules, type LoadedReward } from "./loader";
import { spliceHead } from "../scoredLines";
import { LinePart, PROGRESS, type BatchResult, type ScoredLineParts, type ScoreRequest, type WorkerReply, type WorkerRequest } from "./protocol";
import { BatchScorer, type KeptBatch } from "./runner";

const port = parentPort;
if (!port) throw new Error("reward worker must run in a worker thread");

const progress = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress);
let rewards: LoadedReward[] = [];
let steps: StepSplitOptions = { mode: "auto" };
const kept = new Map<string, KeptBatch>();

// A promise that reward code rejected and nothing awaited (a stray `Promise.reject(...)` at top
// level, a fire-and-forget call) would end the worker and every batch on it. It is not any
// sample's result (a returned promise is awaited and its rejection fails that sample), so it is
// dropped here instead of taking the other rewards down.
process.on("unhandledRejection", () => undefined);

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** Requests run one at a time, in order: the pool posts the next batch while one runs. */
let queue: Promise<void> = Promise.resolve();

port.on("message", (request: WorkerRequest) => {
  if (request.type === "release") kept.delete(request.key);
  // A batch whose rewards await must finish before the next batch or a reload starts.
  else queue = queue.then(() => handle(request)).catch(crash);
});

/** A failure outside a batch's own error handling ends the worker, which the pool then reports. */
function crash(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case "load": {
      // Kept samples cache steps split under the old settings: drop them only when those change.
      if (JSON.stringify(request.steps) !== JSON.stringify(steps)) kept.clear();
      steps = request.steps;
      // Which file is loading, for the pool's time limit to name the one that hangs.
      const loaded = loadRewardModules(request.modules, (index) => Atomics.store(progress, PROGRESS.reward, index));
      Atomics.store(progress, PROGRESS.reward, 0);
      rewards = loaded.rewards;
      reply({ type: "loaded", version: request.version, rewards: rewards.map((r) => r.info), errors: loaded.errors });
      break;
    }
    case "score":
      await score(request);
      break;
  }
}

async function score(request: ScoreRequest): Promise<void> {
  Atomics.store(progress, PROGRESS.busy, 1);
  try {
    const result = request.kept !== undefined ? await scoreKept(request.kept, request) : await scoreNew(request);
    const transfer = [result.lineNumbers, result.idEnds, result.groupIndex, result.lengths, ...result.values, ...result.status, ...(result.lines ? [result.lines.kind, result.lines.starts, result.lines.ends] : [])].map((a) => a.buffer as ArrayBuffer);
    reply({ type: "scored", id: request.id, result }, transfer);
  } catch (error) {
    reply({ type: "failed", id: request.id, message: describeError(error) });
  } finally {
    Atomics.store(progress, PROGRESS.busy, 0);
  }
}

/** Parses the request's chunk (or takes its records) and scores each sample as it is parsed. */
async function scoreNew(request: ScoreRequest): Promise<BatchResult> {
  const batch = new BatchScorer(rewards, request.file, progress, request.records?.length ?? request.lineCount ?? 512, request.keep !== undefined, request.disabled, request.timing);
  let texts: LinePartCollector | undefined;
  if (request.chunk) {
    texts = request.lineParts ? new LinePartCollector(request.lineCount ?? 512) : undefined;
    const lines = new LineCursor(request.chunk, request.firstLine ?? 1);
    while (lines.next()) {
      const pending = addLine(batch, request, lines, texts);
      if (pending) await pending;
    }
  } else {
    const records = request.records ?? [];
    for (let i = 0; i < records.length; i++) {
      const line = request.lineNumbers?.[i] ?? i + 1;
      const record = records[i];
      if (!isRecord(record)) {
        batch.addMalformed(line, `sample ${request.firstIndex + i}: "completion" must be a string`);
        continue;
      }
      const pending = batch.add(new TraceSample(record, request.firstIndex + batch.size, line, steps));
      if (pending) await pending;
    }
  }
  if (request.keep !== undefined) kept.set(request.keep, batch.kept());
  const result = await batch.finish();
  if (texts) result.lines = texts.finish();
  return result;
}

/**
 * Parses the cursor's line and scores it; a malformed line is recorded with its file:line message.
 * The cursor says whether the line holds raw control characters (the fast JSON path's condition).
 */
function addLine(batch: BatchScorer, request: ScoreRequest, cursor: LineCursor, texts: LinePartCollector | undefined): Promise<void> | undefined {
  const { line: text, lineNumber: line } = cursor;
  let record: TraceRecord;
  try {
    record = parseTraceRecord(text, request.file, line, cursor.controlFree);
  } catch (error) {
    batch.addMalformed(line, error instanceof Error ? error.message : String(error));
    return undefined;
  }
  texts?.add(cursor);
  return batch.add(new TraceSample(record, request.firstIndex + batch.size, line, steps));
}

/** Each sample's part of its `score --out` line (see `ScoredLineParts`); texts joined once at the end. */
class LinePartCollector {
  private readonly texts: string[] = [];
  private textLength = 0;
  private count = 0;
  private kind: Uint8Array;
  private starts: Int32Array;
  private ends: Int32Array;

  constructor(capacity: number) {
    this.kind = new Uint8Array(Math.max(1, capacity));
    this.starts = new Int32Array(this.kind.length);
    this.ends = new Int32Array(this.kind.length);
  }

  add(cursor: LineCursor): void {
    const k = this.count++;
    if (k === this.kind.length) this.grow();
    const text = cursor.line;
    const head = spliceHead(text);
    if (head === null) return this.addText(k, LinePart.Merge, text);
    // The cut-off end (the closing brace and the spaces after it) is ASCII in a valid record, so
    // it is as many bytes as characters; checked, as anything else takes the text.
    if (!cursor.bytesExact || !isAsciiFrom(text, head.length)) return this.addText(k, LinePart.TextHead, head);
    this.kind[k] = LinePart.ChunkHead;
    this.starts[k] = cursor.byteStart;
    this.ends[k] = cursor.byteEnd - (text.length - head.length);
  }

  finish(): ScoredLineParts {
    const count = this.count;
    return { kind: this.kind.subarray(0, count), starts: this.starts.subarray(0, count), ends: this.ends.subarray(0, count), text: this.texts.join("") };
  }

  private addText(k: number, kind: LinePart, text: string): void {
    this.kind[k] = kind;
    this.starts[k] = this.textLength;
    this.texts.push(text);
    this.textLength += text.length;
    this.ends[k] = this.textLength;
  }

  private grow(): void {
    const size = this.kind.length * 2;
    const kind = new Uint8Array(size), starts = new Int32Array(size), ends = new Int32Array(size);
    kind.set(this.kind);
    starts.set(this.starts);
    ends.set(this.ends);
    this.kind = kind;
    this.starts = starts;
    this.ends = ends;
  }
}

function isAsciiFrom(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Scores samples kept by an earlier request with the rewards loaded now. */
async function scoreKept(key: string, request: ScoreRequest): Promise<BatchResult> {
  const entry = kept.get(key);
  if (!entry) throw new Error(`internal: no kept samples under "${key}"`);
  const batch = new BatchScorer(rewards, request.file, progress, entry.slots.length, false, request.disabled, request.timing);
  let malformed = 0;
  for (let slot = 0; slot < entry.slots.length; slot++) {
    const sample = entry.slots[slot];
    if (sample === null) {
      batch.addMalformed(entry.lineNumbers[slot], entry.parseErrors[malformed++].message);
      continue;
    }
    const pending = batch.add(sample);
    if (pending) await pending;
  }
  return batch.finish();
}

function isRecord(record: TraceRecord): record is TraceRecord {
  return record !== null && typeof record === "object" && typeof record.completion === "string";
}
