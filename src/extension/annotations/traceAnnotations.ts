import * as vscode from "vscode";
import { Disposable } from "../base/disposable";
import { settings } from "../config";
import type { Log } from "../log";
import { storedStepScores } from "../traces/sampleDetail";
import type { TraceIndex } from "../traces/traceIndex";
import type { TraceStore } from "../traces/traceStore";
import { annotationText, hoverMarkdown, verdict, type Verdict } from "./annotationText";

const TRACE_SELECTOR: vscode.DocumentSelector = { pattern: "**/*.trace.jsonl" };
/** Lines decorated around the visible range; a long file is decorated as it scrolls. */
const MARGIN_LINES = 300;
/** Past this many lines only the first line gets a CodeLens (one per line would swamp the editor). */
const MAX_LENS_LINES = 5000;
const THROTTLE_MS = 150;

/**
 * Inline annotations in the text editor of a trace file: an after-text decoration with the total
 * and per-reward values, a gutter colour, a hover with the breakdown and per-step scores, and a
 * CodeLens "Open in Trace Viewer". They follow the file's index, so they refresh when it is
 * re-scored (hot reload) or changes on disk.
 */
export class TraceAnnotations extends Disposable implements vscode.HoverProvider, vscode.CodeLensProvider {
  private readonly afterText = this.register(vscode.window.createTextEditorDecorationType({ after: { margin: "0 0 0 2em", color: new vscode.ThemeColor("editorCodeLens.foreground"), fontStyle: "italic" }, rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed }));
  private readonly gutters: Record<Verdict, vscode.TextEditorDecorationType>;
  private readonly lensesChanged = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    extensionUri: vscode.Uri,
    private readonly store: TraceStore,
    private readonly log: Log,
  ) {
    super();
    const gutter = (name: Verdict, ruler: string) =>
      this.register(vscode.window.createTextEditorDecorationType({ gutterIconPath: vscode.Uri.joinPath(extensionUri, "media", `gutter-${name}.svg`), gutterIconSize: "contain", overviewRulerColor: ruler, overviewRulerLane: vscode.OverviewRulerLane.Left }));
    this.gutters = { good: gutter("good", "#3fb95080"), mid: gutter("mid", "#d2992280"), bad: gutter("bad", "#f8514980"), none: gutter("none", "#8b949e40") };
    this.register(vscode.languages.registerHoverProvider(TRACE_SELECTOR, this));
    this.register(vscode.languages.registerCodeLensProvider(TRACE_SELECTOR, this));
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()));
    this.register(vscode.window.onDidChangeTextEditorVisibleRanges((event) => isTrace(event.textEditor.document) && this.schedule()));
    this.register(vscode.workspace.onDidSaveTextDocument((document) => isTrace(document) && this.schedule()));
    this.register(vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration("rewardlab.annotations") && this.schedule()));
    this.register(
      store.onDidChange(() => {
        this.lensesChanged.fire();
        this.schedule();
      }),
    );
    this.register({ dispose: () => clearTimeout(this.timer) });
    this.schedule();
  }

  /** Decorates visible trace editors soon; bursts of events (scrolling, re-scoring) coalesce. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.decorateAll(), THROTTLE_MS);
  }

  private async decorateAll(): Promise<void> {
    for (const editor of vscode.window.visibleTextEditors) {
      if (!isTrace(editor.document)) continue;
      try {
        await this.decorate(editor);
      } catch (error) {
        this.log.error(`Annotations for ${editor.document.uri.fsPath}`, error);
      }
    }
  }

  private async decorate(editor: vscode.TextEditor): Promise<void> {
    const { document } = editor;
    // Unsaved edits shift lines away from the index built from disk: show nothing rather than wrong scores.
    if (!settings.annotationsEnabled || document.isDirty) {
      this.clear(editor);
      return;
    }
    const index = await this.store.get(document.uri);
    const show = settings.annotationRewards;
    const best = Math.max(0, ...index.rows.map((row) => row.total ?? 0));
    const after: vscode.DecorationOptions[] = [];
    const byVerdict: Record<Verdict, vscode.Range[]> = { good: [], mid: [], bad: [], none: [] };
    for (const range of editor.visibleRanges) {
      const first = Math.max(0, range.start.line - MARGIN_LINES);
      const last = Math.min(document.lineCount - 1, range.end.line + MARGIN_LINES);
      for (let line = first; line <= last; line++) {
        const sample = index.indexOfLine(line + 1);
        if (sample < 0) continue;
        const row = index.rows[sample];
        const end = document.lineAt(line).range.end;
        const at = new vscode.Range(end, end);
        after.push({ range: at, renderOptions: { after: { contentText: annotationText(row, show) } } });
        byVerdict[verdict(row, best)].push(new vscode.Range(line, 0, line, 0));
      }
    }
    editor.setDecorations(this.afterText, after);
    for (const name of Object.keys(this.gutters) as Verdict[]) editor.setDecorations(this.gutters[name], byVerdict[name]);
  }

  private clear(editor: vscode.TextEditor): void {
    editor.setDecorations(this.afterText, []);
    for (const type of Object.values(this.gutters)) editor.setDecorations(type, []);
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    if (document.isDirty) return undefined;
    const index = await this.store.get(document.uri);
    const sample = index.indexOfLine(position.line + 1);
    if (sample < 0) return undefined;
    const loaded = await index.load(sample);
    const markdown = new vscode.MarkdownString(hoverMarkdown(index.rows[sample], index.engineStepScores(sample) ?? ("record" in loaded ? storedStepScores(loaded.record) : {})), true);
    markdown.appendMarkdown(`\n\n[Open in Trace Viewer](${commandLink(document.uri, sample)})`);
    markdown.isTrusted = { enabledCommands: ["rewardlab.openTraceViewer"] };
    return new vscode.Hover(markdown, document.lineAt(position.line).range);
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (document.isDirty) return [];
    let index: TraceIndex;
    try {
      index = await this.store.get(document.uri);
    } catch {
      return [];
    }
    const rows = document.lineCount > MAX_LENS_LINES ? index.rows.slice(0, 1) : index.rows;
    const show = settings.annotationRewards;
    // Trace lines are long, so the after-text sits far right; the lens repeats the scores where the eye is.
    return rows.flatMap((row) => {
      const range = new vscode.Range(row.line - 1, 0, row.line - 1, 0);
      return [
        new vscode.CodeLens(range, { title: "Open in Trace Viewer", command: "rewardlab.openTraceViewer", arguments: [document.uri, row.index] }),
        new vscode.CodeLens(range, { title: annotationText(row, show), command: "" }),
      ];
    });
  }
}

function isTrace(document: vscode.TextDocument): boolean {
  return document.uri.path.endsWith(".trace.jsonl");
}

function commandLink(uri: vscode.Uri, index: number): string {
  return `command:rewardlab.openTraceViewer?${encodeURIComponent(JSON.stringify([uri.toJSON(), index]))}`;
}
