/**
 * Answer text made into LaTeX the engine parses: delimiters, spacing, units, degrees, percent,
 * thousands separators, mixed numbers, ratios, `\pm`, plain-text `sqrt(...)`. Part of the
 * Math-Verify judge (mathVerify.ts).
 */

const UNIT_WORDS = "(?:cm|mm|km|m|kg|g|mg|s|sec|seconds?|min|minutes?|h|hours?|days?|weeks?|years?|units?|sq(?:uare)?\\s*units?|meters?|metres?|inches|inch|feet|foot|ft|miles?|dollars?|cents?|degrees?|pounds?|lbs?|liters?|litres?|ml|l)";
const TEXT_UNIT = new RegExp(`\\\\(?:text|textnormal|mathrm|textbf|mbox)\\{\\s*${UNIT_WORDS}(?:\\^?\\{?[23]\\}?)?\\s*\\}(?:\\^\\{?[23]\\}?)?`, "gi");
const BARE_UNIT = new RegExp(`(\\d)\\s*${UNIT_WORDS}(?:\\^\\{?[23]\\}?)?\\s*$`, "i");

/** What an answer says besides its mathematics. */
export interface Normalised {
  latex: string;
  percent: boolean;
}

function stripMathDelimiters(s: string): string {
  return s.replace(/^\s*(\$\$?|\\\(|\\\[)/, "").replace(/(\$\$?|\\\)|\\\])\s*[.,;]?\s*$/, "").trim();
}

const PERCENT = /\s*(?:\\%|%|\\text\{\s*(?:percent(?:age)?|pct)\s*\}|(?<![a-z])(?:percent(?:age)?|pct))\s*$/i;

/**
 * LaTeX (or plain text) made parseable: delimiters, spacing, `\\left`/`\\right`, units, degrees,
 * percent, thousands, mixed numbers. Each rule runs only when the character it needs is there (a
 * backslash, `$`, `:`, `%`, a letter...): most answers need few of them, and this runs for every
 * candidate of every completion.
 */
export function normaliseMath(input: string): Normalised {
  let s = stripMathDelimiters(input.trim());
  const commands = s.includes("\\");
  if (commands) {
    // `\\le` written with a doubled backslash (escaped twice on the way) is `\le`.
    s = s.replace(/(?<!\\)\\\\(?=(?:le|ge|leq|geq|lt|gt|left|right|frac|dfrac|sqrt|cdot|pi|in|infty|cup)(?![a-zA-Z]))/g, "\\");
    s = s.replace(/\\begin\{array\}\{[^{}]*\}/g, "\\begin{pmatrix}").replace(/\\end\{array\}/g, "\\end{pmatrix}");
    s = s.replace(/,\\!\s*/g, ",");
    // `\bigl( \bigr)` stay: Math-Verify's parser cannot read them, and an answer written with them is
    // passed over for the next candidate there too.
    s = s.replace(/\\(?:displaystyle|textstyle|left|right)(?![a-zA-Z])/g, "");
  }
  if (commands || s.includes("~")) s = s.replace(/(?<!\\)\\[,;:! ]|~/g, " ").replace(/\\q?quad/g, ", ");
  if (commands) s = s.replace(/\\[dtc]frac/g, "\\frac");
  if (commands || s.includes("°")) s = s.replace(/\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree|°/g, "");
  // `x = 1/3 \approx 0.33` keeps the exact value; `x \approx 11` reads as `x = 11`.
  if (commands) s = /=[^=]*\\approx/.test(s) ? s.replace(/\\approx[\s\S]*$/, "") : s.replace(/\\approx/, "=");
  // Ratios of plain quantities: `7:32` is 7/32, `A:B` is A/B.
  if (s.includes(":")) s = s.replace(/(^|[=\s,(])([A-Za-z0-9]+(?:_\{?[A-Za-z0-9]+\}?)?)\s*:\s*([A-Za-z1-9][A-Za-z0-9]*(?:_\{?[A-Za-z0-9]+\}?)?)(?=$|[=\s,)])/g, "$1\\frac{$2}{$3}");
  if (commands) s = s.replace(TEXT_UNIT, "");
  let percent = false;
  // Inside a box too: `\boxed{28 percent}`.
  if (commands) s = s.replace(/\\boxed\{([^{}]*)\}/g, "$1");
  if (/[%pP]/.test(s)) {
    s = s.replace(PERCENT, () => {
      percent = true;
      return "";
    });
  }
  // Words joining answers become commas: `6 \text{ and } 8`, `(11,7) or (7,11)`.
  if (/and|or/.test(s)) s = s.replace(/\\text\{\s*(?:and|or)\s*\}|(?<=[\s)\]}\d])(?:and|or)(?=[\s($\\\d-])/g, ",");
  if (commands) s = s.replace(/\\(?:text|textnormal|mathrm|textbf|textit|mbox|operatorname)\{([^{}]*)\}/g, "$1");
  if (/[a-zA-Z²]/.test(s)) s = s.replace(BARE_UNIT, "$1").replace(/(\d)\s*(?:m|cm|km)²$/, "$1");
  if (s.includes("$")) s = s.replace(/\\\$|\$/g, "");
  s = s.replace(/(?<!\.)[.,;]\s*$/, "").trim();
  // Thousands: `1{,}000` anywhere; `1,000,000` and `1 000` when the answer is that one number (in a
  // list or an interval, `(12,102)`, the comma separates).
  if (s.includes("{,}")) s = s.replace(/(\d)\{,\}(?=\d{3})/g, "$1");
  const lone = /^([-+]?[1-9]\d{0,2}(?:(?:,| )\d{3})+(?:\.\d+)?)(\s+\d+\s*\/\s*\d+)?$/.exec(s);
  if (lone) s = lone[1].replace(/[, ]/g, "") + (lone[2] ?? "");
  // Mixed numbers: `4 4/9` is 4 + 4/9 (a proper fraction after a whole number, on one line).
  if (s.includes("/")) {
    s = s.replace(/(^|[^\d./])([-+]?)(\d+)[ \t]+(\d+)\s*\/\s*(\d+)(?![\d/])/g, (m, before: string, sign: string, whole: string, num: string, den: string) =>
      Number(num) < Number(den) ? `${before}${sign === "-" ? "-" : ""}\\frac{${Number(whole) * Number(den) + Number(num)}}{${den}}` : m,
    );
  }
  // `\pm a`: the two values.
  if (commands) s = s.replace(/^\\pm\s*(.+)$/, "\\{-($1), $1\\}");
  if (/[a-z<>!≤≥≠]/.test(s)) s = plainToLatex(s);
  return { latex: s, percent };
}

/** Plain-text mathematics the LaTeX parser would misread: `sqrt(3)`, `pi`, `inf`, `<=`. */
function plainToLatex(s: string): string {
  let out = s.replace(/\bsqrt\s*\(/g, "\\sqrt(").replace(/(?<!\\)\bpi\b/g, "\\pi").replace(/\b(?:infinity|inf|oo)\b/g, "\\infty");
  out = out.replace(/<=|≤/g, "\\le ").replace(/>=|≥/g, "\\ge ").replace(/!=|≠/g, "\\ne ");
  // \sqrt( ... ) -> \sqrt{ ... }
  for (let at = out.indexOf("\\sqrt("); at !== -1; at = out.indexOf("\\sqrt(", at + 1)) {
    const end = matchingClose(out, at + 5, "(", ")");
    if (end === -1) break;
    out = `${out.slice(0, at)}\\sqrt{${out.slice(at + 6, end)}}${out.slice(end + 1)}`;
  }
  return out;
}

function matchingClose(s: string, open: number, o: string, c: string): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === o) depth++;
    else if (s[i] === c && --depth === 0) return i;
  }
  return -1;
}
