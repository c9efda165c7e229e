/**
 * Math in prompts and completions, typeset with KaTeX (mathText.ts finds it). Plain text goes in as
 * text nodes, math through `katex.render`, which builds DOM nodes (no HTML strings) with
 * `trust: false` (no \href, \url, \includegraphics, raw HTML) and caps on macro expansion and
 * sizes, so model output cannot run, link or blow up the page. A formula KaTeX cannot parse is
 * shown as its source, in the error colour.
 */
import katex from "katex";
import { splitMath } from "./mathText";

export { hasMath, katexStyles } from "./mathText";

const OPTIONS: katex.KatexOptions = { throwOnError: false, trust: false, strict: "ignore", maxExpand: 500, maxSize: 20, output: "htmlAndMathml" };

/** `text` with its math typeset, as a new element of the given tag and class. */
export function renderMath(text: string, tag: "pre" | "div", className: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = `${className} math-rendered`;
  for (const piece of splitMath(text)) {
    if (piece.kind === "text") {
      element.append(document.createTextNode(piece.text));
      continue;
    }
    const span = document.createElement("span");
    span.className = piece.display ? "math display" : "math";
    span.title = piece.source;
    try {
      katex.render(piece.tex, span, { ...OPTIONS, displayMode: piece.display });
    } catch {
      span.textContent = piece.source;
      span.classList.add("math-error");
    }
    element.append(span);
  }
  return element;
}
