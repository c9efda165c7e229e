import * as path from "node:path";
import * as vscode from "vscode";
import { Disposable } from "../base/disposable";
import type { Log } from "../log";
import { viewerHtml } from "../traceViewer/html";
import type { TraceViewerProvider } from "../traceViewer/traceViewerProvider";
import { DashboardSession } from "./dashboardSession";

export const DASHBOARD_VIEW_TYPE = "rewardlab.dashboard";

/** The training dashboards: one webview panel per run, revealed rather than duplicated. */
export class DashboardPanels extends Disposable {
  private readonly sessions = new Map<string, DashboardSession>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly viewer: TraceViewerProvider,
    private readonly log: Log,
  ) {
    super();
  }

  /** Opens the dashboard of the run in `runDir`, or reveals it when it is already open. */
  open(runDir: string): void {
    const existing = this.sessions.get(runDir);
    if (existing) {
      existing.reveal();
      return;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist", "webview");
    const id = path.basename(runDir);
    // Dashboards share a group (the trace viewer opens right of it); the first goes to the active one.
    const column = [...this.sessions.values()].map((session) => session.column).find((c) => c !== undefined) ?? vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, `Run ${id}`, column, {
      enableScripts: true,
      // Charts and their history live in the page: keep it when the tab is in the background.
      retainContextWhenHidden: true,
      localResourceRoots: [dist],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "rewardlab.svg");
    const session = new DashboardSession(runDir, panel, this.viewer, this.log);
    this.sessions.set(runDir, session);
    panel.onDidDispose(() => {
      session.dispose();
      if (this.sessions.get(runDir) === session) this.sessions.delete(runDir);
    });
    panel.webview.html = viewerHtml(panel.webview, vscode.Uri.joinPath(dist, "dashboard.js"), `Training run ${id}`);
  }

  /** Closes the run's dashboard (before its folder is deleted). */
  close(runDir: string): void {
    this.sessions.get(runDir)?.close();
  }

  override dispose(): void {
    for (const session of this.sessions.values()) session.dispose();
    this.sessions.clear();
    super.dispose();
  }
}
