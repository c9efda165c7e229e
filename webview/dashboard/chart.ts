/**
 * One chart card: a title with the latest value, and a uPlot line chart. Charts share a cursor
 * (hovering one shows the same step on all) and a click on a point picks its step.
 */
import uPlot from "uplot";
import { clear, el } from "../traceViewer/dom";
import { alignedData, type ChartSpec, type PlotSeries, type RunPoints } from "./chartSpecs";
import type { Palette } from "./palette";

const HEIGHT = 190;
/** A mouse that moved further than this between press and release was zooming, not clicking. */
const CLICK_SLOP_PX = 4;

export class Chart {
  readonly element = el("section", "chart");
  private readonly latest = el("span", "chart-latest");
  private readonly plotArea = el("div", "chart-plot");
  private plot: uPlot | undefined;
  private signature = "";
  private pressedAt: { x: number; y: number } | undefined;

  constructor(
    readonly spec: ChartSpec,
    private readonly onPick: (step: number) => void,
  ) {
    this.element.dataset.chart = spec.id;
    const title = el("h2", "chart-title", spec.title);
    title.title = spec.hint;
    const heading = el("div", "chart-heading");
    heading.append(title, this.latest);
    this.element.append(heading, this.plotArea);
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT })).observe(this.plotArea);
  }

  /** Redraws with the runs' current points; rebuilds the chart only when its series or the theme changed. */
  update(main: RunPoints, overlay: { points: RunPoints; name: string } | null, palette: Palette): void {
    const series = this.seriesFor(main, overlay?.points ?? null);
    this.element.hidden = series.length === 0;
    if (series.length === 0) return;
    const data = alignedData(series, main, overlay?.points ?? null);
    const signature = `${palette.id}|${overlay?.name ?? ""}|${series.map((s) => `${s.run}:${s.key}`).join(",")}`;
    if (!this.plot || signature !== this.signature) {
      this.plot?.destroy();
      clear(this.plotArea);
      this.plot = new uPlot(this.options(series, overlay?.name ?? "", palette), data, this.plotArea);
      this.listen(this.plot);
      this.signature = signature;
    } else {
      this.plot.setData(data);
    }
    const mainColumns = data.slice(1).filter((_, i) => series[i].run === "main") as (number | null)[][];
    this.element.dataset.points = String(mainColumns.reduce((count, column) => count + column.filter((v) => v !== null).length, 0));
    const mainSeries = series.filter((s) => s.run === "main");
    this.latest.textContent = latestText(data[0], mainColumns, mainSeries.map((s) => s.label));
  }

  /** Marks the chart (a warning about its metrics was selected). */
  highlight(on: boolean): void {
    this.element.classList.toggle("highlighted", on);
  }

  plots(key: string): boolean {
    return this.spec.series(new Set([key])).length > 0;
  }

  private seriesFor(main: RunPoints, overlay: RunPoints | null): PlotSeries[] {
    const ownSeries = this.spec.series(main.keys).map((s): PlotSeries => ({ ...s, run: "main" }));
    if (!overlay || !this.spec.overlay) return ownSeries;
    const theirs = this.spec.series(overlay.keys);
    const compared = this.spec.overlay === "first" ? theirs.slice(0, 1) : theirs;
    return [...ownSeries, ...compared.map((s): PlotSeries => ({ ...s, run: "overlay" }))];
  }

  private options(series: PlotSeries[], overlayName: string, palette: Palette): uPlot.Options {
    const colourOf = new Map<string, string>();
    for (const s of series) if (!colourOf.has(s.key)) colourOf.set(s.key, palette.series[colourOf.size % palette.series.length]);
    const axis = { stroke: palette.foreground, font: palette.font, grid: { stroke: palette.grid, width: 1 }, ticks: { stroke: palette.grid, width: 1 } };
    return {
      width: this.width(),
      height: HEIGHT,
      // The steps the data has, no padding: a 20-step run's axis ends at 20.
      scales: { x: { time: false, range: (_u, min, max) => (min === max ? [min - 1, max + 1] : [min, max]) } },
      cursor: { sync: { key: "rewardlab-steps" }, drag: { x: true, y: false }, points: { size: 7 } },
      legend: { live: true },
      axes: [{ ...axis, values: (_u, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? String(tick) : "")) }, { ...axis, size: 52 }],
      series: [
        { label: "step", value: (_u, step) => (step == null ? "–" : String(step)) },
        ...series.map((s): uPlot.Series => ({
          label: s.run === "overlay" ? `${s.label} · ${overlayName}` : s.label,
          stroke: colourOf.get(s.key),
          width: s.run === "overlay" ? 1.5 : 2,
          dash: s.run === "overlay" ? [6, 4] : undefined,
          spanGaps: true,
          value: (_u, value) => (value == null ? "–" : formatValue(value)),
        })),
      ],
    };
  }

  private listen(plot: uPlot): void {
    plot.over.addEventListener("mousedown", (event) => (this.pressedAt = { x: event.clientX, y: event.clientY }));
    plot.over.addEventListener("click", (event) => {
      const pressed = this.pressedAt;
      if (pressed && Math.hypot(event.clientX - pressed.x, event.clientY - pressed.y) > CLICK_SLOP_PX) return;
      const index = plot.cursor.idx;
      const step = index == null ? undefined : plot.data[0][index];
      if (step !== undefined) this.onPick(step);
    });
    plot.over.title = this.spec.eval ? "Click a point to open that step's held-out eval rollouts" : "Click a point to open that step's rollouts · drag to zoom, double-click to reset";
  }

  private width(): number {
    return Math.max(200, this.plotArea.clientWidth || 400);
  }
}

/**
 * The latest value of each of this run's series, named when there are several ("accuracy 0.62 ·
 * format 0.95 at step 20"), so a headline never silently belongs to one of them. At most three.
 */
function latestText(steps: number[], columns: (number | null)[][], labels: string[]): string {
  let lastStep: number | undefined;
  const parts: string[] = [];
  columns.slice(0, 3).forEach((column, c) => {
    for (let i = column.length - 1; i >= 0; i--) {
      const value = column[i];
      if (value === null) continue;
      parts.push(columns.length > 1 ? `${labels[c]} ${formatValue(value)}` : formatValue(value));
      lastStep = Math.max(lastStep ?? steps[i], steps[i]);
      break;
    }
  });
  if (parts.length === 0) return "";
  return `${parts.join(" · ")}${columns.length > 3 ? " · …" : ""} at step ${lastStep}`;
}

function formatValue(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0) return "0";
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude >= 0.001) return value.toFixed(3);
  return value.toExponential(1);
}
