import * as path from "node:path";
import * as vscode from "vscode";
import { splitSteps } from "../../trace/steps";
import type { TraceRecord } from "../../trace/types";
import { Disposable } from "../base/disposable";
import { settings } from "../config";
import type { Log } from "../log";
import type { RewardService } from "../scoring/rewardService";
import type { EngineScores } from "../traces/traceIndex";
import type { TraceStore } from "../traces/traceStore";
import { formatScore } from "../views/format";

export const WHAT_IF_SCHEME = "rewardlab-whatif";
const RESCORE_DEBOUNCE_MS = 300;

interface Session {
  record: TraceRecord;
  traceFile: string;
  sampleId: string;
  scores?: EngineScores;
  /** Why there are no scores (Restricted Mode, no rewards, a failure). */
  note?: string;
  timer?: ReturnType<typeof setTimeout>;
  /** Bumped on every edit; a result for an older text is dropped. */
  version: number;
}

/**
 * The what-if editor: a sample's completion in an ordinary editor (in memory, scheme
 * `rewardlab-whatif`), re-scored with the current rewards as you type (debounced), with the total
 * and rewards in a CodeLens and each step's process scores at the end of the step. For probing a
 * reward's edge cases and hacks; it never writes the trace file.
 */
export class WhatIfEditor extends Disposable implements vscode.FileSystemProvider, vscode.CodeLensProvider {
  private readonly files = new Map<string, Uint8Array>();
  private readonly sessions = new Map<string, Session>();
  private readonly fileChanges = this.register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.fileChanges.event;
  private readonly lensChanges = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.lensChanges.event;
  private readonly stepScore = this.register(vscode.window.createTextEditorDecorationType({ after: { margin: "0 0 0 1.5em", color: new vscode.ThemeColor("editorCodeLens.foreground"), fontStyle: "italic" } }));
  private sequence = 0;

  constructor(
    private readonly store: TraceStore,
    private readonly rewards: RewardService,
    private readonly log: Log,
  ) {
    super();
    this.register(vscode.workspace.registerFileSystemProvider(WHAT_IF_SCHEME, this, { isCaseSensitive: true }));
    this.register(vscode.languages.registerCodeLensProvider({ scheme: WHAT_IF_SCHEME }, this));
    this.register(vscode.workspace.onDidChangeTextDocument((event) => this.onEdit(event.document)));
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.decorateAll()));
    this.register(rewards.onDidScore(() => this.rescoreAll()));
  }

  /** Opens sample `index` of `traceUri` in a what-if editor beside the viewer. */
  async open(traceUri: vscode.Uri, index: number): Promise<void> {
    const loaded = await (await this.store.get(traceUri)).load(index);
    if (!("record" in loaded)) throw new Error(`${vscode.workspace.asRelativePath(traceUri)}:${loaded.row.line} is not a valid trace record: ${loaded.error}`);
    const name = `${loaded.row.id.replace(/[^\w.@-]+/g, "_")}.${++this.sequence}.txt`;
    const uri = vscode.Uri.from({ scheme: WHAT_IF_SCHEME, path: `/${path.basename(traceUri.fsPath)}/${name}` });
    this.files.set(uri.path, new TextEncoder().encode(loaded.record.completion));
    this.sessions.set(uri.toString(), { record: loaded.record, traceFile: traceUri.fsPath, sampleId: loaded.row.id, version: 0 });
    // A language of its own, so completions wrap (package.json configurationDefaults).
    const document = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), "rewardlab-completion");
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    void this.rescore(document);
  }

  private onEdit(document: vscode.TextDocument): void {
    const session = this.sessions.get(document.uri.toString());
    if (!session) return;
    session.version++;
    clearTimeout(session.timer);
    session.timer = setTimeout(() => void this.rescore(document), RESCORE_DEBOUNCE_MS);
  }

  private rescoreAll(): void {
    for (const document of vscode.workspace.textDocuments) if (this.sessions.has(document.uri.toString())) void this.rescore(document);
  }

  private async rescore(document: vscode.TextDocument): Promise<void> {
    const session = this.sessions.get(document.uri.toString());
    if (!session) return;
    const version = session.version;
    const record: TraceRecord = { ...session.record, completion: document.getText() };
    // Stored per-token data and labels describe the original text, not the edit.
    delete record.tokens;
    delete record.steps;
    try {
      const scores = vscode.workspace.isTrusted ? await this.rewards.scoreRecord(record, session.traceFile) : undefined;
      if (version !== session.version) return;
      session.scores = scores;
      session.note = scores ? undefined : vscode.workspace.isTrusted ? "no reward files to score with" : "Restricted Mode: reward code does not run until the workspace is trusted";
    } catch (error) {
      this.log.error("What-if scoring failed", error);
      session.scores = undefined;
      session.note = `scoring failed: ${(error as Error).message}`;
    }
    this.lensChanges.fire();
    this.decorateAll();
  }

  private decorateAll(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const session = this.sessions.get(editor.document.uri.toString());
      if (session) editor.setDecorations(this.stepScore, this.stepDecorations(editor.document, session));
    }
  }

  /** At the end of each step's last line: its process scores ("step 2: grounding 0.83"). */
  private stepDecorations(document: vscode.TextDocument, session: Session): vscode.DecorationOptions[] {
    const stepScores = session.scores?.stepScores;
    if (!stepScores || Object.keys(stepScores).length === 0) return [];
    // Several steps can end on one line (or mid-line, before the answer): one note per line, at its end.
    const byLine = new Map<number, string[]>();
    for (const step of splitSteps(document.getText(), settings.stepSplit)) {
      const line = document.positionAt(step.span.end).line;
      const text = Object.entries(stepScores).map(([name, values]) => `${name} ${formatScore(values[step.index])}`).join(" · ");
      byLine.set(line, [...(byLine.get(line) ?? []), `step ${step.index + 1}: ${text}`]);
    }
    return [...byLine].map(([line, notes]) => {
      const end = document.lineAt(line).range.end;
      return { range: new vscode.Range(end, end), renderOptions: { after: { contentText: `◂ ${notes.join(" | ")}` } } };
    });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const session = this.sessions.get(document.uri.toString());
    if (!session) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const scores = session.scores;
    const title = scores
      ? [`what-if ${session.sampleId}: Σ ${formatScore(scores.total)}`, ...Object.entries(scores.rewards).map(([name, value]) => `${name} ${formatScore(value)}`), ...(scores.error ? [`⚠ ${scores.error}`] : [])].join(" · ")
      : `what-if ${session.sampleId}: ${session.note ?? "scoring…"}`;
    return [new vscode.CodeLens(top, { title, command: "" })];
  }

  // ---- FileSystemProvider: the edited texts live in memory only ---------------------------------
  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }
  stat(uri: vscode.Uri): vscode.FileStat {
    const data = this.files.get(uri.path);
    if (!data) throw vscode.FileSystemError.FileNotFound(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: Date.now(), size: data.byteLength };
  }
  readFile(uri: vscode.Uri): Uint8Array {
    const data = this.files.get(uri.path);
    if (!data) throw vscode.FileSystemError.FileNotFound(uri);
    return data;
  }
  writeFile(uri: vscode.Uri, content: Uint8Array): void {
    this.files.set(uri.path, content);
    this.fileChanges.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }
  readDirectory(): [string, vscode.FileType][] {
    return [];
  }
  createDirectory(): void {}
  delete(uri: vscode.Uri): void {
    this.files.delete(uri.path);
    this.sessions.delete(uri.toString());
  }
  rename(): void {
    throw vscode.FileSystemError.NoPermissions("what-if texts cannot be renamed");
  }
}
