import { stat } from "node:fs/promises";
import * as path from "node:path";
import * as vscode from "vscode";
import type { LoadResult, RewardEngine, RewardLoadError } from "../../reward/engine";
import type { RewardStats } from "../../reward/stats";
import type { ScoreTable } from "../../reward/table";
import { rewardTiming, type RewardTiming } from "../../reward/timing";
import { sandboxSettings } from "../../reward/sandbox/mode";
import type { TraceRecord } from "../../trace/types";
import type { ProcessSummary } from "../../protocol/traceViewer";
import { Disposable } from "../base/disposable";
import { settings } from "../config";
import type { Log } from "../log";
import type { StatusBar } from "../statusBar";
import { processSummary, splitOfMeta } from "../traces/processSummary";
import { describeChanges, type EngineScores, type TraceIndex } from "../traces/traceIndex";
import type { TraceStore } from "../traces/traceStore";
import { groupFailures, splitLocation, type Failure } from "./locations";
import { writePrmModule } from "./prmReward";
import { markStepDone } from "../walkthrough";

const RELOAD_DEBOUNCE_MS = 150;
/**
 * Files up to this size keep their parsed samples in the sandbox workers, so a hot reload re-scores
 * without reading them again; bigger files are streamed again on each reload (memory stays flat).
 */
const KEEP_IN_WORKERS_BYTES = 256 * 1024 * 1024;

/** Statistics of one reward over every scored trace, for the Rewards view and the reward CodeLens. */
export interface RewardSummary {
  name: string;
  file: string;
  weight: number;
  kind: string;
  stats: RewardStats;
}

/**
 * Scores the workspace's traces with its reward files through the reward engine (sandboxed
 * workers), and re-scores on every change to a reward file (hot reload). Runs only in a trusted
 * workspace: reward files are code. Compile errors and runtime exceptions become diagnostics at
 * the right line of the reward file.
 */
export class RewardService extends Disposable {
  private engine: RewardEngine | undefined;
  private load: LoadResult | undefined;
  /** Errors of the last reload that was rejected (the last good rewards still score); shown as diagnostics. */
  private rejected: RewardLoadError[] = [];
  /** Trace files scored at least once (their samples are kept in the workers for fast re-scoring). */
  private readonly scored = new Set<string>();
  private readonly tables = new Map<string, ScoreTable>();
  /** Per scored trace file: its process rewards against its step labels (prm-eval's metrics), when it has labelled steps. */
  private readonly processSummaries = new Map<string, ProcessSummary>();
  private queue: Promise<unknown> = Promise.resolve();
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  /** The reward paths the engine was created with (a change re-creates it). */
  private enginePaths = "";
  /** The generated module of the `rewardlab.prm.*` settings, when they name a model. */
  private prmModule: string | undefined;
  private shownPrmProblems = "";
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection("rewardlab"));
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires after every scoring run (statistics and errors changed). */
  readonly onDidScore = this.changed.event;
  summaries = new Map<string, RewardSummary>();
  /** Time per sample of each reward over the scored traces, and the slowest samples (`rewardlab score --timing`). */
  timing: RewardTiming | undefined;

  /** What the engine loaded last (files, rewards, errors); undefined before the first load or in Restricted Mode. */
  get loaded(): LoadResult | undefined {
    return this.load;
  }

  constructor(
    private readonly store: TraceStore,
    private readonly statusBar: StatusBar,
    private readonly log: Log,
    /** The extension's global storage folder (where the PRM settings' reward module is written). */
    private readonly storage: string,
  ) {
    super();
    this.register(store.onDidBuild((index) => this.enqueue(() => this.scoreIndex(index, false))));
    const watcher = this.register(vscode.workspace.createFileSystemWatcher("**/*.{ts,mts,js,mjs}"));
    const onChange = (uri: vscode.Uri) => this.isRewardSource(uri) && this.scheduleReload(uri);
    this.register(watcher.onDidChange(onChange));
    this.register(watcher.onDidCreate(onChange));
    this.register(watcher.onDidDelete(onChange));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleReload()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration("rewardlab.rewardsPath") || e.affectsConfiguration("rewardlab.steps") || e.affectsConfiguration("rewardlab.scoring") || e.affectsConfiguration("rewardlab.prm")) && this.restart()));
    this.register({ dispose: () => this.stopEngine() });
  }

  /** The rewards folder (or file) of the first workspace folder, when it exists. */
  get rewardsPath(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? path.resolve(folder.uri.fsPath, settings.rewardsPath) : undefined;
  }

  /**
   * Scores one record held in memory (the what-if editor) with the current rewards; undefined when
   * scoring cannot run (untrusted workspace, no rewards folder). Never touches a trace file.
   */
  async scoreRecord(record: TraceRecord, file: string): Promise<EngineScores | undefined> {
    return this.enqueue(async () => {
      if (!this.engine || !this.load) {
        if (!(await this.reload())) return undefined;
      }
      const table = await (this.engine as RewardEngine).scoreRecords([record], file);
      const s = table.sampleScores(0);
      return {
        rewards: s.rewards,
        total: s.reward,
        advantage: null,
        error: s.reward_errors ? Object.entries(s.reward_errors).map(([name, message]) => `${name}: ${splitLocation(message).message}`).join("; ") : undefined,
        stepScores: s.step_rewards,
      };
    });
  }

  /** How the process rewards find the labelled wrong steps of trace `file`, as of its last scoring; undefined when it has none. */
  processSummaryOf(file: string): ProcessSummary | undefined {
    return this.processSummaries.get(file);
  }

  /** Scores every indexed trace now (the "Score Traces" command). */
  async scoreAll(): Promise<void> {
    await this.enqueue(async () => {
      if (!(await this.reload())) return;
      for (const index of await this.store.loaded()) await this.scoreIndex(index, true);
    });
  }

  private isRewardSource(uri: vscode.Uri): boolean {
    const root = this.rewardsPath;
    return root !== undefined && (uri.fsPath === root || uri.fsPath.startsWith(root + path.sep));
  }

  private scheduleReload(uri?: vscode.Uri): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      const started = performance.now();
      void this.enqueue(async () => {
        if (!(await this.reload())) return;
        for (const index of await this.store.loaded()) await this.scoreIndex(index, true);
        this.log.info(`Hot reload${uri ? ` (${vscode.workspace.asRelativePath(uri)})` : ""}: re-scored in ${(performance.now() - started).toFixed(0)} ms`);
      });
    }, RELOAD_DEBOUNCE_MS);
  }

  private restart(): void {
    // Not stopEngine: it clears the reload timer, and it runs after scheduleReload below has set it.
    void this.enqueue(async () => this.disposeEngine());
    this.scheduleReload();
  }

  /** Runs scoring jobs one at a time, in order. */
  private enqueue<T>(job: () => Promise<T>): Promise<T | undefined> {
    const next = this.queue.then(job, job).catch((error) => {
      this.log.error("Scoring failed", error);
      void vscode.window.showErrorMessage(`RewardLab: scoring failed: ${(error as Error).message}`);
      return undefined;
    });
    this.queue = next;
    return next;
  }

  /** Starts the engine if needed and (re)compiles the reward files. False when scoring cannot run. */
  private async reload(): Promise<boolean> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!vscode.workspace.isTrusted || !folder) return false;
    const paths = await this.rewardPaths(folder);
    if (paths.length === 0) return false;
    // The workspace's rewardlab.json "sandbox" (as score and serve read it): "strict" runs reward
    // code in a child process under Node's permission model.
    const sandbox = sandboxSettings(undefined, paths, folder);
    const key = [sandbox.sandbox, ...paths].join("\n");
    if (this.engine && this.enginePaths !== key) this.disposeEngine();
    if (!this.engine) {
      // Loaded on first use, so activation does not pay for esbuild and the sandbox.
      const { RewardEngine } = await import("../../reward/engine");
      // Timing on: the Rewards view shows each reward's p50 / p99 per sample and the slowest samples.
      this.engine = new RewardEngine({ rewards: paths, timeoutMs: settings.scoreTimeoutMs, steps: settings.stepSplit, workers: 1, timing: true, ...sandbox });
      if (sandbox.sandbox === "strict") this.log.info("Scoring in the strict sandbox (rewardlab.json \"sandbox\": \"strict\")");
      this.enginePaths = key;
      this.scored.clear();
    }
    const started = performance.now();
    if (!this.load) {
      // First load: score with what compiles (the diagnostics show the rest).
      this.load = await this.engine.load();
    } else {
      // A save that does not compile or load keeps the last good rewards scoring, as `serve` does:
      // no total silently loses a reward; the viewer and the status bar say so.
      const result = await this.engine.loadIfCompiles();
      if ("rejected" in result) {
        this.rejected = result.rejected;
        const first = result.rejected[0];
        const problem = `${first.file ? `${path.basename(first.file)}: ` : ""}${splitLocation(first.message).message.split("\n")[0]}. Showing scores from the last version that compiled; fix the file to re-score.`;
        this.log.warn(`Reward reload rejected, last good rewards kept: ${result.rejected.map((e) => e.message).join("; ")}`);
        this.statusBar.scored(`rewards not reloaded (${result.rejected.length} error${result.rejected.length === 1 ? "" : "s"}): last good version scores`);
        this.store.setRewardProblem(problem);
        this.publish();
        return false;
      }
      this.load = result.load;
      markStepDone("rewardScored");
    }
    this.rejected = [];
    this.store.setRewardProblem(undefined);
    this.log.info(`Loaded ${this.load.rewards.length} rewards from ${this.load.files.length} files in ${(performance.now() - started).toFixed(0)} ms${this.load.errors.length ? ` (${this.load.errors.length} errors)` : ""}`);
    return true;
  }

  /** The rewards folder (when it exists) and the PRM settings' generated module (when a model is set). */
  private async rewardPaths(folder: string): Promise<string[]> {
    const paths: string[] = [];
    const rewards = this.rewardsPath;
    if (rewards && (await vscode.workspace.fs.stat(vscode.Uri.file(rewards)).then(() => true, () => false))) paths.push(rewards);
    try {
      this.prmModule = await writePrmModule(this.storage, folder, settings.prm);
    } catch (error) {
      this.prmModule = undefined;
      this.log.error("Could not write the reward module for the rewardlab.prm settings", error);
    }
    if (this.prmModule) paths.push(this.prmModule);
    return paths;
  }

  /** Scores one trace file (first time: reads it; later: from samples kept in the workers). */
  private async scoreIndex(index: TraceIndex, reloaded: boolean): Promise<void> {
    if (!this.engine || !this.load) {
      if (!(await this.reload())) return;
    }
    const engine = this.engine as RewardEngine;
    const started = performance.now();
    const file = index.file;
    const keep = (await stat(file)).size <= KEEP_IN_WORKERS_BYTES;
    const table = keep && this.scored.has(file) && reloaded ? await engine.rescore(file) : await engine.scoreFile(file, { keep });
    this.scored.add(file);
    this.tables.set(file, table);
    const summary = processSummary(table, (i) => splitOfMeta(index.rows[index.indexOfLine(table.lines[i])]?.meta));
    if (summary) this.processSummaries.set(file, summary);
    else this.processSummaries.delete(file);
    index.applyEngineScores(engineScores(table, index));
    this.store.notifyScored(vscode.Uri.file(file));
    if (reloaded) this.announceChanges(index);
    const ms = performance.now() - started;
    this.statusBar.scored(`${table.size.toLocaleString("en-US")} samples of ${path.basename(file)} in ${ms.toFixed(0)} ms${table.failedSamples ? `, ${table.failedSamples} with errors` : ""}`);
    this.publish();
  }

  /** After an edit of the reward files: what it changed in this trace, in one notification. */
  private announceChanges(index: TraceIndex): void {
    const changed = index.rows.filter((row) => row.changed);
    if (changed.length === 0) return;
    const summary = describeChanges(changed);
    this.log.info(`Reward edit changed ${changed.length} samples of ${path.basename(index.file)}: ${summary}`);
    const show = "Show Changed Samples";
    void vscode.window.showInformationMessage(`RewardLab: your edit changed ${changed.length.toLocaleString("en-US")} sample${changed.length === 1 ? "" : "s"} of ${path.basename(index.file)}. ${summary}`, show).then((choice) => {
      if (choice === show) void vscode.commands.executeCommand("rewardlab.openTraceViewer", vscode.Uri.file(index.file), undefined, { changedOnly: true });
    });
  }

  /** Updates statistics and diagnostics from the latest tables. */
  private publish(): void {
    const load = this.load;
    if (!load) return;
    this.summaries = new Map();
    const perTable = [...this.tables.values()].map((table) => table.summary().rewards);
    for (const reward of load.rewards) {
      const stats: RewardStats = { mean: null, std: null, min: null, max: null, count: 0, nulls: 0, errors: 0 };
      let sum = 0;
      for (const summary of perTable.map((rewards) => rewards[reward.name])) {
        if (!summary) continue;
        stats.count += summary.count;
        stats.nulls += summary.nulls;
        stats.errors += summary.errors;
        sum += (summary.mean ?? 0) * summary.count;
        if (summary.min !== null) stats.min = Math.min(stats.min ?? Infinity, summary.min);
        if (summary.max !== null) stats.max = Math.max(stats.max ?? -Infinity, summary.max);
      }
      stats.mean = stats.count ? sum / stats.count : null;
      this.summaries.set(reward.name, { name: reward.name, file: reward.file, weight: reward.weight, kind: reward.kind, stats });
    }
    this.timing = rewardTiming([...this.tables.values()], settings.scoreBudgetMs);
    this.publishDiagnostics(load);
    this.changed.fire();
  }

  private publishDiagnostics(load: LoadResult): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const add = (file: string, diagnostic: vscode.Diagnostic) => byFile.set(file, [...(byFile.get(file) ?? []), diagnostic]);
    // The PRM's module is generated: its problems are reported against the settings instead.
    const prmProblems: { key: string; text: string }[] = [];
    for (const error of [...load.errors, ...this.rejected]) {
      const { location, message } = splitLocation(error.message);
      const file = location?.file ?? error.file;
      if (this.isPrmModule(error.file)) {
        prmProblems.push({ key: message, text: message });
        continue;
      }
      const diagnostic = new vscode.Diagnostic(rangeOf(location), message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = "rewardlab";
      add(path.resolve(file), diagnostic);
    }
    const failures: Failure[] = [];
    for (const table of this.tables.values()) {
      for (const [i, list] of table.errors) {
        for (const failure of list) failures.push({ ...failure, sample: { id: table.ids[i], file: table.file, line: table.lines[i] } });
      }
    }
    for (const group of groupFailures(failures)) {
      const rewardFile = load.rewards.find((reward) => reward.name === group.reward)?.file;
      const file = group.location?.file ?? rewardFile;
      if (!file) continue;
      const where = `${path.basename(group.firstSample.file)}:${group.firstSample.line}`;
      const text = `reward "${group.reward}" failed on ${group.count} sample${group.count === 1 ? "" : "s"} (first: ${group.firstSample.id} at ${where}): ${group.message}`;
      if (this.isPrmModule(file) || this.isPrmModule(rewardFile)) {
        prmProblems.push({ key: group.message, text });
        continue;
      }
      const diagnostic = new vscode.Diagnostic(rangeOf(group.location), text, vscode.DiagnosticSeverity.Error);
      diagnostic.source = "rewardlab";
      add(path.resolve(file), diagnostic);
    }
    this.diagnostics.clear();
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
    this.reportPrmProblems(prmProblems);
  }

  private isPrmModule(file: string | undefined): boolean {
    return file !== undefined && this.prmModule !== undefined && path.resolve(file) === this.prmModule;
  }

  /** Logs the PRM's problems and shows each distinct set once, pointing at the settings. */
  private reportPrmProblems(problems: readonly { key: string; text: string }[]): void {
    const key = problems.map((p) => p.key).join("\n");
    if (key === this.shownPrmProblems) return;
    this.shownPrmProblems = key;
    if (problems.length === 0) return;
    for (const problem of problems) this.log.error(`rewardlab.prm: ${problem.text}`);
    const open = "Open Settings";
    void vscode.window.showErrorMessage(`RewardLab: the process reward model (rewardlab.prm.model) failed: ${problems[0].text}`, open).then((choice) => {
      if (choice === open) void vscode.commands.executeCommand("workbench.action.openSettings", "rewardlab.prm");
    });
  }

  private stopEngine(): void {
    clearTimeout(this.reloadTimer);
    this.disposeEngine();
  }

  private disposeEngine(): void {
    this.engine?.dispose();
    this.engine = undefined;
    this.load = undefined;
    this.rejected = [];
    this.store.setRewardProblem(undefined);
    this.scored.clear();
  }
}

function rangeOf(location: { line: number; column: number } | undefined): vscode.Range {
  if (!location) return new vscode.Range(0, 0, 0, 0);
  const line = Math.max(0, location.line - 1);
  const column = Math.max(0, location.column - 1);
  return new vscode.Range(line, column, line, column + 1);
}

/** The engine's scores keyed by sample index in `index` (matched by line number). */
function engineScores(table: ScoreTable, index: TraceIndex): Map<number, EngineScores> {
  const scores = new Map<number, EngineScores>();
  for (let i = 0; i < table.size; i++) {
    const sample = index.indexOfLine(table.lines[i]);
    if (sample < 0) continue;
    const s = table.sampleScores(i);
    scores.set(sample, {
      rewards: s.rewards,
      total: s.reward,
      advantage: s.advantage ?? null,
      // The location is in the diagnostics; rows and annotations keep the message short.
      error: s.reward_errors ? Object.entries(s.reward_errors).map(([name, message]) => `${name}: ${splitLocation(message).message}`).join("; ") : undefined,
      stepScores: s.step_rewards,
    });
  }
  return scores;
}
