import { type Stats, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RewardEngine, type LoadResult } from "../../reward/engine";
import { RewardSandboxError, RewardTimeoutError } from "../../reward/sandbox/pool";
import { mergeTables, type SampleScores, type ScoreTable } from "../../reward/table";
import { formatMs, rewardTiming, type RewardTiming } from "../../reward/timing";
import { ScoredLineStream, scoredLine, spliceHead, splicedLine } from "../../reward/scoredLines";
import { baselineEntry, diffScores, type BaselineScores, type ScoreDiff } from "../../reward/diff";
import { RewardWatcher } from "../../reward/watch";
import { importers, importFile, openImport, UnknownFormatError } from "../../trace/importers/index";
import { isGzipFile, readLines } from "../../trace/reader";
import { assertNotSameFile, createAtomicWriter, SameFileError, type AtomicWriter } from "../../trace/io";
import type { StepSplitOptions } from "../../trace/types";
import { intOption, MAX_TIMER_MS } from "./options";
import { sandboxOption } from "./sandboxOption";
import { engineLimits, inputFiles } from "./engineOptions";
import { CliError, type CliCommand, type CliIO } from "../command";
import { num, progressLine, table, wrap } from "../format";

const usage = `rewardlab score <traces...> [options]

Scores rollout files with the reward functions in a folder or file. Trace JSONL (*.trace.jsonl) is
read natively; other formats are detected by content and imported on the fly (see rewardlab convert):
${wrap(importers.names().filter((name) => name !== "trace").join(", "), 98)}.
A folder stands for its .jsonl / .jsonl.gz / .parquet files in step order (verl's rollout_data_dir,
TRL's completions/); .gz files are decompressed as they are read.

Options:
  --rewards DIR|FILE   reward files (*.reward.ts), default ./rewards
  --out FILE           write every sample plus rewards, reward (weighted total), advantage
                       (samples with a group), reward_errors, step_rewards to FILE (JSONL, atomic)
  --baseline FILE      what changed since FILE (an earlier --out of the same traces): per reward,
                       samples up / down / null <-> number / failing <-> scoring, the commonest
                       transitions (0 -> 1: 41) and the largest changes with file:line
  --timing             time every reward on every sample: p50 / p99 / max per reward and the
                       slowest samples with file:line (what would stall a trainer's reward step)
  --budget MS          with --timing: flag rewards whose p99 is over MS per sample (e.g. before
                       serving them to a cluster)
  --format NAME        input format instead of detecting it (see rewardlab convert --help)
  --json               print one JSON object {samples, malformed_lines, malformed: [{file, line,
                       message}] (the first 1000), rewards, ...} instead of a table
  --strict             exit 1 when any reward failed on a sample or a line was malformed
  --timeout MS         time limit per batch of samples (default 5000)
                       (reward files must finish loading within 30 s, else exit 4 naming the file)
  --memory MB          heap limit per reward worker (default 512)
  --workers N          reward worker threads (default: cores, at most 4)
  --sandbox MODE       where reward code runs: worker (threads in this process) or strict (a child
                       process under Node's permission model: reads only the workspace and the
                       reward files' and traces' folders; no writes, no child processes, no native
                       addons, no environment variables). Default: "sandbox" in the nearest
                       rewardlab.json above --rewards, else worker
  --steps MODE         step splitting: auto | paragraph | step-lines | regex:PATTERN (default auto)
  --no-std             Dr.GRPO advantages: r - mean(group), without dividing by the group std
  --watch              keep running: re-score whenever a reward file changes (hot reload)

Exit codes: 0 scored; 1 --strict and failures; 2 usage or unreadable input; 3 reward files failed
to compile or load; 4 a reward timed out or crashed its worker: it was disabled for the rest of
the run and named on stderr, the other rewards were scored (and --out written).`;

export const scoreCommand: CliCommand = {
  name: "score",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        rewards: { type: "string", default: "rewards" },
        out: { type: "string" },
        baseline: { type: "string" },
        timing: { type: "boolean", default: false },
        budget: { type: "string" },
        format: { type: "string" },
        json: { type: "boolean", default: false },
        strict: { type: "boolean", default: false },
        timeout: { type: "string" },
        memory: { type: "string" },
        workers: { type: "string" },
        sandbox: { type: "string" },
        steps: { type: "string", default: "auto" },
        "no-std": { type: "boolean", default: false },
        watch: { type: "boolean", default: false },
      },
    });
    if (positionals.length === 0) throw new CliError("no trace files given. Usage: rewardlab score <traces...> [--rewards DIR]");
    const traces = await inputFiles(positionals.map((p) => resolve(io.cwd, p)));
    if (values.out) {
      try {
        assertNotSameFile(resolve(io.cwd, values.out), traces);
      } catch (error) {
        if (error instanceof SameFileError) throw new CliError(error.message);
        throw error;
      }
    }
    const rewards = resolve(io.cwd, values.rewards);
    const engine = new RewardEngine({
      rewards,
      // Strict: the traces' folders are readable too (image sizes for region rewards).
      ...sandboxOption(values.sandbox, [rewards], io.cwd, traces.map((trace) => dirname(trace))),
      steps: parseSteps(values.steps),
      advantage: { normByStd: !values["no-std"] },
      ...engineLimits(values),
      // One reward that hangs or kills its worker must not cost the others' scores: it is disabled
      // and reported, the rest of the file is scored, and the exit code is 4.
      disableFailingRewards: !values.watch,
      timing: values.timing,
    });
    const budget = values.budget === undefined ? undefined : intOption(values.budget, "--budget", 0, MAX_TIMER_MS);
    let output: ScoredOutput | undefined;
    try {
      if (values.watch) return await watchMode(engine, traces, io, values.json);
      const load = await engine.load();
      reportLoad(load, io);
      if (load.errors.length > 0) return 3;
      const started = performance.now();
      const tables: ScoreTable[] = [];
      output = values.out ? new ScoredOutput(resolve(io.cwd, values.out), engine) : undefined;
      for (const trace of traces) tables.push(await scoreOne(engine, trace, io, values.format, output));
      // With --out: the time includes writing the lines of files written while they were scored.
      const elapsed = performance.now() - started;
      await output?.finish(tables);
      const merged = mergeTables(tables);
      const disabled = engine.disabled.map(({ reward, error }) => ({ reward: reward.name, file: reward.file, message: error.message }));
      const diff = values.baseline ? diffScores(tables, await readBaseline(resolve(io.cwd, values.baseline))) : undefined;
      const timing = values.timing ? rewardTiming(tables, budget) : undefined;
      if (values.json) io.stdout(JSON.stringify({ ...merged.summary(), malformed: malformedList(merged), disabled_rewards: disabled, ...(diff ? { baseline: diff } : {}), ...(timing ? { timing } : {}), version: load.version, elapsed_ms: Math.round(elapsed) }) + "\n");
      else io.stdout(humanSummary(merged, tables, elapsed, io.cwd, values.out) + (diff ? `\n\n${diffSummary(diff, values.baseline!, io.cwd)}` : "") + (timing ? `\n\n${timingSummary(timing, io.cwd)}` : "") + "\n");
      for (const d of disabled) io.stderr(`rewardlab score: ${d.message}\nrewardlab score: reward "${d.reward}" was disabled for the rest of the run; its samples are counted as failed, the other rewards were scored${values.out ? ` and ${values.out} written` : ""}\n`);
      if (disabled.length > 0) return 4;
      return values.strict && (merged.failedSamples > 0 || merged.malformed.length > 0) ? 1 : 0;
    } catch (error) {
      if (error instanceof RewardTimeoutError || error instanceof RewardSandboxError) {
        io.stderr(`rewardlab score: ${error.message}\n`);
        return 4;
      }
      throw error;
    } finally {
      await output?.abort();
      engine.dispose();
    }
  },
};

function timingSummary(timing: RewardTiming, cwd: string): string {
  const ms = formatMs;
  const rows = Object.entries(timing.rewards).map(([name, t]) => [name, num(t.samples), ms(t.mean_ms), ms(t.p50_ms), ms(t.p99_ms), ms(t.max_ms), t.over_budget ? `over ${timing.budget_ms} ms` : ""]);
  const lines = ["time per sample (ms)", table(["reward", "samples", "mean", "p50", "p99", "max", "budget"], rows), "slowest samples:"];
  for (const s of timing.slowest.slice(0, 5)) lines.push(`  ${ms(s.ms)} ms  ${s.reward} on ${s.id} (${relative(cwd, s.file)}:${s.line})`);
  const over = Object.entries(timing.rewards).filter(([, t]) => t.over_budget);
  for (const [name, t] of over) lines.push(`⚠ reward "${name}": p99 ${ms(t.p99_ms)} ms per sample is over the ${timing.budget_ms} ms budget; a trainer waits for its slowest sample each step`);
  return lines.join("\n");
}

/** The scores of an earlier `--out`, by sample id (a later line with the same id wins). */
async function readBaseline(file: string): Promise<Map<string, BaselineScores>> {
  const scores = new Map<string, BaselineScores>();
  try {
    for await (const { text } of readLines(file)) {
      let entry: [string, BaselineScores] | null = null;
      try {
        entry = baselineEntry(JSON.parse(text));
      } catch {
        continue;
      }
      if (entry) scores.set(entry[0], entry[1]);
    }
  } catch (error) {
    throw new CliError(`cannot read the baseline ${file}: ${(error as Error).message}`);
  }
  if (scores.size === 0) throw new CliError(`the baseline ${file} holds no scored samples (write one with rewardlab score ... --out FILE)`);
  return scores;
}

const fmt = (x: number | null) => (x === null ? "null" : num(x));

/** The human summary of a reward diff. */
function diffSummary(diff: ScoreDiff, baseline: string, cwd: string): string {
  const lines = [`against ${baseline}: ${num(diff.matched)} samples matched by id${diff.unmatched ? `, ${num(diff.unmatched)} new` : ""}${diff.added.length ? `; new rewards: ${diff.added.join(", ")}` : ""}${diff.removed.length ? `; gone: ${diff.removed.join(", ")}` : ""}`];
  for (const [name, d] of Object.entries(diff.rewards)) {
    if (d.compared === 0) continue;
    const parts = [`${num(d.up)} up`, `${num(d.down)} down`, `${num(d.same)} same`];
    if (d.nullToNumber || d.numberToNull) parts.push(`${num(d.nullToNumber)} null -> number`, `${num(d.numberToNull)} number -> null`);
    if (d.fixed || d.broke) parts.push(`${num(d.broke)} now failing`, `${num(d.fixed)} no longer failing`);
    lines.push(`  ${name}: ${parts.join(", ")}${d.transitions.length ? `; ${d.transitions.slice(0, 3).map((t) => `${fmt(t.before)} -> ${fmt(t.after)}: ${num(t.count)}`).join(", ")}` : ""}`);
    for (const c of d.largest.slice(0, 3)) lines.push(`    ${c.id} (${relative(cwd, c.file)}:${c.line}): ${fmt(c.before)} -> ${fmt(c.after)}`);
  }
  return lines.join("\n");
}

/** Malformed lines for --json: where and why, the first MAX_LISTED_MALFORMED of them (the count is `malformed_lines`). */
const MAX_LISTED_MALFORMED = 1000;
function malformedList(table: ScoreTable): { file: string; line: number; message: string }[] {
  return table.malformed.slice(0, MAX_LISTED_MALFORMED).map(({ file, line, message }) => ({ file, line, message }));
}

function parseSteps(value: string): StepSplitOptions {
  if (value.startsWith("regex:")) return { mode: "regex", pattern: value.slice("regex:".length) };
  if (value === "auto" || value === "paragraph" || value === "step-lines") return { mode: value };
  throw new CliError(`--steps must be auto, paragraph, step-lines or regex:PATTERN (got "${value}")`);
}


function reportLoad(load: LoadResult, io: CliIO): void {
  for (const error of load.errors) io.stderr(`${error.message}\n`);
  if (load.errors.length > 0) io.stderr(`rewardlab score: ${load.errors.length} reward file(s) failed to load; nothing was scored\n`);
  else if (load.rewards.length === 0) throw new CliError(`no rewards found in ${load.files.length ? load.files.join(", ") : "the rewards path"}: add a *.reward.ts file`);
}

/**
 * Scores one file: trace JSONL natively (parallel byte chunks, its --out lines written as they are
 * scored), any other format through its importer.
 */
async function scoreOne(engine: RewardEngine, trace: string, io: CliIO, format: string | undefined, output: ScoredOutput | undefined): Promise<ScoreTable> {
  try {
    output?.begin(trace);
    const opened = await openImport(trace, format ? { format } : {});
    // Trace JSONL is scored in parallel byte ranges; a compressed one is streamed like any import.
    if (opened.importer.name !== "trace" || (await isGzipFile(trace))) {
      if (io.interactive) io.stderr(progressLine(`importing ${relative(io.cwd, trace)} as ${opened.importer.name}`));
      const table = await engine.scoreRecordStream(trace, opened.items);
      await output?.scored(table, undefined, opened.importer.name);
      return table;
    }
    await opened.items.return(undefined);
    const lines = output?.stream();
    const table = await engine.scoreFile(trace, {
      onProgress: io.interactive ? (p) => io.stderr(progressLine(`scoring ${relative(io.cwd, trace)}: ${p.lines.toLocaleString("en-US")} lines`)) : undefined,
      ...(lines ? { lines } : {}),
    });
    await output?.scored(table, lines);
    return table;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") throw new CliError(`cannot read ${trace}: ${(error as Error).message}`);
    if (error instanceof UnknownFormatError) throw new CliError(error.message);
    throw error;
  } finally {
    if (io.interactive) io.stderr(progressLine(""));
  }
}

/**
 * `--out`: every input's samples plus their scores, written atomically, file after file.
 *
 * Trace JSONL is written while it is scored, from the bytes of the chunks it was read in, cut where
 * the reward workers say with the scores (`ScoredLineStream`): the input is read and parsed once. Other inputs are written once
 * they are scored, read again from the input: imported formats (and gzip-compressed traces) go
 * through their importer and are re-serialised, since their records are not lines of the input.
 * When a stream gives up after writing part of a file (a group that recurs, or one too large to
 * hold), the output is started again and every file is written from the input at the end.
 */
class ScoredOutput {
  private writer: AtomicWriter;
  /** What each input was when it was scored: it must be the same file once scored (and when read again). */
  private readonly identities = new Map<string, FileIdentity>();
  /** Importer of each input written through one. */
  private readonly formats = new Map<string, string>();
  private file = "";
  /** Set once a stream gave up: everything is written from the inputs by `finish`. */
  private restart = false;

  constructor(private readonly path: string, private readonly engine: RewardEngine) {
    this.writer = createAtomicWriter(path);
  }

  /** Before `file` is opened for scoring. */
  begin(file: string): void {
    this.file = file;
    this.identities.set(file, fileIdentity(file));
  }

  /** The sink for the trace file being scored, or undefined when it will be written at the end. */
  stream(): ScoredLineStream | undefined {
    if (this.restart) return undefined;
    const file = this.file;
    return new ScoredLineStream({
      advantage: this.engine.options.advantage,
      write: (bytes) => this.writer.write(bytes),
      merge: (text, scores, line) => mergedLine(text, scores, `${file}:${line}`),
    });
  }

  /** After the current file was scored (`format`: the importer it went through, if any). */
  async scored(table: ScoreTable, stream: ScoredLineStream | undefined, format?: string): Promise<void> {
    if (format !== undefined) this.formats.set(table.file, format);
    if (this.restart) return;
    if (stream?.gaveUp) {
      this.restart = true;
      return;
    }
    if (stream) {
      assertUnchanged(table.file, this.identities.get(table.file));
      await stream.end(table);
    } else await writeFromInput(table, this.writer, this.formats, this.identities, this.path);
  }

  /** Writes what is left and commits the file. */
  async finish(tables: ScoreTable[]): Promise<void> {
    if (this.restart) {
      await this.writer.abort();
      this.writer = createAtomicWriter(this.path);
      for (const table of tables) await writeFromInput(table, this.writer, this.formats, this.identities, this.path);
    }
    await this.writer.commit();
  }

  /** Leaves nothing behind unless committed. */
  async abort(): Promise<void> {
    await this.writer.abort();
  }
}

/**
 * One input's samples and scores from a second read of the input. Trace lines are spliced, not
 * parsed again (measured on 100k samples: see bench/README.md). Malformed lines are left out (and
 * were reported).
 */
async function writeFromInput(scored: ScoreTable, writer: AtomicWriter, formats: Map<string, string>, identities: Map<string, FileIdentity>, out: string): Promise<void> {
  const unchanged = () => assertUnchanged(scored.file, identities.get(scored.file));
  unchanged();
  const format = formats.get(scored.file);
  if (format !== undefined) {
    await writeImported(scored, format, out, writer);
    unchanged();
    return;
  }
  let i = 0;
  const wanted = scored.size > 0 ? scored.lines[0] : -1;
  let next = wanted;
  for await (const line of readLines(scored.file)) {
    if (line.line !== next) continue;
    const head = spliceHead(line.text);
    await writer.write(head !== null ? splicedLine(head, scored.sampleScores(i)) : mergedLine(line.text, scored.sampleScores(i), `${scored.file}:${line.line}`));
    i++;
    next = i < scored.size ? scored.lines[i] : -1;
  }
  unchanged();
}

/** What identifies a file's content cheaply: replaced (inode), rewritten (mtime) or grown/cut (size). */
type FileIdentity = Pick<Stats, "dev" | "ino" | "size" | "mtimeMs">;

function fileIdentity(file: string): FileIdentity {
  try {
    const { dev, ino, size, mtimeMs } = statSync(file);
    return { dev, ino, size, mtimeMs };
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Throws (nothing is written) when `file` is no longer the file that was scored. */
function assertUnchanged(file: string, before: FileIdentity | undefined): void {
  if (!before) return;
  let now: FileIdentity | null = null;
  try {
    now = fileIdentity(file);
  } catch {
    // gone: reported below
  }
  const changed = !now ? "was removed" : now.ino !== before.ino || now.dev !== before.dev ? "was replaced" : now.size !== before.size ? `changed size (${before.size} -> ${now.size} bytes)` : now.mtimeMs !== before.mtimeMs ? "was modified" : null;
  if (changed) throw new CliError(`${file} ${changed} while it was being scored; --out was not written (its scores would not match its records). Score it again once it stops changing.`);
}

/** `scoredLine` of a line's text; a record nested too deep for JSON.stringify is an error naming it, not a crash. */
function mergedLine(text: string, scores: SampleScores, where: string): string {
  try {
    return scoredLine(JSON.parse(text) as Record<string, unknown>, scores);
  } catch (error) {
    if (error instanceof RangeError) throw new CliError(`${where}: this record is nested too deep to merge its earlier scores with the new ones (${error.message}); --out was not written`);
    throw error;
  }
}

/** Imported files are read again through their importer (deterministic), record i getting sample i's scores. */
async function writeImported(scored: ScoreTable, format: string, out: string, writer: { write(chunk: string): Promise<void> }): Promise<void> {
  let i = 0;
  for await (const item of importFile(scored.file, { format, baseDir: resolve(out, "..") })) {
    if ("error" in item) continue;
    await writer.write(scoredLine(item.record, scored.sampleScores(i++)));
  }
}

function humanSummary(merged: ScoreTable, tables: ScoreTable[], elapsedMs: number, cwd: string, out: string | undefined): string {
  const summary = merged.summary();
  const rate = summary.samples / Math.max(elapsedMs / 1000, 1e-9);
  const lines = [`scored ${num(summary.samples)} samples from ${tables.map((t) => relative(cwd, t.file)).join(", ")} in ${num(Math.round(elapsedMs))} ms (${num(Math.round(rate))} samples/s)`];
  const rows = merged.rewards.map((r) => {
    const s = summary.rewards[r.name];
    return [r.name, r.kind === "process" ? `process/${r.aggregate}` : r.kind, num(r.weight), num(s.mean), num(s.std), num(s.min), num(s.max), num(s.count), num(s.nulls), num(s.errors)];
  });
  const t = summary.total;
  rows.push(["total (weighted)", "", "", num(t.mean), num(t.std), num(t.min), num(t.max), num(t.count), num(t.nulls), ""]);
  lines.push("", table(["reward", "kind", "weight", "mean", "std", "min", "max", "count", "nulls", "errors"], rows));
  const correlations = Object.entries(summary.correlations).filter(([, v]) => v !== null);
  if (correlations.length > 0) lines.push("", `correlations: ${correlations.map(([k, v]) => `${k.replace("|", "~")} ${num(v)}`).join(", ")}`);
  for (const [name, agreement] of Object.entries(summary.step_labels ?? {})) {
    const c = agreement.confusion;
    // Compared steps: those with both a label and a score from the reward (a step the reward left
    // null, or one the data did not label, is not compared).
    const compared = agreement.steps === 0 ? "no step had both a label and a score" : `${num(agreement.steps)} compared steps, each labelled and scored`;
    lines.push("", `process reward "${name}" vs step labels (${compared}): agreement ${num(agreement.agreement)}`);
    lines.push(table(["label", "reward good (>=0.5)", "reward bad"], (["+1", "0", "-1"] as const).map((k) => [k, num(c[k].good), num(c[k].bad)])));
  }
  if (merged.malformed.length > 0) {
    lines.push("", `${merged.malformed.length} malformed line(s) skipped:`);
    for (const m of merged.malformed.slice(0, 5)) lines.push(`  ${m.message.startsWith(m.file) ? relative(cwd, m.file) + m.message.slice(m.file.length) : `${relative(cwd, m.file)}:${m.line}: ${m.message}`}`);
  }
  if (merged.failedSamples > 0) {
    lines.push("", `rewards failed on ${merged.failedSamples} sample(s); first ones:`);
    let shown = 0;
    for (const [i, failures] of merged.errors) {
      for (const f of failures) if (shown++ < 5) lines.push(`  sample ${merged.ids[i]} (${relative(cwd, merged.fileOf(i))}:${merged.lines[i]}) reward "${f.reward}": ${f.message}`);
    }
  }
  if (out) lines.push("", `wrote ${relative(cwd, resolve(cwd, out))}`);
  return lines.join("\n");
}

async function watchMode(engine: RewardEngine, traces: string[], io: CliIO, json: boolean): Promise<number> {
  const watcher = new RewardWatcher(engine, traces, {
    onResult: (event) => {
      for (const error of event.load.errors) io.stderr(`${error.message}\n`);
      const merged = mergeTables([...event.tables.values()]);
      if (json) io.stdout(JSON.stringify({ version: event.load.version, trigger: event.trigger, elapsed_ms: Math.round(event.elapsedMs), ...merged.summary() }) + "\n");
      else io.stdout(`\n[v${event.load.version}] ${event.trigger}: re-scored in ${num(Math.round(event.elapsedMs))} ms\n${humanSummary(merged, [...event.tables.values()], event.elapsedMs, io.cwd, undefined)}\n`);
    },
    onError: (error) => io.stderr(`rewardlab score: ${error.message}\n`),
  });
  await watcher.start();
  io.stderr("watching reward files for changes (Ctrl+C to stop)\n");
  await new Promise<void>((done) => process.once("SIGINT", () => done()));
  watcher.stop();
  return 0;
}
