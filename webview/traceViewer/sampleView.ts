/**
 * One sample: prompt, images with regions, the completion coloured by a channel, and the reward
 * breakdown. Hovering a step highlights the regions it mentions; hovering a region highlights the
 * text that mentions it.
 */
import type { SampleDetail } from "../../src/protocol/traceViewer";
import { renderCompletion, type RenderedCompletion } from "./completionText";
import { clear, el, formatScore } from "./dom";
import { imageWithRegions } from "./imageRegions";
import { hasMath, renderMath } from "./math";

export interface SampleViewCallbacks {
  revealLine(index: number): void;
  editCompletion(index: number): void;
  copySample(index: number): void;
  addExample(index: number): void;
  channelChanged(channel: string): void;
  mathChanged(render: boolean): void;
}

const CHANNEL_LABELS: Record<string, string> = { process: "process reward (per step)", advantage: "advantage", logprob: "log-prob", entropy: "entropy", none: "none" };

export class SampleView {
  readonly element = el("div", "sample-view");
  private rendered: RenderedCompletion | undefined;
  private sample: SampleDetail | undefined;
  /** The channel in use for this sample: the preferred one when the sample has it. */
  private channel: string;

  constructor(
    private readonly callbacks: SampleViewCallbacks,
    /** What the user picked last (or the setting): kept across samples that lack it. */
    private preferred: string,
    /** Typeset math (KaTeX) in the prompt and beside the completion. */
    private math = true,
  ) {
    this.channel = preferred;
    this.element.append(el("p", "placeholder", "Select a sample on the left."));
  }

  /** Sets the channel used from the next sample on (the picker still lists only what a sample has). */
  setChannel(channel: string): void {
    this.preferred = channel;
  }

  show(sample: SampleDetail): void {
    this.sample = sample;
    this.rendered?.cancel();
    clear(this.element);
    this.element.append(this.header(sample));
    if (sample.prompt) this.element.append(section("Prompt", this.math && hasMath(sample.prompt) ? renderMath(sample.prompt, "div", "prompt") : el("pre", "prompt", sample.prompt)));
    if (sample.images.length > 0) {
      const images = el("div", "images");
      sample.images.forEach((image, i) => images.append(imageWithRegions(image, i, sample.regions, { onRegionHover: (r) => this.highlightRegion(r) })));
      images.append(legend());
      this.element.append(section("Image", images));
    }
    const body = el("div", "completion-row");
    body.append(this.completionSection(sample), this.breakdown(sample));
    this.element.append(body);
  }

  showError(message: string): void {
    clear(this.element);
    this.element.append(el("p", "error-text", message));
  }

  private header(sample: SampleDetail): HTMLElement {
    const header = el("div", "sample-header");
    const title = el("h2", undefined, sample.id);
    const facts = [sample.group ? `group ${sample.group}` : "", sample.step !== undefined ? `step ${sample.step}` : "", `line ${sample.line}`].filter(Boolean).join(" · ");
    const reveal = document.createElement("vscode-button");
    reveal.setAttribute("secondary", "");
    reveal.textContent = "Show line in editor";
    reveal.addEventListener("click", () => this.callbacks.revealLine(sample.index));
    const edit = document.createElement("vscode-button");
    edit.className = "edit-completion";
    edit.textContent = "Edit completion (what-if)";
    edit.title = "Edit the completion in an editor and watch the rewards re-score as you type. The trace file is never changed.";
    edit.addEventListener("click", () => this.callbacks.editCompletion(sample.index));
    const copy = document.createElement("vscode-button");
    copy.setAttribute("secondary", "");
    copy.textContent = "Copy JSON";
    copy.title = "Copy this sample's line, as it stands in the file, to the clipboard";
    copy.addEventListener("click", () => this.callbacks.copySample(sample.index));
    const math = document.createElement("vscode-checkbox") as HTMLElement & { checked: boolean };
    math.setAttribute("label", "typeset math");
    math.title = "Render LaTeX in the prompt and the completion with KaTeX (the raw text is what the rewards score)";
    math.checked = this.math;
    math.addEventListener("change", () => {
      this.math = math.checked;
      this.callbacks.mathChanged(this.math);
      if (this.sample) this.show(this.sample);
    });
    const pin = document.createElement("vscode-button");
    pin.setAttribute("secondary", "");
    pin.textContent = "Add as test case";
    pin.title = "Pin this sample in a reward's examples with the score it gets now (rewardlab test and the Test Explorer then check it)";
    pin.addEventListener("click", () => this.callbacks.addExample(sample.index));
    header.append(title, el("span", "facts", facts), edit, reveal, copy, pin, math);
    return header;
  }

  private completionSection(sample: SampleDetail): HTMLElement {
    const channels = [...sample.channels, "none"];
    this.channel = channels.includes(this.preferred) ? this.preferred : channels[0];
    const picker = document.createElement("vscode-single-select") as HTMLElement & { value: string };
    picker.className = "channel-picker";
    picker.setAttribute("aria-label", "Colour by");
    for (const channel of channels) {
      const option = document.createElement("vscode-option");
      option.setAttribute("value", channel);
      option.textContent = CHANNEL_LABELS[channel] ?? channel;
      if (channel === this.channel) option.setAttribute("selected", "");
      picker.append(option);
    }
    picker.addEventListener("change", () => {
      this.channel = picker.value;
      this.preferred = picker.value;
      this.callbacks.channelChanged(this.channel);
      this.redrawCompletion();
    });
    const bar = el("div", "completion-bar");
    bar.append(el("span", "label", "Colour by"), picker);
    const container = el("div", "completion-container");
    const wrapper = section("Completion", bar, container);
    this.drawCompletion(container, sample);
    return wrapper;
  }

  private redrawCompletion(): void {
    const container = this.element.querySelector(".completion-container");
    if (container && this.sample) this.drawCompletion(container as HTMLElement, this.sample);
  }

  private drawCompletion(container: HTMLElement, sample: SampleDetail): void {
    this.rendered?.cancel();
    clear(container);
    this.rendered = renderCompletion(sample, this.channel);
    this.rendered.element.addEventListener("mouseover", (event) => {
      const step = (event.target as HTMLElement).dataset?.step;
      this.highlightStep(step === undefined ? null : Number(step));
    });
    this.rendered.element.addEventListener("mouseleave", () => this.highlightStep(null));
    container.append(this.rendered.legend, this.rendered.element);
    if (this.math && hasMath(sample.completion)) {
      container.append(el("h4", "typeset-label", "Typeset (the raw text above is what the rewards score)"), renderMath(sample.completion, "div", "completion completion-math"));
    }
  }

  private breakdown(sample: SampleDetail): HTMLElement {
    const table = el("table", "breakdown");
    const row = (name: string, value: string, className?: string) => {
      const tr = el("tr", className);
      tr.append(el("th", undefined, name), el("td", undefined, value));
      table.append(tr);
    };
    if (sample.error) row("error", sample.error, "error-text");
    for (const [name, value] of Object.entries(sample.rewards)) row(name, formatScore(value));
    row("total", formatScore(sample.total), "total");
    row("advantage", formatScore(sample.advantage, true));
    row("length", String(sample.length));
    if (sample.answer !== undefined) row("answer (truth)", sample.answer);
    row("answer (predicted)", sample.predictedAnswer ?? "none found");
    const scored = Object.keys(sample.stepScores).length > 0;
    const steps = el("ol", "steps");
    for (const step of sample.steps) {
      const item = el("li", undefined, `${sample.completion.slice(step.span.start, step.span.end).slice(0, 60)}${step.span.end - step.span.start > 60 ? "…" : ""}`);
      // Without a process reward the score is the label itself: shown once, as the label.
      if (typeof step.score === "number" && (scored || step.label === undefined)) item.append(el("span", "step-score", ` ${formatScore(step.score)}`));
      if (step.label !== undefined) item.append(stepLabel(step.label));
      item.addEventListener("mouseenter", () => this.highlightStep(step.index));
      item.addEventListener("mouseleave", () => this.highlightStep(null));
      steps.append(item);
    }
    return section("Rewards", table, el("h4", undefined, `Steps (${sample.steps.length})`), steps);
  }

  /** Highlights the text of step `step` and the regions it mentions. */
  private highlightStep(step: number | null): void {
    this.element.querySelectorAll(".hl").forEach((node) => node.classList.remove("hl"));
    if (step === null || !this.sample) return;
    const span = this.sample.steps[step]?.span;
    if (!span) return;
    this.element.querySelectorAll(`.seg[data-step="${step}"]`).forEach((node) => node.classList.add("hl"));
    this.sample.regions.forEach((region, i) => {
      if (region.span && region.span.start >= span.start && region.span.end <= span.end) {
        this.element.querySelectorAll(`.region[data-region="${i}"]`).forEach((node) => node.classList.add("hl"));
      }
    });
  }

  /** Highlights region `regionIndex` and the text that mentions it. */
  private highlightRegion(regionIndex: number | null): void {
    this.element.querySelectorAll(".hl").forEach((node) => node.classList.remove("hl"));
    if (regionIndex === null) return;
    this.element.querySelectorAll(`[data-region="${regionIndex}"]`).forEach((node) => node.classList.add("hl"));
  }
}

function section(title: string, ...children: HTMLElement[]): HTMLElement {
  const wrapper = el("section", "panel-section");
  wrapper.append(el("h3", undefined, title), ...children);
  return wrapper;
}

/** A step's label in the data: +1 correct, 0 neutral, -1 wrong. */
function stepLabel(label: number): HTMLElement {
  const kind = label > 0 ? "good" : label < 0 ? "bad" : "neutral";
  const chip = el("span", `step-label ${kind}`, label > 0 ? "+1" : label < 0 ? "−1" : "0");
  chip.title = `Labelled ${label > 0 ? "correct" : label < 0 ? "wrong" : "neutral"} in the data`;
  return chip;
}

function legend(): HTMLElement {
  const box = el("div", "legend");
  box.append(el("span", "swatch truth"), el("span", undefined, "ground truth"), el("span", "swatch predicted"), el("span", undefined, "predicted (IoU with truth)"));
  return box;
}
