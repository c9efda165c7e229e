/** What the KaTeX script (katexBundle.ts) hands the trace viewer (math.ts), through one global. */
import type { KatexOptions } from "katex";

export type { KatexOptions };

export const KATEX_GLOBAL = "__rewardlabKatex";

export interface KatexModule {
  render(tex: string, element: HTMLElement, options: KatexOptions): void;
  /** KaTeX's stylesheet (its font URLs relative to the stylesheet: mathText.ts `katexStyles` points them at ours). */
  css: string;
}
