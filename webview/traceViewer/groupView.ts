/** The G samples of one prompt side by side, best advantage first, each with its rewards and completion. */
import type { SampleDetail } from "../../src/protocol/traceViewer";
import { clear, el, formatScore } from "./dom";

export class GroupView {
  readonly element = el("div", "group-view");

  constructor(private readonly select: (index: number) => void) {
    this.element.append(el("p", "placeholder", "Select a sample with a group to compare its group."));
  }

  showLoading(group: string): void {
    clear(this.element);
    this.element.append(el("p", "placeholder", `Loading group ${group}…`));
  }

  show(group: string, samples: SampleDetail[], selected: number | undefined): void {
    clear(this.element);
    const sorted = [...samples].sort((a, b) => (b.advantage ?? -Infinity) - (a.advantage ?? -Infinity));
    const totals = samples.map((s) => s.total).filter((t): t is number => t !== null);
    const mean = totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : null;
    const title = el("div", "group-title");
    title.append(el("h2", undefined, `Group ${group}`), el("span", "facts", `${samples.length} samples · mean total ${formatScore(mean)}`));
    if (samples[0]?.prompt) title.append(el("pre", "prompt", samples[0].prompt));
    const columns = el("div", "group-columns");
    for (const sample of sorted) columns.append(this.card(sample, sample.index === selected));
    this.element.append(title, columns);
  }

  private card(sample: SampleDetail, selected: boolean): HTMLElement {
    const card = el("article", `group-card${selected ? " selected" : ""}`);
    const adv = el("span", `adv ${(sample.advantage ?? 0) >= 0 ? "positive" : "negative"}`, `adv ${formatScore(sample.advantage, true)}`);
    const head = el("header");
    head.append(el("strong", undefined, sample.id), adv);
    const rewards = el("div", "card-rewards", [`total ${formatScore(sample.total)}`, ...Object.entries(sample.rewards).map(([n, v]) => `${n} ${formatScore(v)}`)].join(" · "));
    const answer = el("div", "card-answer", `answer: ${sample.predictedAnswer ?? "none"}`);
    card.append(head, rewards, answer, el("pre", "card-completion", sample.completion));
    card.addEventListener("click", () => this.select(sample.index));
    return card;
  }
}
