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

/** What a channel's colours mean for one sample: a gradient with its end values, for the legend. */
export interface ScaleLegend {
  /** CSS linear-gradient stops, left to right. */
  gradient: string;
  /** Labels under the left end, the middle (may be empty) and the right end. */
  labels: [string, string, string];
}

const full = (rgb: string): string => `rgba(${rgb}, ${MAX_ALPHA})`;
const fmt = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2));

/** The legend of `scaleFor(channel, values)`; null when the sample has no value to colour. */
export function legendFor(channel: string, values: readonly number[]): ScaleLegend | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  if (channel === "logprob") return { gradient: `transparent, ${full(RED)}`, labels: ["0 (sure)", "−0.7", "−3 and below (unlikely)"] };
  if (channel === "entropy") return { gradient: `transparent, ${full(ORANGE)}`, labels: ["0 (sure)", "", `${fmt(Math.max(...finite))} (most uncertain here)`] };
  const unit = finite.every((v) => v >= 0 && v <= 1) && channel === "process";
  const centre = unit ? 0.5 : 0;
  const spread = unit ? 0.5 : Math.max(...finite.map((v) => Math.abs(v)), 1e-9);
  return { gradient: `${full(RED)}, transparent, ${full(GREEN)}`, labels: [fmt(centre - spread), fmt(centre), fmt(centre + spread)] };
}
