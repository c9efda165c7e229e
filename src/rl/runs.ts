/**
 * Reading training run folders (`<workspace>/runs/<runId>/`, written by the trainer): listing them,
 * `run.json`, the tail of `metrics.jsonl`, rollout files by step, and deleting a run. Run folders
 * are untrusted input (a crashed trainer, a hand edit): every problem is reported with its file and
 * line, nothing here throws on bad content. No vscode, no DOM.
 */
import { open, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

export const RUN_STATUSES = ["running", "completed", "cancelled", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** `run.json` as the trainer writes it (rewritten atomically as the run goes). Unknown keys are kept. */
const RunInfoSchema = z.looseObject({
  id: z.string().min(1),
  preset: z.string(),
  settings: z.record(z.string(), z.unknown()).default({}),
  status: z.enum(RUN_STATUSES),
  error: z.string().optional(),
  startedAt: z.string(),
  updatedAt: z.string().optional(),
  endedAt: z.string().optional(),
  steps: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  rewards: z.object({
    version: z.string(),
    files: z.array(z.object({ path: z.string(), sha256: z.string(), names: z.array(z.string()).default([]) })),
  }),
  baseCheckpoint: z.string().optional(),
  pid: z.number().int().positive().optional(),
  best: z.looseObject({ step: z.number(), accuracy: z.number() }).nullable().optional(),
  checkpoints: z.array(z.string()).default([]),
});

export type RunInfo = z.infer<typeof RunInfoSchema>;

/**
 * What the UI shows as a run's state: the status from run.json, except that a run whose trainer
 * process is gone while run.json still says "running" is `interrupted` (killed, crashed, machine
 * restarted), and a folder whose run.json cannot be read is `unreadable`.
 */
export type RunState = RunStatus | "interrupted" | "unreadable";

/** One run folder: its parsed run.json, or why that could not be read. */
export type RunEntry =
  | { id: string; dir: string; state: Exclude<RunState, "unreadable">; info: RunInfo }
  | { id: string; dir: string; state: "unreadable"; info?: undefined; error: string };

export const RUN_FILE = "run.json";
export const METRICS_FILE = "metrics.jsonl";

/** Parses run.json's text with the one schema; throws naming `file` and every problem. */
export function parseRunInfo(text: string, file: string): RunInfo {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = RunInfoSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`).join("; ");
    throw new Error(`${file}: not a valid run description: ${issues}`);
  }
  return parsed.data;
}

/**
 * Reads and validates `<dir>/run.json`. Never throws: a missing or broken file gives an
 * `unreadable` entry whose error names the file and what is wrong with it.
 */
export async function readRunInfo(dir: string): Promise<RunEntry> {
  const id = dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
  const file = join(dir, RUN_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    const why = missing ? "has no run.json (the trainer writes it when the run starts; it may have crashed before)" : `cannot be read (${(error as Error).message})`;
    return { id, dir, state: "unreadable", error: `${file}: this run ${why}` };
  }
  let info: RunInfo;
  try {
    info = parseRunInfo(text, file);
  } catch (error) {
    return { id, dir, state: "unreadable", error: (error as Error).message };
  }
  const interrupted = info.status === "running" && info.pid !== undefined && !isProcessAlive(info.pid);
  return { id, dir, state: interrupted ? "interrupted" : info.status, info };
}

/**
 * The runs in `runsDir` (a workspace's `runs/` folder), newest first. Sub-folders that hold none of
 * run.json, metrics.jsonl or rollouts/ are not runs and are skipped; a missing `runsDir` has none.
 */
export async function listRuns(runsDir: string): Promise<RunEntry[]> {
  let entries;
  try {
    entries = await readdir(runsDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw error;
  }
  const dirs = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith(".")).map((entry) => join(runsDir, entry.name));
  const runs = await Promise.all(
    dirs.map(async (dir) => {
      if (!(await isRunFolder(dir))) return undefined;
      const entry = await readRunInfo(dir);
      return { entry, started: await startTime(entry) };
    }),
  );
  return runs
    .filter((run) => run !== undefined)
    .sort((a, b) => b.started - a.started || b.entry.id.localeCompare(a.entry.id))
    .map((run) => run.entry);
}

/** True when `dir` looks like a run folder (so that deleting it cannot remove an unrelated folder). */
export async function isRunFolder(dir: string): Promise<boolean> {
  const marks = await Promise.all([RUN_FILE, METRICS_FILE, "rollouts"].map((name) => exists(join(dir, name))));
  return marks.some(Boolean);
}

/** When the run started: run.json's `startedAt`, else the folder's modification time. */
async function startTime(entry: RunEntry): Promise<number> {
  const started = entry.info ? Date.parse(entry.info.startedAt) : NaN;
  if (!Number.isNaN(started)) return started;
  return (await stat(entry.dir)).mtimeMs;
}

/** Whether a process with this id exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Thrown by `deleteRun` for a run that must not be deleted; the message says why and what to do. */
export class RunDeleteRefused extends Error {
  override name = "RunDeleteRefused";
}

/**
 * Deletes a run folder with everything in it (checkpoints included). Refuses while the run is
 * training (run.json says running and its process is alive) and for folders that are not runs.
 */
export async function deleteRun(dir: string): Promise<void> {
  if (!(await isRunFolder(dir))) throw new RunDeleteRefused(`${dir} is not a training run folder (no run.json, metrics.jsonl or rollouts/); nothing was deleted.`);
  const entry = await readRunInfo(dir);
  if (entry.state === "running" && entry.info.pid !== undefined) {
    throw new RunDeleteRefused(`Run ${entry.id} is still training (process ${entry.info.pid}). Cancel the run first, then delete it.`);
  }
  await rm(dir, { recursive: true, force: true });
}

// --- metrics.jsonl --------------------------------------------------------------------------------

/** One line of metrics.jsonl: the step and every finite number on it (other values are dropped). */
export type MetricRow = { step: number } & Record<string, number>;

/** A bad line: 1-based line number and what is wrong with it. */
export interface MetricsProblem {
  line: number;
  message: string;
}

/**
 * Where the next read starts: a byte offset and how many lines came before it. The line count is
 * carried so that a bad line found on the 40th incremental read still reports its real line number.
 */
export interface MetricsCursor {
  byte: number;
  line: number;
}

export const METRICS_START: MetricsCursor = Object.freeze({ byte: 0, line: 0 });

export interface MetricsChunk {
  rows: MetricRow[];
  problems: MetricsProblem[];
  /** Pass this to the next call. */
  next: MetricsCursor;
  /** The file got shorter than the cursor (rewritten from scratch): the rows start from line 1 again. */
  reset: boolean;
}

const NEWLINE = 0x0a;

/**
 * Reads the complete lines of a metrics file from `from` on (the whole file by default). A last line
 * without its newline is left for the next call, since the trainer may still be writing it. Once the
 * run has ended, pass `final`: such a line is then read if it is a whole metrics object (a file
 * written without a final newline), and still left alone if not (someone is appending after all).
 * A missing file has no rows yet.
 */
export async function readMetrics(file: string, from: MetricsCursor = METRICS_START, options: { final?: boolean } = {}): Promise<MetricsChunk> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { rows: [], problems: [], next: from, reset: false };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const reset = size < from.byte;
    const start = reset ? METRICS_START : from;
    const bytes = Buffer.alloc(size - start.byte);
    for (let read = 0; read < bytes.length; ) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, start.byte + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    let end = bytes.lastIndexOf(NEWLINE) + 1;
    const { rows, problems } = parseMetricLines(bytes.subarray(0, end).toString("utf8"), start.line);
    // `line` counts newlines only, so a newline arriving after a tail read here closes that same line.
    const next = { byte: start.byte + end, line: start.line + countNewlines(bytes, end) };
    if (options.final && end < bytes.length) {
      const tail = parseMetricLine(bytes.subarray(end).toString("utf8"));
      if (typeof tail !== "string") {
        rows.push(tail);
        end = bytes.length;
        next.byte = start.byte + end;
      }
    }
    return { rows, problems, next, reset };
  } finally {
    await handle.close();
  }
}

function countNewlines(bytes: Buffer, end: number): number {
  let lines = 0;
  for (let i = bytes.indexOf(NEWLINE); i !== -1 && i < end; i = bytes.indexOf(NEWLINE, i + 1)) lines++;
  return lines;
}

/** Parses metric lines; `firstLine` is the number of lines before `text` in the file. */
export function parseMetricLines(text: string, firstLine = 0): { rows: MetricRow[]; problems: MetricsProblem[] } {
  const rows: MetricRow[] = [];
  const problems: MetricsProblem[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, i) => {
    if (raw.trim() === "") return;
    const parsed = parseMetricLine(raw);
    if (typeof parsed === "string") problems.push({ line: firstLine + i + 1, message: parsed });
    else rows.push(parsed);
  });
  return { rows, problems };
}

function parseMetricLine(text: string): MetricRow | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "expected one JSON object per line";
  const step = (value as Record<string, unknown>).step;
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0) return `"step" must be a non-negative integer, found ${JSON.stringify(step) ?? "nothing"}`;
  const row: MetricRow = { step };
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === "number" && Number.isFinite(v)) row[key] = v;
  }
  return row;
}

/** "runs/x/metrics.jsonl:7: not valid JSON (...)" */
export function formatMetricsProblem(file: string, problem: MetricsProblem): string {
  return `${file}:${problem.line}: ${problem.message}`;
}

// --- rollout files ----------------------------------------------------------------------------------

/** Per-step trace files of a run: training rollouts and held-out evaluation rollouts. */
export type StepFileKind = "rollouts" | "eval";

/** `<run>/rollouts/step-00012.trace.jsonl` (or `eval/...`). */
export function stepFile(runDir: string, kind: StepFileKind, step: number): string {
  return join(runDir, kind, `step-${String(step).padStart(5, "0")}.trace.jsonl`);
}

/** The steps that have a trace file of `kind`, ascending. */
export async function listStepFiles(runDir: string, kind: StepFileKind): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(join(runDir, kind));
  } catch {
    return [];
  }
  return names
    .map((name) => /^step-(\d+)\.trace\.jsonl$/.exec(name))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

/** The step in `steps` nearest to `step` (the earlier one on a tie), or undefined when there is none. */
export function nearestStep(steps: readonly number[], step: number): number | undefined {
  let best: number | undefined;
  for (const candidate of steps) {
    if (best === undefined || Math.abs(candidate - step) < Math.abs(best - step)) best = candidate;
  }
  return best;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
