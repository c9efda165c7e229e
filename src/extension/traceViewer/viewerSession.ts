import * as path from "node:path";
import * as vscode from "vscode";
import type { MessageHandlers } from "../../protocol/ipc";
import { isFileOrder } from "../../protocol/traceViewer";
import type { HostToViewerMessage, RowQuery, SampleDetail, SampleRow, ViewerFilter, ViewerPageData, ViewerToHostMessage } from "../../protocol/traceViewer";
import { Disposable } from "../base/disposable";
import { settings } from "../config";
import type { Log } from "../log";
import { queryRows } from "../traces/rows";
import { parseSearch, unknownKeys } from "../traces/search";
import { markStepDone } from "../walkthrough";
import { insertExample } from "../testing/addExample";
import { exampleSource } from "../testing/exampleLocations";
import type { RewardService } from "../scoring/rewardService";
import { buildSampleDetail, storedStepScores } from "../traces/sampleDetail";
import type { TraceIndex } from "../traces/traceIndex";
import type { TraceStore } from "../traces/traceStore";

/** Groups bigger than this are cut in the group view: nobody compares 500 samples side by side. */
const MAX_GROUP = 64;
/** Rows sent with the first progress message: a screenful and more (one page of the webview's list). */
const FIRST_ROWS = 100;
const IMAGE_DATA_URI = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/;

/**
 * One open trace viewer: answers the webview's row queries and sample requests from the file's
 * index. Nothing is posted before the webview says `ready`.
 */
export class ViewerSession extends Disposable {
  private ready = false;
  private readonly queue: HostToViewerMessage[] = [];
  /** Ordered sample indices of the webview's current query, reused while it scrolls. */
  private lastQuery: { key: string; order: Int32Array; note?: string } | undefined;
  /** The rows read so far while the file is indexed (listed in file order before the index is done). */
  private preview: readonly SampleRow[] | undefined;
  private built: TraceIndex | undefined;
  /** When things happened since the viewer was opened (ms), logged once the full list is on screen. */
  private readonly timing = new OpeningTimes();

  constructor(
    readonly uri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    private readonly store: TraceStore,
    private readonly log: Log,
    private focusIndex: number | undefined,
    private readonly rewards: RewardService,
  ) {
    super();
    const handlers: MessageHandlers<ViewerToHostMessage> = {
      ready: ({ scriptStartMs, readyMs }) => {
        this.timing.webview(scriptStartMs, readyMs);
        void this.onReady();
      },
      rowsShown: ({ requestId, receivedMs, drawnMs }) => this.onRowsShown(requestId, receivedMs, drawnMs),
      queryRows: ({ requestId, query, start, count }) => void this.onQueryRows(requestId, query, start, count),
      openSample: ({ requestId, index }) => void this.onOpenSample(requestId, index),
      openGroup: ({ requestId, group }) => void this.onOpenGroup(requestId, group),
      revealLine: ({ index }) => void this.onRevealLine(index),
      editCompletion: ({ index }) => void vscode.commands.executeCommand("rewardlab.whatIf", this.uri, index),
      copySample: ({ index }) => void this.onCopySample(index),
      addExample: ({ index }) => void this.onAddExample(index),
      exportSamples: ({ query }) => void this.onExportSamples(query),
    };
    this.register(
      panel.webview.onDidReceiveMessage((message: ViewerToHostMessage) => {
        const handler = handlers[message.type] as ((payload: unknown) => void) | undefined;
        if (handler) handler(message.payload);
        else this.log.warn(`Trace viewer: unknown message ${JSON.stringify(message.type)}`);
      }),
    );
    // Read the file while the webview loads (its progress is queued until the webview is ready).
    this.index().catch(() => undefined);
    this.register(
      store.onDidChange((changed) => {
        if (changed.fsPath !== uri.fsPath || !this.ready) return;
        this.lastQuery = undefined;
        void this.index().then((index) => {
          this.post({ type: "rescored", payload: { rewardNames: index.rewardNames, problem: store.rewardProblem } });
          this.postProcessSummary();
        });
      }),
    );
  }

  /** Sets the webview's toolbar filter (e.g. only the samples the last reward edit changed). */
  setFilter(filter: ViewerFilter): void {
    this.panel.reveal();
    this.post({ type: "setFilter", payload: filter });
  }

  /** Shows sample `index` (from a CodeLens or the Traces view). */
  focus(index: number): void {
    this.panel.reveal();
    if (this.ready) this.post({ type: "focus", payload: { index } });
    else this.focusIndex = index;
  }

  private post(message: HostToViewerMessage): void {
    if (message.type === "indexProgress" && message.payload.rows && this.ready) this.deliveredFirstRows();
    if (!this.ready) {
      // Only the latest progress matters to a webview that was not listening yet.
      const last = this.queue.length - 1;
      if (message.type === "indexProgress" && last >= 0 && this.queue[last].type === "indexProgress") this.queue[last] = message;
      else this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /** The first rows went to the webview with a progress message (posted, or flushed from the queue). */
  private firstRowsSent = false;

  private deliveredFirstRows(): void {
    this.firstRowsSent = true;
    this.timing.rows("preloaded", "preview");
  }

  /** Hears the first rows read (`firstPage`), once. */
  private onFirstRows: ((page: ViewerPageData | undefined) => void) | undefined;

  /**
   * The first rows read, for the page itself (`viewerHtml`'s data block), so that the webview lists
   * them as soon as its script runs instead of after a message from the host (each hop between the
   * extension host and the webview took 60-120 ms in code-server while the file was read). Waits at
   * most `waitMs` for them (undefined then: the page comes without, and the rows follow by message).
   * The caller must put what it gets into the page: they are not sent again.
   */
  firstPage(waitMs: number): Promise<ViewerPageData | undefined> {
    const take = (page: ViewerPageData | undefined): ViewerPageData | undefined => {
      this.onFirstRows = undefined;
      if (!page || this.firstRowsSent || this.ready) return undefined;
      this.firstRowsSent = true;
      this.timing.rows("preloaded", "preview", true);
      return page;
    };
    const pageOf = (sampleCount: number, rows: readonly SampleRow[]) => ({ sampleCount, rows: rows.slice(0, FIRST_ROWS) });
    if (this.built) return Promise.resolve(take(pageOf(this.built.sampleCount, this.built.rows)));
    if (this.preview) return Promise.resolve(take(pageOf(this.preview.length, this.preview)));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(take(undefined)), waitMs);
      this.onFirstRows = (page) => {
        clearTimeout(timer);
        resolve(take(page));
      };
      // A file read in one go (small, or an index already built elsewhere) has no progress. (The
      // store's promise without a listener: the constructor's `index()` already hears the progress.)
      this.store.get(this.uri).then(
        (built) => this.onFirstRows?.(pageOf(built.sampleCount, built.rows)),
        // Unreadable: the page comes without rows, and the error is reported when the webview is ready.
        () => this.onFirstRows?.(undefined),
      );
    });
  }

  private index(): Promise<TraceIndex> {
    const index = this.store.get(this.uri, (sampleCount, rows) => {
      this.preview = rows;
      this.onFirstRows?.({ sampleCount, rows: rows.slice(0, FIRST_ROWS) });
      // The first page rides along until the webview has had it: it lists it without a query.
      const first = this.firstRowsSent ? undefined : rows.slice(0, FIRST_ROWS);
      this.post({ type: "indexProgress", payload: { sampleCount, indexing: true, rewardNames: [], preview: true, ...(first ? { rows: first } : {}) } });
    });
    if (!this.built) {
      void index.then(
        (built) => {
          this.built ??= built;
          this.preview = undefined;
          this.timing.mark("index");
        },
        () => undefined,
      );
    }
    return index;
  }

  private async onReady(): Promise<void> {
    this.ready = true;
    this.timing.mark("ready");
    for (const message of this.queue.splice(0)) {
      if (message.type === "indexProgress" && message.payload.rows) this.deliveredFirstRows();
      void this.panel.webview.postMessage(message);
    }
    const fileName = path.basename(this.uri.fsPath);
    this.post({ type: "init", payload: { fileName, rewardNames: [], sampleCount: 0, indexing: true, defaultChannel: settings.defaultChannel } });
    try {
      const index = await this.index();
      if (index.sampleCount > 0) markStepDone("viewerOpened");
      this.post({ type: "init", payload: { fileName, rewardNames: index.rewardNames, sampleCount: index.sampleCount, indexing: false, defaultChannel: settings.defaultChannel, focusIndex: this.focusIndex, problem: this.store.rewardProblem } });
      this.postProcessSummary();
    } catch (error) {
      this.log.error(`Trace viewer: cannot read ${this.uri.fsPath}`, error);
      void vscode.window.showErrorMessage(`RewardLab: cannot read ${vscode.workspace.asRelativePath(this.uri)}: ${(error as Error).message}`);
    }
  }

  /** The process rewards against the trace's step labels, as of its last scoring (the summary above the list). */
  private postProcessSummary(): void {
    this.post({ type: "processSummary", payload: { summary: this.rewards.processSummaryOf(this.uri.fsPath) ?? null } });
  }

  private async onQueryRows(requestId: number, query: RowQuery, start: number, count: number): Promise<void> {
    const preview = this.preview;
    if (!this.built && preview && isFileOrder(query)) {
      // Still reading: list what has been read, in file order. Sorting, filters and search wait
      // for the whole file (their replies come once it is indexed).
      const rows = preview.slice(start, start + count);
      this.timing.rows(requestId, "preview");
      this.post({ type: "rows", payload: { requestId, total: preview.length, start, rows, note: "reading the file…" } });
      return;
    }
    const index = await this.index();
    const key = JSON.stringify(query);
    if (this.lastQuery?.key !== key) {
      // Text terms read the file (the index holds numbers only); the list says "Searching…" meanwhile.
      const { order } = await this.ordered(query);
      const unknown = unknownKeys(index.rows, parseSearch(query.filter.search ?? "").fields);
      const note = unknown.length > 0 ? `no sample has ${unknown.map((name) => `"${name}"`).join(", ")} (a reward, meta field, id, group, step, total, advantage or length)` : undefined;
      this.lastQuery = { key, order, note };
    }
    const { order, note } = this.lastQuery;
    const rows = Array.from(order.subarray(start, Math.min(order.length, start + count)), (i) => index.rows[i]);
    this.timing.rows(requestId, "full");
    this.post({ type: "rows", payload: { requestId, total: order.length, start, rows, ...(note ? { note } : {}) } });
  }

  private async ordered(query: RowQuery): Promise<{ index: TraceIndex; order: Int32Array }> {
    const index = await this.index();
    const search = parseSearch(query.filter.search ?? "");
    const textHits = search.text.length > 0 ? await index.textMatches(search.text) : undefined;
    return { index, order: queryRows(index.rows, query, textHits) };
  }

  private async onCopySample(sampleIndex: number): Promise<void> {
    try {
      const line = await (await this.index()).rawLine(sampleIndex);
      await vscode.env.clipboard.writeText(line);
      void vscode.window.setStatusBarMessage("RewardLab: sample JSON copied", 3000);
    } catch (error) {
      void vscode.window.showErrorMessage(`RewardLab: cannot copy the sample: ${(error as Error).message}`);
    }
  }

  private async onAddExample(sampleIndex: number): Promise<void> {
    const index = await this.index();
    const loaded = await index.load(sampleIndex);
    if (!("record" in loaded)) return;
    const row = index.rows[sampleIndex];
    const rewards = (this.rewards.loaded?.rewards ?? []).filter((reward) => reward.name in row.rewards);
    if (rewards.length === 0) {
      void vscode.window.showInformationMessage("RewardLab: no reward of the workspace scored this sample yet (trust the workspace and let it score), so there is nothing to pin.");
      return;
    }
    const picked = await vscode.window.showQuickPick(
      rewards.map((reward) => ({ label: reward.name, description: `scores it ${row.rewards[reward.name] === null ? "null" : String(row.rewards[reward.name])}`, detail: vscode.workspace.asRelativePath(reward.file), reward })),
      { placeHolder: `Pin ${row.id} as a case of which reward? (it must keep today's score)` },
    );
    if (!picked) return;
    const expect = row.rewards[picked.reward.name] ?? null;
    // Image paths are relative to the trace; the case lives in the reward file's folder.
    const rebase = (image: string) => (image.startsWith("data:") || path.isAbsolute(image) ? image : path.relative(path.dirname(picked.reward.file), path.resolve(path.dirname(this.uri.fsPath), image)));
    const record = { ...loaded.record, ...(loaded.record.images ? { images: loaded.record.images.map(rebase) } : {}) };
    const entry = exampleSource(record, expect, `${row.id} (${path.basename(this.uri.fsPath)}:${row.line})`, "    ");
    if (await insertExample(vscode.Uri.file(picked.reward.file), entry)) {
      void vscode.window.setStatusBarMessage(`RewardLab: ${row.id} pinned in ${path.basename(picked.reward.file)} (expect ${expect}); save to add it to the Test Explorer`, 5000);
      return;
    }
    await vscode.env.clipboard.writeText(entry);
    void vscode.window.showInformationMessage(`RewardLab: ${path.basename(picked.reward.file)} has no \`examples: [\` array yet: the case is on the clipboard; add \`examples: [ <paste> ]\` to the reward's definition.`);
  }

  private async onExportSamples(query: RowQuery): Promise<void> {
    const { index, order } = await this.ordered(query);
    if (order.length === 0) {
      void vscode.window.showInformationMessage("RewardLab: no samples to export (the filter keeps none).");
      return;
    }
    const base = path.basename(this.uri.fsPath).replace(/(\.trace)?\.jsonl$/i, "");
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(path.dirname(this.uri.fsPath), `${base}.selected.trace.jsonl`)),
      filters: { "Trace files": ["jsonl"] },
      title: `Export ${order.length.toLocaleString("en-US")} samples`,
    });
    if (!target) return;
    try {
      const written = await index.writeSamples(order, target.fsPath);
      const open = await vscode.window.showInformationMessage(`RewardLab: ${written.toLocaleString("en-US")} samples saved to ${vscode.workspace.asRelativePath(target)} (as they stand in the trace; rewards are re-scored when it is opened).`, "Open in Trace Viewer");
      if (open) await vscode.commands.executeCommand("rewardlab.openTraceViewer", target);
    } catch (error) {
      void vscode.window.showErrorMessage(`RewardLab: cannot export the samples: ${(error as Error).message}`);
    }
  }

  private async onOpenSample(requestId: number, sampleIndex: number): Promise<void> {
    try {
      const detail = await this.detail(await this.index(), sampleIndex);
      this.post({ type: "sample", payload: { requestId, detail } });
    } catch (error) {
      this.post({ type: "sample", payload: { requestId, detail: null, error: (error as Error).message } });
    }
  }

  private async onOpenGroup(requestId: number, group: string): Promise<void> {
    const index = await this.index();
    const members = index.groupMembers(group).slice(0, MAX_GROUP);
    const samples = await Promise.all(members.map((member) => this.detail(index, member)));
    this.post({ type: "group", payload: { requestId, group, samples: samples.filter((s): s is SampleDetail => s !== null) } });
  }

  private onRowsShown(requestId: number | "preloaded", receivedMs?: number, drawnMs?: number): void {
    const line = this.timing.shown(requestId, this.built?.sampleCount ?? 0, receivedMs, drawnMs);
    if (line) this.log.info(`Opened ${vscode.workspace.asRelativePath(this.uri)} in the trace viewer: ${line}`);
  }

  private async onRevealLine(sampleIndex: number): Promise<void> {
    const row = (await this.index()).rows[sampleIndex];
    if (!row) return;
    const line = row.line - 1;
    await vscode.window.showTextDocument(this.uri, { selection: new vscode.Range(line, 0, line, 0), viewColumn: vscode.ViewColumn.Beside });
  }

  private async detail(index: TraceIndex, sampleIndex: number): Promise<SampleDetail | null> {
    const loaded = await index.load(sampleIndex);
    if (!("record" in loaded)) return null;
    // The index's row, not the freshly parsed one: it carries the group advantage and any re-scoring.
    const stepScores = index.engineStepScores(sampleIndex) ?? storedStepScores(loaded.record);
    return buildSampleDetail(loaded.record, index.rows[sampleIndex], (image) => this.imageUri(image), settings.stepSplit, stepScores);
  }

  /** Images load only from the trace's folder tree or the workspace (localResourceRoots), or as inline raster data. */
  private imageUri(image: string): string | undefined {
    if (image.startsWith("data:")) return IMAGE_DATA_URI.test(image) ? image : undefined;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(image)) return undefined;
    const file = vscode.Uri.file(path.resolve(path.dirname(this.uri.fsPath), image));
    return this.panel.webview.asWebviewUri(file).toString();
  }
}

/**
 * How long opening a trace took, from the viewer's panel being created: the webview up (`ready`),
 * the first rows posted and on screen (read so far, or the whole file's when it was indexed),
 * the index built, the whole list posted and on screen (sortable from then). Logged once.
 */
class OpeningTimes {
  private readonly opened = performance.now();
  private readonly at = new Map<string, number>();
  private readonly replies = new Map<number | "preloaded", "preview" | "full">();
  done = false;

  mark(event: string): void {
    if (!this.at.has(event)) this.at.set(event, performance.now() - this.opened);
  }

  /** What the webview said of its own start (ms since its document began loading). */
  private page: { scriptStartMs: number; readyMs: number } | undefined;

  webview(scriptStartMs: number | undefined, readyMs: number | undefined): void {
    if (scriptStartMs !== undefined && readyMs !== undefined) this.page ??= { scriptStartMs, readyMs };
  }

  /** The first rows went with the page (`ViewerSession.firstPage`) rather than by message. */
  private withPage = false;

  rows(requestId: number | "preloaded", kind: "preview" | "full", withPage = false): void {
    if (this.done) return;
    if (withPage && !this.at.has(`${kind} rows posted`)) this.withPage = true;
    this.mark(`${kind} rows posted`);
    this.replies.set(requestId, kind);
  }

  /** In the webview's own clock (ms since its document began loading): the first rows received and drawn. */
  private firstDrawn: { receivedMs: number; drawnMs: number } | undefined;

  /** The webview drew reply `requestId`; returns the log line once the whole list is on screen. */
  shown(requestId: number | "preloaded", sampleCount: number, receivedMs?: number, drawnMs?: number): string | undefined {
    const kind = this.replies.get(requestId);
    if (this.done || !kind) return undefined;
    if (!this.at.has("first rows on screen") && receivedMs !== undefined && drawnMs !== undefined) this.firstDrawn = { receivedMs, drawnMs };
    this.mark(`${kind} rows on screen`);
    if (kind === "preview") this.mark("first rows on screen");
    if (kind !== "full") return undefined;
    this.mark("first rows on screen");
    this.done = true;
    const ms = (event: string) => (this.at.has(event) ? `${Math.round(this.at.get(event)!)} ms` : "-");
    const page = this.page ? ` (its document: script started at ${Math.round(this.page.scriptStartMs)} ms, ready at ${Math.round(this.page.readyMs)} ms)` : "";
    const drawn = this.firstDrawn ? ` (its document: received at ${Math.round(this.firstDrawn.receivedMs)} ms, drawn at ${Math.round(this.firstDrawn.drawnMs)} ms)` : "";
    return `webview ready ${ms("ready")}${page}; first rows ${this.withPage ? "in the page" : "posted"} ${ms("preview rows posted") !== "-" ? `${ms("preview rows posted")} (read so far)` : ms("full rows posted")}, on screen ${ms("first rows on screen")}${drawn}; index of ${sampleCount.toLocaleString("en-US")} samples built ${ms("index")}; whole list posted ${ms("full rows posted")}, on screen (sortable) ${ms("full rows on screen")}`;
  }
}
