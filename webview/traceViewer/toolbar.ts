/** Sort, filter and search controls above the sample list; calls back with a new query on every change. */
import type { RowQuery, SortKey } from "../../src/protocol/traceViewer";
import { el } from "./dom";

type ValueElement = HTMLElement & { value: string };
type CheckElement = HTMLElement & { checked: boolean };

const BASE_KEYS: [SortKey, string][] = [["index", "file order"], ["total", "total"], ["advantage", "advantage"], ["length", "length"], ["error", "errors"]];

export class Toolbar {
  readonly element = el("div", "toolbar");
  private readonly sortKey = select("Sort by");
  private readonly direction = document.createElement("vscode-button");
  private readonly search = document.createElement("vscode-textfield") as ValueElement;
  private readonly errorsOnly = document.createElement("vscode-checkbox") as CheckElement;
  private readonly changedOnly = document.createElement("vscode-checkbox") as CheckElement;
  private readonly rangeKey = select("Filter by");
  private readonly min = document.createElement("vscode-textfield") as ValueElement;
  private readonly max = document.createElement("vscode-textfield") as ValueElement;
  private descending = false;
  private rewardNames: string[] = [];

  private readonly exportButton = document.createElement("vscode-button");

  constructor(
    private readonly changed: (query: RowQuery) => void,
    /** "Export…": writes the samples the query keeps, in its order, to a new trace file. */
    exportSamples: (query: RowQuery) => void,
  ) {
    this.direction.setAttribute("secondary", "");
    this.direction.title = "Sort direction";
    this.direction.addEventListener("click", () => {
      this.descending = !this.descending;
      this.updateDirection();
      this.emit();
    });
    this.updateDirection();
    this.search.className = "search-field";
    this.search.setAttribute("placeholder", "Search: words, type:locate, accuracy<1, -word");
    this.search.setAttribute("aria-label", "Search samples");
    this.search.title = [
      "All terms must hold (Ctrl+F focuses this box):",
      "  carry, \"two words\"   text in the prompt, completion, answer, id or group",
      "  type:locate            a meta field contains (or id:, group:, step:)",
      "  difficulty=3           a field equals",
      "  accuracy<1, total>=2   a reward, total, advantage, length or numeric meta field",
      "  -word, -type:count     not",
    ].join("\n");
    this.exportButton.setAttribute("secondary", "");
    this.exportButton.textContent = "Export…";
    this.exportButton.title = "Save the samples shown (this filter and order) as a trace file";
    this.exportButton.addEventListener("click", () => exportSamples(this.query()));
    this.errorsOnly.setAttribute("label", "errors only");
    this.changedOnly.setAttribute("label", "changed by last edit");
    this.changedOnly.title = "Only samples whose rewards the last save of a reward file changed (before → after in the list)";
    for (const field of [this.min, this.max]) {
      field.setAttribute("type", "number");
      field.className = "range-field";
    }
    this.min.setAttribute("placeholder", "min");
    this.max.setAttribute("placeholder", "max");
    this.min.setAttribute("aria-label", "Minimum");
    this.max.setAttribute("aria-label", "Maximum");
    let debounce = 0;
    const later = () => {
      clearTimeout(debounce);
      debounce = window.setTimeout(() => this.emit(), 200);
    };
    this.search.addEventListener("input", later);
    this.min.addEventListener("input", later);
    this.max.addEventListener("input", later);
    this.sortKey.addEventListener("change", () => this.emit());
    this.rangeKey.addEventListener("change", () => this.emit());
    this.errorsOnly.addEventListener("change", () => this.emit());
    this.changedOnly.addEventListener("change", () => this.emit());
    const sortGroup = el("div", "toolbar-group");
    sortGroup.append(el("span", "label", "Sort"), this.sortKey, this.direction);
    const filterGroup = el("div", "toolbar-group");
    filterGroup.append(el("span", "label", "Filter"), this.rangeKey, this.min, this.max);
    const searchGroup = el("div", "toolbar-group");
    searchGroup.append(this.search, this.errorsOnly, this.changedOnly, this.exportButton);
    this.element.append(sortGroup, filterGroup, searchGroup);
    this.setRewardNames([]);
  }

  /** Offers the file's rewards as sort and filter keys (keeps the current choices). */
  setRewardNames(names: string[]): void {
    if (names.join("\n") === this.rewardNames.join("\n") && this.sortKey.childElementCount > 0) return;
    this.rewardNames = names;
    const keys: [SortKey, string][] = [...BASE_KEYS, ...names.map((name): [SortKey, string] => [`reward:${name}`, `reward: ${name}`])];
    fill(this.sortKey, keys, this.sortKey.value || "index");
    fill(this.rangeKey, [["" as SortKey, "(no range)"], ...keys.filter(([key]) => key !== "index" && key !== "error")], this.rangeKey.value || "");
  }

  /** A column header was clicked: sort by `key`, flipping the direction when it is already the key. */
  sortBy(key: SortKey): void {
    if ((this.sortKey.value || "index") === key) this.descending = !this.descending;
    else {
      this.sortKey.value = key;
      this.descending = false;
    }
    this.updateDirection();
    this.emit();
  }

  /** Puts the cursor in the search box (Ctrl+F / Cmd+F anywhere in the viewer). */
  focusSearch(): void {
    this.search.focus();
  }

  /** Escape in the search field hands the keyboard to `target` (the sample list). */
  escapeTo(target: HTMLElement): void {
    this.search.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        target.focus();
      }
    });
  }

  /**
   * Ticks or clears "changed by last edit" (the caller re-queries). Ticking it clears the search,
   * "errors only" and the range: "Show Changed Samples" means all of them.
   */
  setChangedOnly(on: boolean): void {
    this.changedOnly.checked = on;
    if (!on) return;
    this.search.value = "";
    this.errorsOnly.checked = false;
    this.rangeKey.value = "";
    this.min.value = "";
    this.max.value = "";
  }

  query(): RowQuery {
    const number = (field: ValueElement) => (field.value.trim() === "" || Number.isNaN(Number(field.value)) ? undefined : Number(field.value));
    const rangeKey = this.rangeKey.value as SortKey | "";
    return {
      sort: { key: (this.sortKey.value || "index") as SortKey, descending: this.descending },
      filter: {
        search: this.search.value || undefined,
        errorsOnly: this.errorsOnly.checked || undefined,
        changedOnly: this.changedOnly.checked || undefined,
        range: rangeKey ? { key: rangeKey, min: number(this.min), max: number(this.max) } : undefined,
      },
    };
  }

  private updateDirection(): void {
    this.direction.textContent = this.descending ? "↓ high first" : "↑ low first";
  }

  private emit(): void {
    this.changed(this.query());
  }
}

function select(label: string): ValueElement {
  const element = document.createElement("vscode-single-select") as ValueElement;
  element.setAttribute("aria-label", label);
  return element;
}

function fill(element: ValueElement, options: [string, string][], value: string): void {
  element.replaceChildren(
    ...options.map(([key, label]) => {
      const option = document.createElement("vscode-option");
      option.setAttribute("value", key);
      option.textContent = label;
      if (key === value) option.setAttribute("selected", "");
      return option;
    }),
  );
}
