/**
 * Colour scales for the completion's channels. Diverging (red below, green above) for rewards and
 * advantages; sequential for log-prob (unlikely tokens red) and entropy (uncertain tokens orange).
 * Translucent, so the editor's foreground stays readable in light and dark themes.
 */
const GREEN = "63, 185, 80";
const RED = "248, 81, 73";
const ORANGE = "219, 109, 40";
const MAX_ALPHA = 0.55;

export type Scale = (value: number) => string | undefined;

/** A scale for `channel` fitted to the values one sample has for it. */
export function scaleFor(channel: string, values: readonly number[]): Scale {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return () => undefined;
  if (channel === "logprob") return (v) => rgba(RED, 1 - Math.exp(Math.min(0, v)));
  if (channel === "entropy") {
    const max = Math.max(...finite, 1e-9);
    return (v) => rgba(ORANGE, v / max);
  }
  // Process scores in [0, 1] are centred on 0.5; anything else (advantages, -1/0/+1 labels) on 0.
  const unit = finite.every((v) => v >= 0 && v <= 1) && channel === "process";
  const centre = unit ? 0.5 : 0;
  const spread = unit ? 0.5 : Math.max(...finite.map((v) => Math.abs(v)), 1e-9);
  return (v) => {
    const t = Math.max(-1, Math.min(1, (v - centre) / spread));
    return t >= 0 ? rgba(GREEN, t) : rgba(RED, -t);
  };
}

function rgba(rgb: string, strength: number): string | undefined {
  const alpha = Math.max(0, Math.min(1, strength)) * MAX_ALPHA;
  return alpha < 0.03 ? undefined : `rgba(${rgb}, ${alpha.toFixed(3)})`;
}
