/** Scores as people read them: 2 decimals, "–" for null, an explicit sign where direction matters. */
export function formatScore(value: number | null | undefined, signed = false): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const text = value.toFixed(2);
  return signed && value > 0 ? `+${text}` : text;
}
