/**
 * Trace viewer webview: sample list (left), sample and group views (right). All data comes from the
 * host over typed messages (src/protocol/traceViewer.ts); the page posts `ready` first.
 */
import { scriptStartMs } from "../shared/startTime";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-tabs/index.js";
import "@vscode-elements/elements/dist/vscode-tab-header/index.js";
import "@vscode-elements/elements/dist/vscode-tab-panel/index.js";
import "@vscode-elements/elements/dist/vscode-textfield/index.js";
import { PAGE_DATA_ID } from "../../src/protocol/ipc";
import type { HostToViewerMessage, SampleRow, ViewerPageData, ViewerToHostMessage } from "../../src/protocol/traceViewer";
import { el } from "./dom";
import { GroupView } from "./groupView";
import { ProcessSummaryPanel } from "./processSummary";
import { Host, readPageData } from "../shared/host";
import { SampleList } from "./sampleList";
import { SampleView } from "./sampleView";
import { loadKatex } from "./math";
import styles from "./styles.css";
import { Toolbar } from "./toolbar";

// Constructable stylesheets are not subject to the CSP's style-src, so no inline <style> is needed.
const sheet = new CSSStyleSheet();
sheet.replaceSync(styles);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

interface SavedState {
  channel?: string;
  math?: boolean;
  selected?: number;
  /** The process-reward summary is open (it is unless the user closed it). */
  summaryOpen?: boolean;
}
let saved: SavedState = {};
let selected: { index: number; group?: string } | undefined;
let sampleRequest = 0;
let groupRequest = 0;
let activeTab = 0;
/** True while rows of a file still being read are listed. */
let previewing = false;

const host = new Host<HostToViewerMessage, ViewerToHostMessage>({
  init: ({ fileName, rewardNames, sampleCount, indexing, focusIndex, defaultChannel, problem }) => {
    title.textContent = fileName;
    banner.textContent = problem ?? "";
    banner.hidden = !problem;
    if (!saved.channel) sampleView.setChannel(defaultChannel);
    toolbar.setRewardNames(rewardNames);
    list.setColumns(rewardNames);
    if (indexing) {
      if (!previewing) list.reset("Reading file…");
      return;
    }
    count.textContent = `${sampleCount.toLocaleString("en-US")} samples`;
    // Whole file read: a listed preview is fetched again where it stands (now with advantages).
    if (previewing) list.refresh();
    else list.setQuery(toolbar.query());
    previewing = false;
    if (sampleCount > 0) openSample(focusIndex ?? saved.selected ?? 0, true);
    // KaTeX (a script of its own) once the whole list is up and the page is idle, so that math is
    // typeset at once later; a sample with math shown before then loads it itself.
    afterFrame(() => setTimeout(() => void loadKatex().catch(() => undefined), 200));
  },
  indexProgress: ({ sampleCount, preview: rowsReady, rows }) => {
    if (!rowsReady) return list.reset(`Reading file… ${sampleCount.toLocaleString("en-US")} samples`);
    // The first rows can be listed (file order) while the rest of the file is read.
    if (previewing) return list.refresh();
    previewing = true;
    if (!rows || !listFirstRows(sampleCount, rows)) list.setQuery(toolbar.query());
  },
  rows: ({ requestId, total, start, rows, note }) => {
    const receivedMs = performance.now();
    list.receive(requestId, total, start, rows, note);
    // After the list's own frame has drawn them: the host times "first rows on screen" by this.
    if (start === 0) afterFrame(() => host.post({ type: "rowsShown", payload: { requestId, receivedMs, drawnMs: performance.now() } }));
  },
  sample: ({ requestId, detail, error }) => {
    if (requestId !== sampleRequest) return;
    if (!detail) {
      sampleView.showError(error ?? "This line is not a valid trace record.");
      return;
    }
    selected = { index: detail.index, group: detail.group };
    sampleView.show(detail);
    if (activeTab === 1) openGroup();
  },
  group: ({ requestId, group, samples }) => {
    if (requestId === groupRequest) groupView.show(group, samples, selected?.index);
  },
  processSummary: ({ summary }) => summaryPanel.show(summary),
  focus: ({ index }) => openSample(index, true),
  setFilter: ({ changedOnly }) => {
    toolbar.setChangedOnly(changedOnly === true);
    if (!previewing) list.setQuery(toolbar.query());
  },
  rescored: ({ rewardNames, problem }) => {
    // Text, not markup: the message quotes the reward file's compiler.
    banner.textContent = problem ?? "";
    banner.hidden = !problem;
    toolbar.setRewardNames(rewardNames);
    list.setColumns(rewardNames);
    list.setQuery(toolbar.query());
    if (selected) openSample(selected.index);
  },
});
saved = (host.state as SavedState | undefined) ?? {};

/** Shows sample `index`; `reveal` scrolls the list to it (focus from the host, not a click). */
function openSample(index: number, reveal = false): void {
  sampleRequest = host.requestId();
  list.markSelected(index, reveal);
  host.post({ type: "openSample", payload: { requestId: sampleRequest, index } });
  saved.selected = index;
  host.state = saved;
}

function openGroup(): void {
  if (!selected?.group) return;
  groupRequest = host.requestId();
  groupView.showLoading(selected.group);
  host.post({ type: "openGroup", payload: { requestId: groupRequest, group: selected.group } });
}

const toolbar = new Toolbar(
  (query) => list.setQuery(query),
  (query) => host.post({ type: "exportSamples", payload: { query } }),
);
const list = new SampleList({
  fetch: (requestId, query, start, count) => host.post({ type: "queryRows", payload: { requestId, query, start, count } }),
  requestId: () => host.requestId(),
  select: (row: SampleRow) => openSample(row.index),
  sortBy: (key) => toolbar.sortBy(key),
});
toolbar.escapeTo(list.keyboardTarget);
const sampleView = new SampleView(
  {
    revealLine: (index) => host.post({ type: "revealLine", payload: { index } }),
    editCompletion: (index) => host.post({ type: "editCompletion", payload: { index } }),
    copySample: (index) => host.post({ type: "copySample", payload: { index } }),
    addExample: (index) => host.post({ type: "addExample", payload: { index } }),
    channelChanged: (channel) => {
      saved.channel = channel;
      host.state = saved;
    },
    mathChanged: (math) => {
      saved.math = math;
      host.state = saved;
    },
  },
  saved.channel ?? "process",
  saved.math ?? true,
);
const groupView = new GroupView((index) => {
  openSample(index);
});

const title = el("h1", "file-title");
const count = el("span", "facts");
const header = el("header", "viewer-header");
header.append(title, count);
/** Shown while a reward file does not compile: the scores are the last good version's. */
const banner = el("div", "reward-problem");
banner.setAttribute("role", "alert");
banner.hidden = true;

/** Process rewards against the trace's step labels (prm-eval's numbers), when it has both. */
const summaryPanel = new ProcessSummaryPanel(saved.summaryOpen ?? true, (open) => {
  saved.summaryOpen = open;
  host.state = saved;
});

const tabs = document.createElement("vscode-tabs");
tabs.setAttribute("selected-index", "0");
const sampleTab = document.createElement("vscode-tab-header");
sampleTab.textContent = "Sample";
const groupTab = document.createElement("vscode-tab-header");
groupTab.textContent = "Group";
const samplePanel = document.createElement("vscode-tab-panel");
samplePanel.append(sampleView.element);
const groupPanel = document.createElement("vscode-tab-panel");
groupPanel.append(groupView.element);
tabs.append(sampleTab, groupTab, samplePanel, groupPanel);
tabs.addEventListener("vsc-tabs-select", (event) => {
  activeTab = (event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  if (activeTab === 1) openGroup();
});

const left = el("div", "left-pane");
left.append(toolbar.element, list.element);
const right = el("div", "right-pane");
right.append(tabs);
const layout = el("main", "layout");
layout.append(left, right);
const app = document.getElementById("app") ?? document.body;
app.append(header, banner, summaryPanel.element, layout);

// Ctrl+F / Cmd+F searches the samples (the webview has no find widget of its own).
window.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "f") {
    event.preventDefault();
    toolbar.focusSearch();
  }
});

/**
 * Lists the file's first rows (file order) while the rest is read, without asking the host; tells
 * the host once they are drawn. False when the list's order or filter is another (it asks then).
 */
function listFirstRows(sampleCount: number, rows: SampleRow[]): boolean {
  const receivedMs = performance.now();
  if (!list.preload(toolbar.query(), sampleCount, rows, "reading the file…")) return false;
  afterFrame(() => host.post({ type: "rowsShown", payload: { requestId: "preloaded", receivedMs, drawnMs: performance.now() } }));
  return true;
}

// The first rows came with the page (the host read them while the webview was being created).
const pageData = readPageData<ViewerPageData>(PAGE_DATA_ID);
if (pageData && Array.isArray(pageData.rows)) previewing = listFirstRows(pageData.sampleCount, pageData.rows);

/** Runs `f` once the frame that draws what was just changed has been drawn. */
function afterFrame(f: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(f));
}

host.post({ type: "ready", payload: { scriptStartMs, readyMs: performance.now() } });
