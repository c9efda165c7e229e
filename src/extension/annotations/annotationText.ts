/** Text of the inline annotations and hovers of a trace line. Pure: no vscode. */
import type { SampleRow } from "../../protocol/traceViewer";
import { formatScore } from "../views/format";

export type Verdict = "good" | "mid" | "bad" | "none";

/** "Σ 1.00 · format 1.00 · accuracy 0.00 · adv +0.87" (or just the total). */
export function annotationText(row: SampleRow, show: "total" | "all"): string {
  // Δ marks a line the last edit of the reward files changed; a changed reward shows before → after.
  const parts = [`${row.changed ? "Δ " : ""}Σ ${formatScore(row.total)}`];
  if (show === "all") {
    for (const [name, value] of Object.entries(row.rewards)) {
      const change = row.changed?.[name];
      parts.push(change ? `${name} ${formatScore(change[0])} → ${formatScore(value)}` : `${name} ${formatScore(value)}`);
    }
  }
  if (row.advantage !== null) parts.push(`adv ${formatScore(row.advantage, true)}`);
  if (row.error) parts.push(`⚠ ${row.error}`);
  return parts.join(" · ");
}

/**
 * Gutter colour of a line: by advantage when the sample has one (good = above its group's mean),
 * else by the total relative to the file's best total.
 */
export function verdict(row: SampleRow, bestTotal: number): Verdict {
  if (row.error) return "bad";
  if (row.advantage !== null) return row.advantage > 0.25 ? "good" : row.advantage < -0.25 ? "bad" : "mid";
  if (row.total === null) return "none";
  const ratio = bestTotal > 0 ? row.total / bestTotal : row.total > 0 ? 1 : 0;
  return ratio >= 0.75 ? "good" : ratio <= 0.25 ? "bad" : "mid";
}

/** Markdown table of a sample's rewards and per-step scores, for the hover. */
export function hoverMarkdown(row: SampleRow, stepScores: Record<string, (number | null)[]>): string {
  const lines = [`**${escapeMarkdown(row.id)}**${row.group ? ` · group ${escapeMarkdown(row.group)}` : ""}${row.step !== undefined ? ` · step ${row.step}` : ""}`, ""];
  if (row.error) lines.push(`$(error) ${escapeMarkdown(row.error)}`, "");
  lines.push("| reward | score |", "|---|---:|");
  for (const [name, value] of Object.entries(row.rewards)) lines.push(`| ${escapeMarkdown(name)} | ${formatScore(value)} |`);
  lines.push(`| **total** | **${formatScore(row.total)}** |`, `| advantage | ${formatScore(row.advantage, true)} |`);
  for (const [name, values] of Object.entries(stepScores)) {
    lines.push("", `Steps (${escapeMarkdown(name)}): ${values.map((v, i) => `${i + 1}: ${formatScore(v)}`).join(" · ")}`);
  }
  return lines.join("\n");
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, "\\$&");
}
