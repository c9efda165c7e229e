import { dirname, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RewardEngine, type LoadResult, type RecordBatchSink } from "../../reward/engine";
import { RewardSandboxError, RewardTimeoutError } from "../../reward/sandbox/pool";
import { SlotStatus, type BatchResult } from "../../reward/sandbox/protocol";
import { ALL_SPLITS, DEFAULT_SWEEP, ProcessEvaluation, type ProcessMetrics, type SplitMetrics } from "../../reward/stepMetrics";
import type { RewardInfo } from "../../reward/validate";
import { importers, openImport, UnknownFormatError } from "../../trace/importers/index";
import type { TraceLineError, TraceRecord } from "../../trace/types";
import { CliError, type CliCommand, type CliIO } from "../command";
import { num, progressLine, table, wrap } from "../format";
import { numberOption } from "./options";
import { sandboxOption } from "./sandboxOption";
import { engineLimits, inputFiles } from "./engineOptions";

const STEP_FORMATS = ["prm800k", "trl-stepwise", "math-shepherd", "processbench", "visualprocessbench"];

const usage = `rewardlab prm-eval <traces...> [options]

Scores process rewards (kind "process": a TypeScript reward or an ONNX PRM, onnxPrm) against
human or automatic step labels and reports what the process-reward benchmarks report, per reward
and per split. Formats with step labels:
${wrap(`${STEP_FORMATS.join(", ")}, or a trace JSONL whose records carry steps with labels.`, 98)}
Records stream through the same reward workers as rewardlab score (time limits, workers); memory
does not grow with the input.

A step counts as flagged (predicted wrong) when its score is below the threshold. Reported:
  ProcessBench   err acc: on samples with a wrong step, the first flagged step is the first
                 wrong one; corr acc: on samples without one, no step is flagged; F1: their
                 harmonic mean (ProcessBench's headline number)
  steps          precision / recall / F1 of flagging wrong steps (positive class: label -1;
                 neutral 0 and unlabelled steps left out), macro F1 = mean of that F1 and the
                 correct class's F1 (VisualProcessBench's number), AUC: P(a correct step scores
                 above a wrong one), ties half
Splits: ProcessBench's subset (gsm8k, math, olympiadbench, omnimath), VisualProcessBench's
data_source, or a record's meta.split; "all" sums them.

Options:
  --rewards DIR|FILE   reward files (*.reward.ts), default ./rewards; only process rewards are reported
  --format NAME        input format instead of detecting it (see rewardlab convert --help)
  --threshold T        score below which a step is flagged (default 0.5)
  --sweep              also sweep the threshold over 0.05, 0.10, ..., 0.95 and name the best
                       threshold for each F1
  --json               print one JSON object (fractions in 0..1) instead of tables (percent)
  --strict             exit 1 when a reward failed on a sample or a row was malformed
  --timeout MS         time limit per batch of samples (default 5000)
  --memory MB          heap limit per reward worker (default 512)
  --workers N          reward worker threads (default: cores, at most 4)
  --sandbox MODE       where reward code runs, as for rewardlab score: worker (threads in this
                       process) or strict (a child process under Node's permission model; no native
                       addons, so not for onnxPrm). Default: "sandbox" in the nearest rewardlab.json
                       above --rewards, else worker

Exit codes: 0 evaluated; 1 --strict and failures; 2 usage, unreadable input, or no labelled steps;
3 reward files failed to compile or load; 4 a reward timed out or crashed its worker (it was
disabled and named on stderr; the others were evaluated).`;

/** Failures listed (the counts are complete). */
const MAX_LISTED = 20;

interface RewardCounts {
  /** Samples the reward returned step scores for (some may be null), labelled or not. */
  scored: number;
  /** Samples whose score was null (no step scored, or the reward returned null). */
  nulls: number;
  /** Samples the reward failed on. */
  errors: number;
}

interface Failure {
  reward: string;
  file: string;
  line: number;
  id: string;
  message: string;
}

/** Everything `prm-eval` counts while the batches stream past. */
class PrmEvalRun {
  readonly evaluation: ProcessEvaluation;
  readonly counts = new Map<string, RewardCounts>();
  readonly failures: Failure[] = [];
  readonly malformed: TraceLineError[] = [];
  malformedCount = 0;
  samples = 0;
  labelled = 0;

  constructor(readonly rewards: readonly RewardInfo[], threshold: number, sweep: readonly number[]) {
    this.evaluation = new ProcessEvaluation(threshold, sweep);
    for (const reward of rewards) if (reward.kind === "process") this.counts.set(reward.name, { scored: 0, nulls: 0, errors: 0 });
  }

  /** The sink for one input file. */
  sink(file: string, onProgress?: (samples: number) => void): RecordBatchSink {
    return {
      batch: (result, records) => {
        this.add(file, result, records);
        onProgress?.(this.samples);
      },
      malformed: (error) => this.addMalformed(error),
    };
  }

  private addMalformed(error: TraceLineError): void {
    this.malformedCount++;
    if (this.malformed.length < MAX_LISTED) this.malformed.push(error);
  }

  private add(file: string, result: BatchResult, records: readonly TraceRecord[]): void {
    for (const error of result.parseErrors) this.addMalformed({ file, line: result.lineNumbers[error.slot], message: error.message });
    const malformed = new Set(result.parseErrors.map((e) => e.slot));
    for (let slot = 0; slot < records.length; slot++) {
      if (malformed.has(slot)) continue;
      this.samples++;
      if (records[slot].steps?.some((step) => typeof step.label === "number")) this.labelled++;
    }
    this.rewards.forEach((reward, r) => {
      const counts = this.counts.get(reward.name);
      if (!counts) return;
      for (let slot = 0; slot < result.size; slot++) {
        if (result.status[r][slot] === SlotStatus.Null) counts.nulls++;
        else if (result.status[r][slot] === SlotStatus.Error) counts.errors++;
      }
    });
    for (const failure of result.errors) {
      const name = this.rewards[failure.reward].name;
      if (!this.counts.has(name) || this.failures.length >= MAX_LISTED) continue;
      this.failures.push({ reward: name, file, line: result.lineNumbers[failure.slot], id: records[failure.slot]?.id ?? "", message: failure.message });
    }
    for (const entry of result.stepScores) {
      const name = this.rewards[entry.reward].name;
      const counts = this.counts.get(name);
      if (!counts) continue;
      counts.scored++;
      if (entry.labels) this.evaluation.add(name, splitOf(records[entry.slot]), entry.scores, entry.labels);
    }
  }
}

/** The record's split: `meta.split` (set by the benchmark importers) when it is a string. */
function splitOf(record: TraceRecord | undefined): string {
  const split = record?.meta?.split;
  return typeof split === "string" && split !== "" ? split : ALL_SPLITS;
}

export const prmEvalCommand: CliCommand = {
  name: "prm-eval",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        rewards: { type: "string", default: "rewards" },
        format: { type: "string" },
        threshold: { type: "string", default: "0.5" },
        sweep: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        strict: { type: "boolean", default: false },
        timeout: { type: "string" },
        memory: { type: "string" },
        workers: { type: "string" },
        sandbox: { type: "string" },
      },
    });
    if (positionals.length === 0) throw new CliError("no input files given. Usage: rewardlab prm-eval <traces...> [--rewards DIR] [--threshold T] [--sweep]");
    const threshold = numberOption(values.threshold, "--threshold");
    const files = await inputFiles(positionals.map((p) => resolve(io.cwd, p)));
    if (values.format !== undefined) {
      try {
        importers.get(values.format);
      } catch (error) {
        if (error instanceof UnknownFormatError) throw new CliError(error.message);
        throw error;
      }
    }
    const rewards = resolve(io.cwd, values.rewards);
    const engine = new RewardEngine({
      rewards,
      // Strict: the inputs' folders are readable too (VisualProcessBench's images).
      ...sandboxOption(values.sandbox, [rewards], io.cwd, files.map((file) => dirname(file))),
      ...engineLimits(values),
      // As in `score`: a reward that hangs or kills its worker is disabled and reported (exit 4).
      disableFailingRewards: true,
    });
    try {
      const load = await engine.load();
      if (!reportLoad(load, io, values.rewards)) return 3;
      const run = new PrmEvalRun(load.rewards, threshold, values.sweep ? DEFAULT_SWEEP : []);
      const started = performance.now();
      for (const file of files) await evaluateFile(engine, run, file, values.format, io);
      const elapsed = performance.now() - started;
      if (run.labelled === 0) {
        throw new CliError(`no step labels in ${files.map((f) => relative(io.cwd, f)).join(", ")} (${num(run.samples)} samples read): prm-eval needs steps labelled +1/0/-1, as the ${STEP_FORMATS.join(", ")} importers give them`);
      }
      const disabled = engine.disabled.map(({ reward, error }) => ({ reward: reward.name, file: reward.file, message: error.message }));
      const results = run.evaluation.report();
      if (values.json) io.stdout(JSON.stringify(jsonReport(run, results, files, threshold, values.sweep, disabled, elapsed)) + "\n");
      else io.stdout(humanReport(run, results, files, threshold, values.sweep, elapsed, io.cwd) + "\n");
      for (const d of disabled) io.stderr(`rewardlab prm-eval: ${d.message}\nrewardlab prm-eval: reward "${d.reward}" was disabled for the rest of the run; the other rewards were evaluated\n`);
      if (disabled.length > 0) return 4;
      const failed = [...run.counts.values()].some((c) => c.errors > 0);
      return values.strict && (failed || run.malformedCount > 0) ? 1 : 0;
    } catch (error) {
      if (error instanceof RewardTimeoutError || error instanceof RewardSandboxError) {
        io.stderr(`rewardlab prm-eval: ${error.message}\n`);
        return 4;
      }
      throw error;
    } finally {
      engine.dispose();
    }
  },
};

/** False when reward files failed to load (reported); throws when there is no process reward. */
function reportLoad(load: LoadResult, io: CliIO, rewardsPath: string): boolean {
  for (const error of load.errors) io.stderr(`${error.message}\n`);
  if (load.errors.length > 0) {
    io.stderr(`rewardlab prm-eval: ${load.errors.length} reward file(s) failed to load; nothing was evaluated\n`);
    return false;
  }
  const process = load.rewards.filter((r) => r.kind === "process");
  if (process.length === 0) {
    const found = load.rewards.length === 0 ? "no rewards" : `only outcome rewards (${load.rewards.map((r) => r.name).join(", ")})`;
    throw new CliError(`${rewardsPath} has ${found}: prm-eval evaluates process rewards (kind: "process", or onnxPrm({ model, separator })); name a folder or file with --rewards`);
  }
  const outcome = load.rewards.filter((r) => r.kind !== "process");
  if (outcome.length > 0) io.stderr(`rewardlab prm-eval: not reported (outcome rewards have no step scores): ${outcome.map((r) => r.name).join(", ")}\n`);
  return true;
}

async function evaluateFile(engine: RewardEngine, run: PrmEvalRun, file: string, format: string | undefined, io: CliIO): Promise<void> {
  try {
    const opened = await openImport(file, { ...(format !== undefined ? { format } : {}) });
    const shown = relative(io.cwd, file);
    const progress = io.interactive ? (samples: number) => io.stderr(progressLine(`prm-eval ${shown} (${opened.importer.name}): ${samples.toLocaleString("en-US")} samples`)) : undefined;
    await engine.streamRecordBatches(file, opened.items, run.sink(file, progress));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
    if (error instanceof UnknownFormatError) throw new CliError(error.message);
    throw error;
  } finally {
    if (io.interactive) io.stderr(progressLine(""));
  }
}

function jsonReport(run: PrmEvalRun, results: SplitMetrics[], files: string[], threshold: number, sweep: boolean, disabled: unknown[], elapsed: number) {
  return {
    files,
    samples: run.samples,
    labelled_samples: run.labelled,
    malformed_lines: run.malformedCount,
    malformed: run.malformed.map(({ file, line, message }) => ({ file, line, message })),
    threshold,
    ...(sweep ? { sweep_thresholds: DEFAULT_SWEEP } : {}),
    rewards: Object.fromEntries(run.counts),
    results: results.map(({ reward, split, metrics }) => ({ reward, split, ...metrics })),
    failures: run.failures,
    disabled_rewards: disabled,
    elapsed_ms: Math.round(elapsed),
  };
}

/** Percent with one decimal, as the benchmarks print them. */
const pct = (value: number | null) => (value === null ? "-" : (100 * value).toFixed(1));

function humanReport(run: PrmEvalRun, results: SplitMetrics[], files: string[], threshold: number, sweep: boolean, elapsed: number, cwd: string): string {
  const lines = [
    `prm-eval: ${num(run.samples)} samples (${num(run.labelled)} with step labels) from ${files.map((f) => relative(cwd, f)).join(", ")} in ${num(Math.round(elapsed))} ms; a step is flagged when its score < ${threshold}`,
    "",
    "ProcessBench = earliest error (err acc on samples with a wrong step, corr acc on the others, F1 their harmonic mean);",
    "steps = flagging wrong steps (positive class: label -1), macro F1 with the correct class (VisualProcessBench); percent",
    "",
  ];
  const header = ["reward", "split", "samples", "wrong/correct", "err acc", "corr acc", "PB F1", "precision", "recall", "step F1", "macro F1", "AUC"];
  const empty = results.filter((r) => r.metrics.samples === 0);
  const rows = results.filter((r) => r.metrics.samples > 0).map(({ reward, split, metrics: m }) => [reward, split, num(m.samples), `${num(m.erroneous_samples)}/${num(m.correct_samples)}`, pct(m.error_accuracy), pct(m.correct_accuracy), pct(m.processbench_f1), pct(m.step_precision), pct(m.step_recall), pct(m.step_f1), pct(m.macro_f1), m.auc === null ? "-" : m.auc.toFixed(3) + (m.auc_exact ? "" : "~")]);
  lines.push(table(header, rows));
  if (empty.length > 0) lines.push(`no step both labelled (+1/-1) and scored: ${empty.map((r) => `${r.reward} / ${r.split}`).join(", ")}`);
  for (const [name, counts] of run.counts) {
    if (counts.nulls + counts.errors > 0) lines.push(`reward "${name}": ${num(counts.nulls)} sample(s) scored null (no step scored), ${num(counts.errors)} failed; steps without a score are left out`);
  }
  if (sweep) lines.push("", sweepSection(results));
  if (run.malformedCount > 0) {
    lines.push("", `${num(run.malformedCount)} malformed row(s) skipped:`);
    for (const m of run.malformed.slice(0, 5)) lines.push(`  ${relative(cwd, m.file)}:${m.line}: ${m.message}`);
  }
  if (run.failures.length > 0) {
    lines.push("", "reward failures (first ones):");
    for (const f of run.failures.slice(0, 5)) lines.push(`  ${relative(cwd, f.file)}:${f.line} (${f.id}) reward "${f.reward}": ${f.message}`);
  }
  return lines.join("\n");
}

/** Per reward: the sweep over all its samples, then each split's best thresholds. */
function sweepSection(results: SplitMetrics[]): string {
  const lines: string[] = [];
  const overall = results.filter((r, i) => r.split === ALL_SPLITS || !results.some((other, j) => j !== i && other.reward === r.reward));
  for (const { reward, split, metrics } of overall) {
    lines.push(`threshold sweep, reward "${reward}" (${split === ALL_SPLITS ? "all splits" : split}):`);
    lines.push(table(["threshold", "err acc", "corr acc", "PB F1", "precision", "recall", "step F1", "macro F1"], (metrics.sweep ?? []).map((row) => [row.threshold.toFixed(2), pct(row.error_accuracy), pct(row.correct_accuracy), pct(row.processbench_f1), pct(row.step_precision), pct(row.step_recall), pct(row.step_f1), pct(row.macro_f1)])));
  }
  lines.push("best thresholds (F1 in percent):");
  for (const { reward, split, metrics } of results) lines.push(`  ${reward} / ${split}: ${bestLine(metrics)}`);
  return lines.join("\n");
}

function bestLine(metrics: ProcessMetrics): string {
  const best = metrics.best;
  const show = (label: string, value: { threshold: number; value: number } | null | undefined) => `${label} ${value ? `${pct(value.value)} at ${value.threshold.toFixed(2)}` : "-"}`;
  return [show("PB F1", best?.processbench_f1), show("step F1", best?.step_f1), show("macro F1", best?.macro_f1)].join(", ");
}
