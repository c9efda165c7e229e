/**
 * Math in prompts and completions, typeset with KaTeX (mathText.ts finds it). Plain text goes in as
 * text nodes, math through `katex.render`, which builds DOM nodes (no HTML strings) with
 * `trust: false` (no \href, \url, \includegraphics, raw HTML) and caps on macro expansion and
 * sizes, so model output cannot run, link or blow up the page. A formula KaTeX cannot parse is
 * shown as its source, in the error colour.
 *
 * KaTeX is a script of its own (katexBundle.ts), loaded on first use with the page's nonce: until it
 * is there, each formula shows its source, then it is typeset in place.
 */
import { KATEX_GLOBAL, type KatexModule, type KatexOptions } from "./katexModule";
import { katexStyles, splitMath } from "./mathText";

export { hasMath } from "./mathText";

const OPTIONS: KatexOptions = { throwOnError: false, trust: false, strict: "ignore", maxExpand: 500, maxSize: 20, output: "htmlAndMathml" };
/** The viewer's own script (read while it first runs): KaTeX's script and fonts sit next to it. */
const viewerScript = document.currentScript as HTMLScriptElement | null;
let katex: KatexModule | undefined;
let loading: Promise<KatexModule> | undefined;

/** Loads KaTeX and its stylesheet (once); the viewer calls it early, when it is idle, so that math is typeset at once later. */
export function loadKatex(): Promise<KatexModule> {
  loading ??= new Promise<KatexModule>((resolve, reject) => {
    if (!viewerScript?.src) return reject(new Error("the viewer's script address is unknown"));
    const script = document.createElement("script");
    // The page's CSP runs scripts with its nonce only.
    script.nonce = document.getElementById("app")?.dataset.nonce ?? viewerScript.nonce;
    script.src = new URL("traceViewerKatex.js", viewerScript.src).toString();
    script.onload = () => {
      const module = (globalThis as Record<string, unknown>)[KATEX_GLOBAL] as KatexModule | undefined;
      if (!module) return reject(new Error("KaTeX did not load"));
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(katexStyles(module.css, viewerScript.src));
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      katex = module;
      resolve(module);
    };
    script.onerror = () => reject(new Error("KaTeX did not load"));
    document.head.append(script);
  });
  return loading;
}

/** `text` with its math typeset, as a new element of the given tag and class (the formulas' sources until KaTeX is loaded). */
export function renderMath(text: string, tag: "pre" | "div", className: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = `${className} math-rendered`;
  const waiting: [HTMLElement, string, boolean][] = [];
  for (const piece of splitMath(text)) {
    if (piece.kind === "text") {
      element.append(document.createTextNode(piece.text));
      continue;
    }
    const span = document.createElement("span");
    span.className = piece.display ? "math display" : "math";
    span.title = piece.source;
    if (katex) typeset(katex, span, piece.tex, piece.display);
    else {
      span.textContent = piece.source;
      waiting.push([span, piece.tex, piece.display]);
    }
    element.append(span);
  }
  if (waiting.length > 0) {
    loadKatex().then(
      (module) => waiting.forEach(([span, tex, display]) => typeset(module, span, tex, display)),
      () => waiting.forEach(([span]) => span.classList.add("math-error")),
    );
  }
  return element;
}

function typeset(module: KatexModule, span: HTMLElement, tex: string, display: boolean): void {
  try {
    span.textContent = "";
    module.render(tex, span, { ...OPTIONS, displayMode: display });
  } catch {
    span.textContent = span.title;
    span.classList.add("math-error");
  }
}
