import * as vscode from "vscode";
import { Disposable } from "../base/disposable";
import type { Log } from "../log";
import type { SampleRow } from "../../protocol/traceViewer";
import { TraceIndex } from "./traceIndex";

/** Hears an index build's progress: samples read so far and their rows (a live array). */
type ProgressListener = (sampleCount: number, rows: readonly SampleRow[]) => void;

/**
 * One `TraceIndex` per trace file, shared by the Traces view, the viewer and the annotations.
 * An index is built on first use and dropped when its file changes on disk.
 */
export class TraceStore extends Disposable {
  private readonly indexes = new Map<string, Promise<TraceIndex>>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires when a file's index was dropped (file changed) or its scores changed. */
  readonly onDidChange = this.changed.event;
  private readonly built = this.register(new vscode.EventEmitter<TraceIndex>());
  /** Fires when a file has been (re)indexed: the reward engine scores it then. */
  readonly onDidBuild = this.built.event;

  constructor(private readonly log: Log) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher("**/*.trace.jsonl"));
    const drop = (uri: vscode.Uri) => {
      if (this.indexes.delete(uri.fsPath)) this.changed.fire(uri);
    };
    this.register(watcher.onDidChange(drop));
    this.register(watcher.onDidDelete(drop));
  }

  /** Builds under way: their progress listeners and the rows read so far. */
  private readonly building = new Map<string, { listeners: Set<ProgressListener>; last?: { sampleCount: number; rows: readonly SampleRow[] } }>();

  /**
   * The index of `uri`, building it if needed. `onProgress` hears the build's progress with the
   * rows read so far, also when another caller started the build (it is told the latest at once).
   */
  get(uri: vscode.Uri, onProgress?: ProgressListener): Promise<TraceIndex> {
    let index = this.indexes.get(uri.fsPath);
    const building = this.building.get(uri.fsPath);
    if (index && building && onProgress) {
      building.listeners.add(onProgress);
      if (building.last) onProgress(building.last.sampleCount, building.last.rows);
    }
    if (!index) {
      const state: { listeners: Set<ProgressListener>; last?: { sampleCount: number; rows: readonly SampleRow[] } } = { listeners: new Set(onProgress ? [onProgress] : []) };
      this.building.set(uri.fsPath, state);
      index = this.build(uri, (sampleCount, rows) => {
        state.last = { sampleCount, rows };
        for (const listener of state.listeners) listener(sampleCount, rows);
      });
      this.indexes.set(uri.fsPath, index);
      const done = () => {
        if (this.building.get(uri.fsPath) === state) this.building.delete(uri.fsPath);
      };
      index.then(done, () => {
        done();
        this.indexes.delete(uri.fsPath);
      });
    }
    return index;
  }

  /** The index if it is already built, else undefined (for cheap callers such as hovers). */
  async peek(uri: vscode.Uri): Promise<TraceIndex | undefined> {
    const index = this.indexes.get(uri.fsPath);
    return index ? index.catch(() => undefined) : undefined;
  }

  /** Every index built so far (skipping ones that failed). */
  async loaded(): Promise<TraceIndex[]> {
    const settled = await Promise.allSettled(this.indexes.values());
    return settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  }

  /** Tells listeners that the scores of `uri` changed (the index was updated in place). */
  notifyScored(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  /**
   * Why the scores shown are not the reward files as saved (a file that does not compile, so the
   * last good version still scores), or undefined; every open viewer shows it as a banner.
   */
  rewardProblem: string | undefined;

  setRewardProblem(problem: string | undefined): void {
    if (problem === this.rewardProblem) return;
    this.rewardProblem = problem;
    for (const file of this.indexes.keys()) this.changed.fire(vscode.Uri.file(file));
  }

  private async build(uri: vscode.Uri, onProgress: ProgressListener): Promise<TraceIndex> {
    const started = performance.now();
    const index = await TraceIndex.build(uri.fsPath, { onProgress });
    const ms = performance.now() - started;
    this.log.info(`Indexed ${vscode.workspace.asRelativePath(uri)}: ${index.sampleCount} samples in ${ms.toFixed(0)} ms`);
    // After the caller's await resumes, so listeners see the index in the store.
    setTimeout(() => this.built.fire(index), 0);
    return index;
  }
}
