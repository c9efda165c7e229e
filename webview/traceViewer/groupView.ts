/**
 * The samples of one prompt stacked top to bottom, best advantage first: the prompt and image once,
 * then each completion coloured by its process scores. Steps no other sample of the group wrote
 * are marked, so where the completions part ways shows at a glance.
 */
import type { SampleDetail } from "../../src/protocol/traceViewer";
import { renderCompletion } from "./completionText";
import { clear, el, formatScore } from "./dom";
import { imageWithRegions } from "./imageRegions";

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
    const answers = new Set(samples.map((s) => s.predictedAnswer ?? ""));
    const title = el("div", "group-title");
    title.append(el("h2", undefined, `Group ${group}`), el("span", "facts", `${samples.length} samples · mean total ${formatScore(mean)} · ${answers.size} different answer${answers.size === 1 ? "" : "s"}`));
    const first = samples[0];
    if (first?.prompt) title.append(el("pre", "prompt", first.prompt));
    if (first && first.images.length > 0) {
      const images = el("div", "images group-images");
      const truth = first.regions.filter((region) => region.source === "truth");
      first.images.forEach((image, i) => images.append(imageWithRegions(image, i, truth, { onRegionHover: () => undefined })));
      title.append(images);
    }
    if (first?.answer !== undefined) title.append(el("div", "facts", `reference answer: ${first.answer}`));
    const shared = stepCounts(samples);
    const stack = el("div", "group-stack");
    for (const sample of sorted) stack.append(this.card(sample, sample.index === selected, shared));
    const note = el("p", "legend-note", "Completions coloured by their process scores (red low, green high); a marked step is one no other sample in the group wrote.");
    this.element.append(title, note, stack);
  }

  private card(sample: SampleDetail, selected: boolean, shared: Map<string, number>): HTMLElement {
    const card = el("article", `group-card${selected ? " selected" : ""}`);
    card.tabIndex = 0;
    const adv = el("span", `adv ${(sample.advantage ?? 0) >= 0 ? "positive" : "negative"}`, `adv ${formatScore(sample.advantage, true)}`);
    const head = el("header");
    const right = sample.answer !== undefined && sample.predictedAnswer !== undefined && sample.predictedAnswer === sample.answer;
    const answer = el("span", `card-answer${right ? " positive" : ""}`, `answer ${sample.predictedAnswer ?? "none"}`);
    head.append(el("strong", undefined, sample.id), adv, el("span", "card-rewards", [`total ${formatScore(sample.total)}`, ...Object.entries(sample.rewards).map(([n, v]) => `${n} ${formatScore(v)}`)].join(" · ")), answer);
    const rendered = renderCompletion(sample, "process");
    rendered.element.classList.add("card-completion");
    sample.steps.forEach((_, i) => {
      if ((shared.get(stepText(sample, i)) ?? 0) > 1) return;
      for (const span of rendered.element.querySelectorAll(`[data-step="${i}"]`)) span.classList.add("differs");
    });
    card.append(head, rendered.element);
    card.addEventListener("click", () => this.select(sample.index));
    card.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.select(sample.index);
    });
    return card;
  }
}

function stepText(sample: SampleDetail, i: number): string {
  const { start, end } = sample.steps[i].span;
  return sample.completion.slice(start, end).trim();
}

/** In how many samples of the group each step text occurs. */
function stepCounts(samples: readonly SampleDetail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sample of samples) {
    const texts = new Set(sample.steps.map((_, i) => stepText(sample, i)));
    for (const text of texts) counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return counts;
}
