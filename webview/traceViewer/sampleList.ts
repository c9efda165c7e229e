/**
 * The virtualised sample list: only the rows in view exist in the DOM, and rows are fetched from
 * the host a page at a time for the current query (sort + filter), so a 100k-sample file scrolls
 * like a 100-sample one.
 */
import { isFileOrder, type RowQuery, type SampleRow, type SortKey } from "../../src/protocol/traceViewer";
import { clear, el, formatScore } from "./dom";

const ROW_HEIGHT = 24;
const PAGE = 100;
const OVERSCAN = 10;

export interface ListCallbacks {
  /** Asks the host for rows [start, start+count) of `query`; the reply goes to `receive`. */
  fetch(requestId: number, query: RowQuery, start: number, count: number): void;
  requestId(): number;
  select(row: SampleRow): void;
  /** A column header was clicked: sort by its key (the same key again flips the direction). */
  sortBy(key: SortKey): void;
}

/** The fixed numeric columns, before one column per reward. */
const FIXED_COLUMNS: [SortKey, string, string][] = [
  ["total", "total", "Weighted total of the rewards"],
  ["advantage", "adv", "Advantage: the trainer's, or the group-normalised total"],
  ["length", "len", "Completion length (tokens, or characters without tokens)"],
];

export class SampleList {
  readonly element = el("div", "sample-list");
  private readonly viewport = el("div", "list-viewport");
  private readonly spacer = el("div", "list-spacer");
  private readonly status = el("div", "list-status");
  private readonly headerRow = el("div", "list-row list-header");
  private rewardNames: string[] = [];
  private note: string | undefined;
  private query: RowQuery = { sort: { key: "index", descending: false }, filter: {} };
  private total = 0;
  private readonly pages = new Map<number, SampleRow[]>();
  /** Pages requested and not yet answered, by request id. */
  private readonly pending = new Map<number, number>();
  private selectedIndex: number | undefined;
  /** Position in the current order of the selected sample, when known. */
  private selectedPosition: number | undefined;
  private frame = 0;
  /** A sample to scroll to once its row is loaded (focus from the host). */
  private revealIndex: number | undefined;

  constructor(private readonly callbacks: ListCallbacks) {
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute("role", "listbox");
    this.viewport.setAttribute("aria-label", "Samples");
    // The header lives in the scrolling viewport (sticky) so it scrolls sideways with the columns.
    this.viewport.append(this.headerRow, this.spacer);
    this.element.append(this.viewport, this.status);
    this.renderHeader();
    this.viewport.addEventListener("scroll", () => this.scheduleRender());
    this.viewport.addEventListener("keydown", (event) => this.onKey(event));
    new ResizeObserver(() => this.scheduleRender()).observe(this.viewport);
  }

  /** Starts over with a new query (or the same query after a re-score). */
  setQuery(query: RowQuery): void {
    this.query = query;
    this.pages.clear();
    this.pending.clear();
    this.selectedPosition = undefined;
    this.viewport.scrollTop = 0;
    if (query.filter.search?.trim()) this.status.textContent = "Searching…";
    this.renderHeader();
    this.fetchPage(0);
  }

  /** The element that takes the list's keys (arrows, Page Up / Down, Home / End). */
  get keyboardTarget(): HTMLElement {
    return this.viewport;
  }

  /**
   * Lists `rows` (the file's first, in file order) without asking the host, when `query` is file
   * order with nothing filtered; false (nothing done) otherwise.
   */
  preload(query: RowQuery, total: number, rows: SampleRow[], note: string): boolean {
    if (!isFileOrder(query)) return false;
    this.query = query;
    this.pages.clear();
    this.pending.clear();
    this.renderHeader();
    this.receiveRows(total, 0, rows, note);
    return true;
  }

  /** Fetches the visible rows again, keeping the scroll position (more of the file was read). */
  refresh(): void {
    this.pages.clear();
    this.pending.clear();
    this.fetchPage(Math.floor(Math.floor(this.viewport.scrollTop / ROW_HEIGHT) / PAGE));
  }

  /** One column per reward (the file's reward names, sorted). */
  setColumns(rewardNames: string[]): void {
    if (rewardNames.join("\n") === this.rewardNames.join("\n")) return;
    this.rewardNames = rewardNames;
    this.renderHeader();
    this.scheduleRender();
  }

  get currentQuery(): RowQuery {
    return this.query;
  }

  /** A reply from the host; replies to older queries are ignored. */
  receive(requestId: number, total: number, start: number, rows: SampleRow[], note?: string): void {
    if (!this.pending.has(requestId)) return;
    this.pending.delete(requestId);
    this.receiveRows(total, start, rows, note);
  }

  private receiveRows(total: number, start: number, rows: SampleRow[], note?: string): void {
    this.total = total;
    this.note = note;
    const page = Math.floor(start / PAGE);
    this.pages.set(page, rows);
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    this.locateSelection(page, rows);
    if (this.keyTarget !== undefined && Math.floor(this.keyTarget / PAGE) === page) this.moveTo(Math.min(this.keyTarget, total - 1));
    this.status.textContent = `${total.toLocaleString("en-US")} sample${total === 1 ? "" : "s"}${this.note ? ` · ${this.note}` : ""}`;
    this.status.classList.toggle("has-note", this.note !== undefined);
    this.scheduleRender();
  }

  /**
   * Marks sample `index` selected. With `reveal`, scrolls to it as soon as its row is loaded
   * (now, or when a later page arrives); without, the user's scroll position is left alone.
   */
  markSelected(index: number, reveal = false): void {
    this.selectedIndex = index;
    this.revealIndex = reveal ? index : undefined;
    for (const [page, rows] of this.pages) this.locateSelection(page, rows);
    this.scheduleRender();
  }

  /** Notes where the selected sample sits in the current order and scrolls there when a reveal is pending. */
  private locateSelection(page: number, rows: SampleRow[]): void {
    if (this.selectedIndex === undefined) return;
    const at = rows.findIndex((row) => row.index === this.selectedIndex);
    if (at < 0) return;
    this.selectedPosition = page * PAGE + at;
    if (this.revealIndex === this.selectedIndex) {
      this.scrollIntoView(this.selectedPosition);
      this.revealIndex = undefined;
    }
  }

  /** The column headers; each sorts the list by its value (▲ low first, ▼ high first). */
  private renderHeader(): void {
    const { key: sorted, descending } = this.query.sort;
    const columns: [SortKey, string, string][] = [["index", "sample", "File order"], ...FIXED_COLUMNS, ...this.rewardNames.map((name): [SortKey, string, string] => [`reward:${name}`, name, `Reward "${name}"`])];
    this.headerRow.replaceChildren(
      ...columns.map(([key, label, title]) => {
        const cell = el("button", key === "index" ? "col-id" : "col-num", label);
        cell.type = "button";
        cell.title = `${title}. Click to sort.`;
        if (key === sorted) {
          cell.classList.add("sorted");
          cell.textContent = `${label} ${descending ? "▼" : "▲"}`;
          cell.setAttribute("aria-sort", descending ? "descending" : "ascending");
        }
        cell.addEventListener("click", () => this.callbacks.sortBy(key));
        return cell;
      }),
    );
    this.element.style.setProperty("--reward-columns", String(this.rewardNames.length));
  }

  private fetchPage(page: number): void {
    if (this.pages.has(page) || [...this.pending.values()].includes(page)) return;
    const requestId = this.callbacks.requestId();
    this.pending.set(requestId, page);
    this.callbacks.fetch(requestId, this.query, page * PAGE, PAGE);
  }

  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.total, Math.ceil((this.viewport.scrollTop + this.viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    for (const child of [...this.spacer.children]) child.remove();
    const fragment = document.createDocumentFragment();
    for (let position = first; position < last; position++) {
      const page = Math.floor(position / PAGE);
      const row = this.pages.get(page)?.[position % PAGE];
      if (!row) {
        this.fetchPage(page);
        continue;
      }
      fragment.append(this.rowElement(row, position));
    }
    this.spacer.append(fragment);
  }

  private rowElement(row: SampleRow, position: number): HTMLElement {
    const item = el("div", "list-row");
    item.style.top = `${position * ROW_HEIGHT}px`;
    item.setAttribute("role", "option");
    item.dataset.index = String(row.index);
    if (row.index === this.selectedIndex) {
      item.classList.add("selected");
      item.setAttribute("aria-selected", "true");
    }
    if (row.error) item.classList.add("has-error");
    const adv = el("span", "col-num", formatScore(row.advantage, true));
    if (row.advantage !== null) adv.classList.add(row.advantage >= 0 ? "positive" : "negative");
    const id = el("span", "col-id", row.id);
    id.title = `${row.id}${row.group ? ` · group ${row.group}` : ""} · line ${row.line}${row.error ? `\n⚠ ${row.error}` : ""}`;
    item.append(id, el("span", "col-num", formatScore(row.total)), adv, el("span", "col-num", String(row.length)));
    if (row.changed) item.classList.add("changed");
    for (const name of this.rewardNames) {
      const value = row.rewards[name];
      const change = row.changed?.[name];
      const cell = el("span", change ? "col-num changed-value" : "col-num", change ? `${formatScore(change[0])}→${formatScore(value)}` : name in row.rewards ? formatScore(value) : "");
      cell.title = `${name}: ${value === null ? "null (does not apply)" : name in row.rewards ? String(value) : "not scored"}${change ? ` (was ${change[0] === null ? "null" : change[0]} before the last edit)` : ""}`;
      item.append(cell);
    }
    if (row.error) {
      const error = el("span", "col-error", `⚠ ${row.error}`);
      error.title = row.error;
      item.append(error);
    }
    item.addEventListener("click", () => {
      this.selectedPosition = position;
      this.choose(row);
    });
    return item;
  }

  private choose(row: SampleRow): void {
    this.selectedIndex = row.index;
    this.callbacks.select(row);
    this.scheduleRender();
  }

  /**
   * Arrow keys move the selection one row, Page Up / Page Down one screenful, Home / End to the
   * first / last sample (its page is fetched first when it is not loaded).
   */
  private onKey(event: KeyboardEvent): void {
    const screen = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_HEIGHT) - 2);
    const from = this.selectedPosition ?? -1;
    const target: Record<string, number> = { ArrowDown: from + 1, ArrowUp: from - 1, PageDown: from + screen, PageUp: from - screen, Home: 0, End: this.total - 1 };
    if (!(event.key in target) || this.total === 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    this.moveTo(Math.max(0, Math.min(this.total - 1, target[event.key])));
  }

  /** Selects the sample at `position` in the current order, once its page is loaded. */
  private moveTo(position: number): void {
    const row = this.pages.get(Math.floor(position / PAGE))?.[position % PAGE];
    this.scrollIntoView(position);
    if (!row) {
      this.keyTarget = position;
      this.fetchPage(Math.floor(position / PAGE));
      return;
    }
    this.keyTarget = undefined;
    this.selectedPosition = position;
    this.choose(row);
  }

  /** Where a key press wanted the selection while that page was still being fetched. */
  private keyTarget: number | undefined;

  private scrollIntoView(position: number): void {
    const top = position * ROW_HEIGHT;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    // The sticky header (one row high) sits above the rows in the viewport.
    else if (top + 2 * ROW_HEIGHT > this.viewport.scrollTop + this.viewport.clientHeight) this.viewport.scrollTop = top + 2 * ROW_HEIGHT - this.viewport.clientHeight;
  }

  /** Empties the list (while the host is still reading the file). */
  reset(message: string): void {
    this.pages.clear();
    this.total = 0;
    this.spacer.style.height = "0";
    clear(this.spacer);
    this.status.textContent = message;
  }
}
