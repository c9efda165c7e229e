/**
 * The summary above the list when the trace's steps carry labels and a process reward scored them:
 * per reward and split, what `rewardlab prm-eval` reports (the host computes it with prm-eval's
 * functions; this only lays it out). Collapsible; the headline stays readable when collapsed.
 */
import type { ProcessSummary, ProcessSummaryRow } from "../../src/protocol/traceViewer";
import { clear, el } from "./dom";

type MetricKey = "error_accuracy" | "correct_accuracy" | "processbench_f1" | "step_precision" | "step_recall" | "step_f1" | "macro_f1";

interface Column {
  key: MetricKey | "auc";
  label: string;
  title: string;
}

const COLUMNS: Column[] = [
  { key: "error_accuracy", label: "err acc", title: "ProcessBench: on samples with a wrong step, the first flagged step is the first wrong one" },
  { key: "correct_accuracy", label: "corr acc", title: "ProcessBench: on samples without a wrong step, no step is flagged" },
  { key: "processbench_f1", label: "F1", title: "ProcessBench's F1: harmonic mean of err acc and corr acc (its headline number)" },
  { key: "step_precision", label: "precision", title: "Of the steps flagged, the share labelled wrong (-1)" },
  { key: "step_recall", label: "recall", title: "Of the steps labelled wrong (-1), the share flagged" },
  { key: "step_f1", label: "F1", title: "F1 of flagging wrong steps (neutral 0 and unlabelled steps left out)" },
  { key: "macro_f1", label: "macro F1", title: "Mean of the wrong-step F1 and the correct-step F1 (what VisualProcessBench reports)" },
  { key: "auc", label: "AUC", title: "Chance that a step labelled correct scores above one labelled wrong (ties count half); no threshold" },
];

/** Percent with one decimal, as prm-eval and the benchmarks print them. */
export const percent = (value: number | null): string => (value === null ? "–" : (100 * value).toFixed(1));

function cellText(row: ProcessSummaryRow, key: Column["key"]): string {
  if (key !== "auc") return percent(row[key]);
  return row.auc === null ? "–" : row.auc.toFixed(3) + (row.auc_exact ? "" : "~");
}

export class ProcessSummaryPanel {
  readonly element = el("details", "process-summary");
  private readonly headline = el("span", "summary-headline");
  private readonly body = el("div", "summary-body");

  constructor(open: boolean, onToggle: (open: boolean) => void) {
    this.element.hidden = true;
    this.element.open = open;
    const summary = el("summary");
    summary.append(el("span", "summary-title", "Process rewards vs step labels"), this.headline);
    this.element.append(summary, this.body);
    this.element.addEventListener("toggle", () => onToggle(this.element.open));
  }

  show(summary: ProcessSummary | null): void {
    clear(this.headline);
    clear(this.body);
    this.element.hidden = summary === null;
    if (!summary) return;
    this.headline.textContent = headline(summary);
    const scroll = el("div", "summary-scroll");
    scroll.append(table(summary));
    const note = el("p", "summary-note", `Percent. A step is flagged (predicted wrong) when its score is below ${summary.threshold}; samples count when a step is both labelled (+1 / -1) and scored (in brackets: with a wrong step / without). The same numbers as rewardlab prm-eval on this file.`);
    this.body.append(scroll, note);
    if (summary.unmatched.length > 0) this.body.append(el("p", "summary-note", `Scored no labelled step: ${summary.unmatched.join(", ")}.`));
  }
}

/** Each reward's overall row in one line: what the collapsed panel still says. */
function headline(summary: ProcessSummary): string {
  const overall = new Map<string, ProcessSummaryRow>();
  for (const row of summary.rows) if (!overall.has(row.reward) || row.split === "all") overall.set(row.reward, row);
  return [...overall.values()].map((row) => `${row.reward}: ProcessBench F1 ${percent(row.processbench_f1)} · step F1 ${percent(row.step_f1)} · AUC ${cellText(row, "auc")}`).join("   ");
}

function table(summary: ProcessSummary): HTMLTableElement {
  const table = el("table", "summary-table");
  const head = el("thead");
  const groups = el("tr", "group-row");
  groups.append(el("th", "blank"), el("th", "blank"));
  const group = (label: string, span: number, title: string) => {
    const th = el("th", "group", label);
    th.colSpan = span;
    th.title = title;
    groups.append(th);
  };
  group("ProcessBench (earliest error)", 3, "Zheng et al. 2024: is the first step flagged the first wrong one?");
  group("Wrong steps", 3, "Flagging steps labelled -1 (positive class)");
  group("", 2, "");
  const labels = el("tr");
  const heading = (label: string, title: string, className = "num") => {
    const th = el("th", className, label);
    th.title = title;
    labels.append(th);
  };
  heading("reward / split", "Process reward (kind: \"process\"), then each split (the records' meta.split) and \"all\", every split together", "name");
  heading("samples", "Samples counted (with a step both labelled +1 / -1 and scored): with a wrong step / without one");
  for (const column of COLUMNS) heading(column.label, column.title);
  head.append(groups, labels);
  const body = el("tbody");
  // A reward with splits gets a row of its own above them (narrower than a reward column).
  const rowsOf = new Map<string, ProcessSummaryRow[]>();
  for (const row of summary.rows) rowsOf.set(row.reward, [...(rowsOf.get(row.reward) ?? []), row]);
  for (const [reward, rows] of rowsOf) {
    const split = rows.length > 1;
    if (split) {
      const tr = el("tr", "reward-row");
      const name = el("td", "name reward", reward);
      name.colSpan = COLUMNS.length + 2;
      tr.append(name);
      body.append(tr);
    }
    for (const row of rows) body.append(metricsRow(row, split));
  }
  table.append(head, body);
  return table;
}

function metricsRow(row: ProcessSummaryRow, split: boolean): HTMLTableRowElement {
  const tr = el("tr", split ? "split-row" : "reward-row");
  tr.dataset.reward = row.reward;
  tr.dataset.split = row.split;
  if (split && row.split === "all") tr.classList.add("all");
  tr.append(split ? el("td", "name split", row.split) : el("td", "name reward", row.reward));
  const samples = el("td", "num", `${row.samples} (${row.erroneous_samples}/${row.correct_samples})`);
  samples.dataset.key = "samples";
  samples.title = `${row.erroneous_samples} with a wrong step, ${row.correct_samples} without`;
  tr.append(samples);
  for (const column of COLUMNS) {
    const td = el("td", "num", cellText(row, column.key));
    td.dataset.key = column.key;
    tr.append(td);
  }
  return tr;
}
