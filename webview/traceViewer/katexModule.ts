/** What the KaTeX script (katexBundle.ts) hands the trace viewer (math.ts), through one global. */
export const KATEX_GLOBAL = "__rewardlabKatex";

export interface KatexOptions {
  throwOnError: boolean;
  trust: boolean;
  strict: "ignore";
  maxExpand: number;
  maxSize: number;
  output: "htmlAndMathml";
  displayMode?: boolean;
}

export interface KatexModule {
  render(tex: string, element: HTMLElement, options: KatexOptions): void;
  /** KaTeX's stylesheet (its font URLs relative to the stylesheet: mathText.ts `katexStyles` points them at ours). */
  css: string;
}
