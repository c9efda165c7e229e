import assert from "node:assert/strict";
import { test } from "node:test";
import { hasMath, katexStyles, splitMath } from "../../webview/traceViewer/mathText";

const shape = (text: string) => splitMath(text).map((p) => (p.kind === "text" ? p.text : `[${p.display ? "D" : "I"}:${p.tex}]`)).join("");

test("splitMath finds display and inline math and a bare \\boxed{}, and gives the text back whole", () => {
  const text = "So $x^2 = 4$, and \\(y\\) is\n$$\\frac{1}{2}$$ then \\[a+b\\]. The answer is \\boxed{\\frac{3}{4}}.";
  assert.equal(shape(text), "So [I:x^2 = 4], and [I:y] is\n[D:\\frac{1}{2}] then [D:a+b]. The answer is [I:\\boxed{\\frac{3}{4}}].");
  assert.equal(splitMath(text).map((p) => (p.kind === "text" ? p.text : p.source)).join(""), text);
});

test("dollar amounts, unclosed delimiters and unbalanced \\boxed stay text", () => {
  for (const text of ["It costs $5 and $10.", "a $ b $ c", "open $$ never closed", "\\boxed{1", "price: $3.50", "$ x$", "\\[\\]"]) {
    assert.equal(hasMath(text), false, text);
    assert.equal(shape(text), text);
  }
  assert.equal(shape("$a$5 and $b$"), "$a$5 and [I:b]", "a closing $ before a digit is a price");
  assert.equal(shape("$\\$5$"), "[I:\\$5]", "an escaped dollar inside math");
});

test("katexStyles points KaTeX's font URLs next to the viewer script", () => {
  const css = "@font-face{src:url(fonts/KaTeX_Main-Regular.woff2) format(\"woff2\")} a{src:url('fonts/x.woff2')}";
  assert.equal(
    katexStyles(css, "https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/traceViewer.js"),
    "@font-face{src:url(https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/katex-fonts/KaTeX_Main-Regular.woff2) format(\"woff2\")} a{src:url('https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/katex-fonts/x.woff2')}",
  );
});
