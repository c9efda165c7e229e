/**
 * KaTeX and its stylesheet, a script of their own (dist/webview/traceViewerKatex.js, ~300 KB) that
 * the trace viewer loads when it first typesets math (math.ts `loadKatex`), so that the viewer's own
 * script, which lists the samples, is a third of the size and starts sooner.
 */
import katex from "katex";
import css from "katex/dist/katex.min.css";
import { KATEX_GLOBAL, type KatexModule } from "./katexModule";

const module: KatexModule = { render: (tex, element, options) => katex.render(tex, element, options), css };
(globalThis as Record<string, unknown>)[KATEX_GLOBAL] = module;
