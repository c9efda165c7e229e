/** Small text-formatting helpers for human CLI output. */
import { formatDuration } from "../rl/trainer/progress";

/** Formats a number for a table cell: up to 4 significant decimals, "-" for null. */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "-";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(2) : value.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
}

/** Left-aligned first column, right-aligned others. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/** A one-line progress indicator for interactive terminals (redrawn in place). */
export function progressLine(text: string): string {
  return `\r\x1b[2K${text}`;
}

/** `[#####.....] 12/100 ETA 1m20s <extra>` for a redrawn progress line. */
export function progressBar(done: number, total: number, elapsedSeconds: number, extra = "", width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  const eta = done > 0 ? (elapsedSeconds / done) * (total - done) : NaN;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ETA ${formatDuration(eta)}${extra ? `  ${extra}` : ""}`;
}

/** `text` broken at spaces into lines of at most `width` characters (help texts built from registries). */
export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join("\n");
}
