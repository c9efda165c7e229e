/** The warnings panel: reward-hacking signatures found in the run's metrics, one sentence each. */
import type { DashboardWarning } from "../../src/protocol/dashboard";
import { clear, el } from "../traceViewer/dom";

export class WarningsPanel {
  readonly element = el("section", "warnings");
  private selected: string | undefined;

  /** `select` gets the warning clicked (or undefined when it is clicked again, to clear). */
  constructor(private readonly select: (warning: DashboardWarning | undefined) => void) {}

  show(warnings: DashboardWarning[]): void {
    clear(this.element);
    if (warnings.length === 0) {
      this.element.append(el("div", "no-warnings", "No reward-hacking signatures so far (reward vs held-out accuracy, response length, lone reward components, entropy)."));
      return;
    }
    for (const warning of warnings) {
      const item = el("div", "warning");
      item.dataset.kind = warning.kind;
      item.tabIndex = 0;
      // One flowing paragraph per warning keeps four of them to a few lines above the charts.
      item.append(
        el("span", "warning-icon", "⚠ "),
        el("strong", "warning-title", warning.title),
        el("span", "facts", ` · steps ${warning.fromStep}–${warning.toStep} · `),
        el("span", "warning-message", warning.message),
      );
      const toggle = () => {
        const again = this.selected === warning.kind;
        this.selected = again ? undefined : warning.kind;
        for (const other of this.element.querySelectorAll(".warning")) other.classList.toggle("selected", !again && other === item);
        this.select(again ? undefined : warning);
      };
      item.addEventListener("click", toggle);
      item.addEventListener("keydown", (event) => (event.key === "Enter" || event.key === " ") && toggle());
      this.element.append(item);
    }
  }
}
