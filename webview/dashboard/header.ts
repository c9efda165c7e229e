/**
 * The run header: state, preset, progress, best accuracy, and the reward version the run trained
 * with, with a banner when the workspace's reward files have changed since.
 */
import type { DashboardHeader, DashboardRewardFile } from "../../src/protocol/dashboard";
import { clear, el } from "../traceViewer/dom";

export interface HeaderActions {
  openRewardFile(path: string, diff: boolean): void;
  trainAgain(): void;
}

export class RunHeader {
  readonly element = el("header", "run-header");

  constructor(private readonly actions: HeaderActions) {}

  show(header: DashboardHeader): void {
    clear(this.element);
    const title = el("div", "run-title");
    title.append(el("h1", undefined, header.id), el("span", `state state-${header.state}`, header.state));
    if (header.preset) title.append(el("span", "chip", header.preset));
    this.element.append(title);
    if (header.steps) this.element.append(progress(header.steps.done, header.steps.total, header));
    if (header.error) this.element.append(el("div", "run-error", header.error));
    if (header.rewards) {
      this.element.append(this.rewardsLine(header.rewards.version, header.rewards.files));
      const changed = header.rewards.files.filter((file) => file.change);
      if (changed.length > 0) this.element.append(this.driftBanner(header.rewards.version, header.rewards.currentVersion, changed));
    }
    if (header.settings.length > 0) this.element.append(settingsDetails(header.settings));
  }

  private rewardsLine(version: string, files: DashboardRewardFile[]): HTMLElement {
    const line = el("div", "rewards-line");
    line.append(el("span", "label", "Rewards"), el("code", "version", version));
    for (const file of files.filter((f) => f.change !== "added")) {
      const link = el("a", `reward-file${file.change ? " changed" : ""}`, file.path.split("/").pop());
      link.href = "#";
      link.title = `${file.path} as this run used it${file.names.length ? ` (${file.names.join(", ")})` : ""}: open the snapshot`;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        this.actions.openRewardFile(file.path, false);
      });
      line.append(link);
      if (file.names.length) line.append(el("span", "names", `(${file.names.join(", ")})`));
    }
    return line;
  }

  private driftBanner(version: string, currentVersion: string, changed: DashboardRewardFile[]): HTMLElement {
    const banner = el("div", "drift-banner");
    const text = el("span");
    text.append(
      "This run uses reward version ",
      el("code", undefined, version),
      "; your files are now ",
      el("code", undefined, currentVersion),
      ` (${changed.map((file) => `${file.change}: ${file.path}`).join(", ")}).`,
    );
    banner.append(text);
    const comparable = changed.find((file) => file.change === "modified");
    if (comparable) banner.append(button("Compare", () => this.actions.openRewardFile(comparable.path, true), true));
    banner.append(button("Train with current reward", () => this.actions.trainAgain()));
    return banner;
  }
}

function progress(done: number, total: number, header: DashboardHeader): HTMLElement {
  const line = el("div", "progress-line");
  const bar = el("div", "progress");
  const fill = el("div", "progress-fill");
  fill.style.width = `${total > 0 ? Math.min(100, (100 * done) / total) : 0}%`;
  bar.append(fill);
  line.append(el("span", undefined, `step ${done} / ${total}`), bar);
  const facts: string[] = [];
  // Three decimals, as the notifications and `rewardlab eval` print it (200 questions: steps of 0.005).
  if (header.best) facts.push(`best held-out accuracy ${header.best.accuracy.toFixed(3)} at step ${header.best.step}`);
  if (header.startedAt) facts.push(`started ${when(header.startedAt)}`);
  if (header.endedAt) facts.push(`ended ${when(header.endedAt)}`);
  else if (header.updatedAt && header.state === "running") facts.push(`updated ${when(header.updatedAt)}`);
  if (header.baseCheckpoint) facts.push(`from ${header.baseCheckpoint}`);
  line.append(el("span", "facts", facts.join(" · ")));
  return line;
}

function settingsDetails(settings: [string, string][]): HTMLElement {
  const details = el("details", "settings");
  details.append(el("summary", undefined, `Settings (${settings.length})`));
  const table = el("table");
  for (const [name, value] of settings) {
    const row = el("tr");
    row.append(el("td", "setting-name", name), el("td", "setting-value", value));
    table.append(row);
  }
  details.append(table);
  return details;
}

export function button(label: string, onClick: () => void, secondary = false): HTMLElement {
  const element = document.createElement("vscode-button");
  element.textContent = label;
  if (secondary) element.setAttribute("secondary", "");
  element.addEventListener("click", onClick);
  return element;
}

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
