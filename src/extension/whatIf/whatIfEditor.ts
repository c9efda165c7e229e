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
  /** The scores of the completion as it stands in the trace (the "before" of every change). */
  baseline?: EngineScores;
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
    const name = `${loaded.row.id.replace(/[^\w.@-]+/g, "_")}.${++this.sequence}.completion`;
    const uri = vscode.Uri.from({ scheme: WHAT_IF_SCHEME, path: `/${path.basename(traceUri.fsPath)}/${name}` });
    this.files.set(uri.path, new TextEncoder().encode(loaded.record.completion));
    const session: Session = { record: loaded.record, traceFile: traceUri.fsPath, sampleId: loaded.row.id, version: 0 };
    this.sessions.set(uri.toString(), session);
    if (vscode.workspace.isTrusted) session.baseline = await this.score(session, loaded.record.completion).catch(() => undefined);
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

  /** Scores `completion` in place of the session's (undefined without reward files). */
  private score(session: Session, completion: string): Promise<EngineScores | undefined> {
    const record: TraceRecord = { ...session.record, completion };
    // Stored per-token data and labels describe the original text, not the edit.
    delete record.tokens;
    delete record.steps;
    return this.rewards.scoreRecord(record, session.traceFile);
  }

  private async rescore(document: vscode.TextDocument): Promise<void> {
    const session = this.sessions.get(document.uri.toString());
    if (!session) return;
    const version = session.version;
    // The text lives in memory only: keeping it saved there means closing never asks to save a file.
    if (document.isDirty) await document.save();
    try {
      const scores = vscode.workspace.isTrusted ? await this.score(session, document.getText()) : undefined;
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

  /**
   * A short note at the end of each step's last line ("◂ 0.83", the step's process scores) with the
   * whole breakdown in its hover; the CodeLens above the step says it in full, before -> after.
   */
  private stepDecorations(document: vscode.TextDocument, session: Session): vscode.DecorationOptions[] {
    const stepScores = session.scores?.stepScores;
    if (!stepScores || Object.keys(stepScores).length === 0) return [];
    const byLine = new Map<number, { short: string[]; full: string[] }>();
    for (const step of splitSteps(document.getText(), settings.stepSplit)) {
      const line = document.positionAt(step.span.end).line;
      const entry = byLine.get(line) ?? { short: [], full: [] };
      entry.short.push(Object.values(stepScores).map((values) => formatScore(values[step.index])).join("/"));
      entry.full.push(`step ${step.index + 1}: ${Object.entries(stepScores).map(([name, values]) => `${name} ${formatScore(values[step.index])}`).join(" · ")}`);
      byLine.set(line, entry);
    }
    return [...byLine].map(([line, { short, full }]) => {
      const end = document.lineAt(line).range.end;
      return { range: new vscode.Range(end, end), hoverMessage: full.join("  \n"), renderOptions: { after: { contentText: `◂ ${short.join(" | ")}` } } };
    });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const session = this.sessions.get(document.uri.toString());
    if (!session) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const { scores, baseline } = session;
    const lenses: vscode.CodeLens[] = [];
    if (!scores) {
      lenses.push(new vscode.CodeLens(top, { title: `what-if ${session.sampleId}: ${session.note ?? "scoring…"}`, command: "" }));
    } else {
      const names = [...new Set([...Object.keys(baseline?.rewards ?? {}), ...Object.keys(scores.rewards)])];
      const parts = [`what-if ${session.sampleId}: Σ ${change(baseline?.total, scores.total)}`, ...names.map((name) => `${name} ${change(baseline?.rewards[name], scores.rewards[name])}`)];
      if (scores.error) parts.push(`⚠ ${scores.error}`);
      lenses.push(new vscode.CodeLens(top, { title: parts.join(" · "), tooltip: "Trace's completion -> this text, scored with the current reward files. The trace file is never changed.", command: "" }));
    }
    const image = session.record.images?.[0];
    if (typeof image === "string" && !image.startsWith("data:")) {
      const file = vscode.Uri.file(path.resolve(path.dirname(session.traceFile), image));
      lenses.push(new vscode.CodeLens(top, { title: "$(file-media) show the image", tooltip: image, command: "vscode.open", arguments: [file, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true }] }));
    }
    const stepScores = scores?.stepScores;
    if (stepScores && Object.keys(stepScores).length > 0) {
      const before = baseline?.stepScores;
      for (const step of splitSteps(document.getText(), settings.stepSplit)) {
        const at = new vscode.Range(document.positionAt(step.span.start), document.positionAt(step.span.start));
        const text = Object.entries(stepScores).map(([name, values]) => `${name} ${change(before?.[name]?.[step.index], values[step.index])}`).join(" · ");
        lenses.push(new vscode.CodeLens(at, { title: `step ${step.index + 1}: ${text}`, command: "" }));
      }
    }
    return lenses;
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

/** "0.50 -> 1.00" when a score changed, else the score; "–" for none. */
function change(before: number | null | undefined, after: number | null | undefined): string {
  if (before === undefined || formatScore(before) === formatScore(after)) return formatScore(after);
  return `${formatScore(before)} → ${formatScore(after)}`;
}
