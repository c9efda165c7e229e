/**
 * Where the math is in a prompt or completion: `$$…$$`, `\[…\]`, `\(…\)`, `$…$`, and a bare
 * `\boxed{…}`, which math completions write outside any delimiters. Pure (no DOM): math.ts typesets.
 */

export type MathPiece = { kind: "text"; text: string } | { kind: "math"; tex: string; display: boolean; source: string };

/** Pandoc's rule for `$`: opens before a non-space, closes after a non-space and not before a digit ("$5 and $10" stays text). */
const INLINE_DOLLAR = /\$(?=\S)((?:[^$\\\n]|\\[\s\S])+?)(?<=\S)\$(?!\d)/y;

/** The end (exclusive) of the brace group opening at `open`, or -1 when it never closes. */
function braceEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  return -1;
}

/** Cuts `text` into plain text and math, in order; joining the pieces' text/source gives `text` back. */
export function splitMath(text: string): MathPiece[] {
  const pieces: MathPiece[] = [];
  let plain = "";
  const flush = () => {
    if (plain) pieces.push({ kind: "text", text: plain });
    plain = "";
  };
  const math = (source: string, tex: string, display: boolean) => {
    flush();
    pieces.push({ kind: "math", tex, display, source });
  };
  let i = 0;
  const at = (prefix: string, position: number) => text.startsWith(prefix, position);
  while (i < text.length) {
    let matched = false;
    for (const [open, close, display] of [["$$", "$$", true], ["\\[", "\\]", true], ["\\(", "\\)", false]] as const) {
      if (!at(open, i)) continue;
      const end = text.indexOf(close, i + open.length);
      if (end > i + open.length) {
        math(text.slice(i, end + close.length), text.slice(i + open.length, end), display);
        i = end + close.length;
        matched = true;
      }
      break;
    }
    if (matched) continue;
    if (text[i] === "$") {
      INLINE_DOLLAR.lastIndex = i;
      const found = INLINE_DOLLAR.exec(text);
      if (found) {
        math(found[0], found[1], false);
        i += found[0].length;
        continue;
      }
    }
    if (at("\\boxed{", i)) {
      const end = braceEnd(text, i + "\\boxed".length);
      if (end > 0) {
        math(text.slice(i, end), text.slice(i, end), false);
        i = end;
        continue;
      }
    }
    plain += text[i];
    i++;
  }
  flush();
  return pieces;
}

/** True when `text` has anything splitMath would typeset. */
export function hasMath(text: string): boolean {
  return splitMath(text).some((piece) => piece.kind === "math");
}

/**
 * KaTeX's stylesheet with its font URLs pointing at the fonts the build copies next to the viewer's
 * script (dist/webview/katex-fonts), which the page's CSP allows (font-src: the extension).
 */
export function katexStyles(css: string, scriptSrc: string): string {
  const fonts = new URL("katex-fonts/", scriptSrc).toString();
  return css.replace(/url\((["']?)fonts\//g, (_m, quote: string) => `url(${quote}${fonts}`);
}
