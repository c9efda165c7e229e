/**
 * Training dashboard webview: run header, warnings, and live charts of one run's metrics, with an
 * optional second run drawn dashed for comparison. All data comes from the host over typed messages
 * (src/protocol/dashboard.ts), new points only; the page posts `ready` first.
 */
import "@vscode-elements/elements/dist/vscode-button/index.js";
import uplotStyles from "uplot/dist/uPlot.min.css";
import type { DashboardWarning, HostToDashboardMessage, DashboardToHostMessage } from "../../src/protocol/dashboard";
import { clear, el } from "../traceViewer/dom";
import { Chart } from "./chart";
import { CHARTS, RunPoints } from "./chartSpecs";
import { button, RunHeader } from "./header";
import { Host } from "../shared/host";
import { onThemeChange, readPalette } from "./palette";
import styles from "./styles.css";
import { WarningsPanel } from "./warningsPanel";

// Constructable stylesheets are not subject to the CSP's style-src, so no inline <style> is needed.
const sheet = new CSSStyleSheet();
sheet.replaceSync(`${uplotStyles}\n${styles}`);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

const main = new RunPoints();
let overlay: { id: string; name: string; label: string; points: RunPoints } | null = null;

/** True when both runs have the same steps with the same values (same seed and settings). */
function sameCurves(a: RunPoints, b: RunPoints): boolean {
  if (a.size === 0 || a.size !== b.size) return false;
  const other = b.sorted;
  return a.sorted.every((point, i) => {
    const theirs = other[i] as Record<string, unknown>;
    return Object.entries(point).every(([key, value]) => theirs[key] === value);
  });
}
let palette = readPalette();
let frame = 0;

const host = new Host<HostToDashboardMessage, DashboardToHostMessage>({
  init: ({ header: info, points }) => {
    header.show(info);
    main.clear();
    main.add(points);
    render();
  },
  points: ({ run, points, reset }) => {
    const target = run === "main" ? main : overlay?.points;
    if (!target) return;
    if (reset) target.clear();
    target.add(points);
    render();
  },
  header: (info) => header.show(info),
  warnings: ({ warnings }) => warningsPanel.show(warnings),
  problems: ({ problems, total }) => showProblems(problems, total),
  overlay: ({ overlay: run }) => {
    overlay = run ? { id: run.id, name: run.id, label: run.label, points: new RunPoints() } : null;
    overlay?.points.add(run?.points ?? []);
    overlayChip.hidden = !run;
    overlayLabel.textContent = run ? `Compared with ${run.label} (dashed)` : "";
    render();
  },
  notice: ({ message }) => (notice.textContent = message),
});

/** Redraws every chart once per animation frame, however many messages arrived in between. */
function render(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    for (const chart of charts) chart.update(main, overlay && { points: overlay.points, name: overlay.name }, palette);
    if (overlay) overlayLabel.textContent = `Compared with ${overlay.label} (dashed)${sameCurves(main, overlay.points) ? ": identical to this run so far, so its dashed lines lie under the solid ones" : ""}`;
    empty.hidden = main.size > 0;
  });
}

function openStep(step: number, kind: "rollouts" | "eval"): void {
  notice.textContent = `Opening step ${step}…`;
  host.post({ type: "openStep", payload: { step, kind } });
}

function selectWarning(warning: DashboardWarning | undefined): void {
  const related = charts.filter((chart) => warning?.metrics.some((key) => chart.plots(key)));
  for (const chart of charts) chart.highlight(related.includes(chart));
  related[0]?.element.scrollIntoView({ behavior: "smooth", block: "nearest" });
}

function showProblems(problems: string[], total: number): void {
  clear(problemsBox);
  problemsBox.hidden = total === 0;
  const summary = el("summary", undefined, `${total} bad line${total === 1 ? "" : "s"} in metrics.jsonl (skipped)`);
  const list = el("ul");
  for (const problem of problems) list.append(el("li", undefined, problem));
  problemsBox.append(summary, list);
}

const header = new RunHeader({
  openRewardFile: (path, diff) => host.post({ type: "openRewardFile", payload: { path, diff } }),
  trainAgain: () => host.post({ type: "trainAgain", payload: {} }),
});
const warningsPanel = new WarningsPanel(selectWarning);
const charts = CHARTS.map((spec) => new Chart(spec, (step) => openStep(step, spec.eval ? "eval" : "rollouts")));

const toolbar = el("div", "toolbar");
const overlayChip = el("span", "overlay-chip");
const overlayLabel = el("span");
overlayChip.append(overlayLabel, button("Clear", () => host.post({ type: "clearOverlay", payload: {} }), true));
overlayChip.hidden = true;
const notice = el("span", "notice", "Click a point on a chart to open that step's rollouts in the trace viewer.");
toolbar.append(button("Compare with run…", () => host.post({ type: "pickOverlay", payload: {} }), true), overlayChip, notice);

const grid = el("main", "charts");
grid.append(...charts.map((chart) => chart.element));
const empty = el("div", "placeholder", "No metrics yet: the trainer appends a line to metrics.jsonl after every step.");
const problemsBox = el("details", "problems");
problemsBox.hidden = true;

const app = document.getElementById("app") ?? document.body;
app.append(header.element, warningsPanel.element, toolbar, empty, grid, problemsBox);

onThemeChange(() => {
  palette = readPalette();
  render();
});

host.post({ type: "ready", payload: {} });
