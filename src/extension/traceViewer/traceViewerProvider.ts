import * as path from "node:path";
import * as vscode from "vscode";
import { Disposable } from "../base/disposable";
import type { Log } from "../log";
import type { TraceStore } from "../traces/traceStore";
import { viewerHtml } from "./html";
import { ViewerSession } from "./viewerSession";
import type { RewardService } from "../scoring/rewardService";
import type { ViewerFilter } from "../../protocol/traceViewer";

export const TRACE_VIEWER_TYPE = "rewardlab.traceViewer";
/** How long the page waits for the file's first rows before it is written without them (the first 200 take a few ms). */
const FIRST_PAGE_WAIT_MS = 150;

/**
 * The trace viewer as a custom editor (priority `option`: the text editor stays the default for
 * `*.trace.jsonl`). Read-only: the viewer never writes a trace file.
 */
export class TraceViewerProvider extends Disposable implements vscode.CustomReadonlyEditorProvider {
  private readonly sessions = new Map<string, ViewerSession>();
  /** Sample to show when the viewer for a file opens (set just before `vscode.openWith`). */
  private readonly pendingFocus = new Map<string, number>();
  /** Filter to apply when the viewer for a file opens. */
  private readonly pendingFilter = new Map<string, ViewerFilter>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: TraceStore,
    private readonly log: Log,
    /** What the reward files define, for "Add as test case". */
    private readonly rewards: RewardService,
  ) {
    super();
    this.register(
      vscode.window.registerCustomEditorProvider(TRACE_VIEWER_TYPE, this, {
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: false,
      }),
    );
  }

  /**
   * Opens (or reveals) the viewer for `uri`, showing sample `index` when given; in `column` when
   * given (the active one by default); with `filter` set in its toolbar when given.
   */
  async open(uri: vscode.Uri, index?: number, column?: vscode.ViewColumn, filter?: ViewerFilter): Promise<void> {
    const session = this.sessions.get(uri.toString());
    if (session) {
      if (filter) session.setFilter(filter);
      if (index !== undefined) session.focus(index);
      else await vscode.commands.executeCommand("vscode.openWith", uri, TRACE_VIEWER_TYPE, column);
      return;
    }
    if (index !== undefined) this.pendingFocus.set(uri.toString(), index);
    if (filter) this.pendingFilter.set(uri.toString(), filter);
    await vscode.commands.executeCommand("vscode.openWith", uri, TRACE_VIEWER_TYPE, column);
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const { uri } = document;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist", "webview");
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [dist, vscode.Uri.file(path.dirname(uri.fsPath)), ...(vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri)],
    };
    const key = uri.toString();
    const focus = this.pendingFocus.get(key);
    this.pendingFocus.delete(key);
    const session = new ViewerSession(uri, panel, this.store, this.log, focus, this.rewards);
    const filter = this.pendingFilter.get(key);
    this.pendingFilter.delete(key);
    if (filter) session.setFilter(filter);
    this.sessions.set(key, session);
    panel.onDidDispose(() => {
      session.dispose();
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    });
    // The page carries the first rows read (a few ms in): the list shows them as soon as its script
    // runs, without a message from here. Not awaited: the editor resolves at once, so that the
    // workbench creates the webview's frame while the rows are read.
    void session.firstPage(FIRST_PAGE_WAIT_MS).then((page) => {
      if (!session.isDisposed) panel.webview.html = viewerHtml(panel.webview, vscode.Uri.joinPath(dist, "traceViewer.js"), path.basename(uri.fsPath), page);
    });
  }

  override dispose(): void {
    for (const session of this.sessions.values()) session.dispose();
    this.sessions.clear();
    super.dispose();
  }
}
