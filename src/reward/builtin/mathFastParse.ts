/**
 * A reader for the arithmetic most math answers are (`-\frac{3}{4}`, `2\sqrt{3}`, `x^2-1`,
 * `\frac{\pi}{6}`, `0.25`), into the MathJSON that compute-engine would give, minus its
 * canonical form. The engine's LaTeX parse costs 0.1-3 ms an answer; this one microseconds, and
 * the comparison rules (mathCompare.ts) decide such answers with our evaluator (mathNumeric.ts).
 * Anything outside the subset, or that the engine could read another way, is refused (null) and
 * goes to the engine as before: commas, brackets, relations, subscripts, functions (`f(x)`, `\sin`),
 * the letters `e` and `i` (constants there), capitals (choice letters, the engine's own symbols),
 * `^` without braces beyond one character. Part of the Math-Verify judge (mathVerify.ts).
 *
 * Grammar (whitespace between tokens is skipped):
 *   sum      := product (("+" | "-") product)*
 *   product  := signed (("*" | "\cdot" | "\times" | "/" | "\div") signed | power)*   (implicit: `2x`, `3\sqrt{2}`)
 *   signed   := ("-" | "+") signed | power
 *   power    := atom ("^" argument)?
 *   atom     := number | letter | "\pi" | "(" sum ")" | "{" sum "}" | "\frac" argument argument | "\sqrt" ("[" sum "]")? argument
 *   argument := "{" sum "}" | one digit | one letter
 */

/** Lowercase letters the engine reads as plain unknowns (`e` is Euler's number, `i` the imaginary unit). */
const VARIABLE = /^[a-df-hj-z]$/;
const MAX_LENGTH = 200;
const NUMBER = /\d+(?:\.\d+)?/y;
const COMMAND = /\\[a-zA-Z]+/y;

/** Thrown to give up on a reading (a constant, not an Error: no stack trace to build). */
const REFUSED = Symbol("refused");

class Reader {
  private at = 0;

  constructor(private readonly s: string) {}

  read(): unknown {
    const value = this.sum();
    this.space();
    if (this.at !== this.s.length) throw REFUSED;
    return value;
  }

  private space(): void {
    while (this.at < this.s.length && (this.s[this.at] === " " || this.s[this.at] === "\t")) this.at++;
  }

  private peek(): string {
    this.space();
    return this.s[this.at] ?? "";
  }

  /** The command (`\frac`) at the cursor, or "". */
  private command(): string {
    this.space();
    if (this.s[this.at] !== "\\") return "";
    COMMAND.lastIndex = this.at;
    const m = COMMAND.exec(this.s);
    return m ? m[0] : "";
  }

  private expect(c: string): void {
    if (this.peek() !== c) throw REFUSED;
    this.at++;
  }

  private sum(): unknown {
    const terms = [this.product()];
    for (;;) {
      const c = this.peek();
      if (c !== "+" && c !== "-") break;
      this.at++;
      const term = this.product();
      terms.push(c === "-" ? ["Negate", term] : term);
    }
    return terms.length === 1 ? terms[0] : ["Add", ...terms];
  }

  private product(): unknown {
    let value = this.signed();
    let divided = false;
    let implicit = false;
    for (;;) {
      const c = this.peek();
      const cmd = this.command();
      if (c === "*" || cmd === "\\cdot" || cmd === "\\times") {
        this.at += c === "*" ? 1 : cmd.length;
        value = ["Multiply", value, this.signed()];
      } else if (c === "/" || cmd === "\\div") {
        this.at += c === "/" ? 1 : cmd.length;
        value = ["Divide", value, this.signed()];
        divided = true;
      } else if (VARIABLE.test(c) || c === "(" || cmd === "\\pi" || cmd === "\\frac" || cmd === "\\sqrt") {
        // `2\frac{1}{2}` is the mixed number 2 1/2 to the engine.
        if (cmd === "\\frac" && /\d\s*$/.test(this.s.slice(0, this.at))) throw REFUSED;
        value = ["Multiply", value, this.power()];
        implicit = true;
      } else break;
      // `1/2x` is (1/2)x to some readers and 1/(2x) to others: not ours to decide.
      if (divided && implicit) throw REFUSED;
    }
    return value;
  }

  private signed(): unknown {
    const c = this.peek();
    if (c === "-" || c === "+") {
      this.at++;
      const value = this.signed();
      return c === "-" ? ["Negate", value] : value;
    }
    return this.power();
  }

  private power(): unknown {
    const base = this.atom();
    if (this.peek() !== "^") return base;
    this.at++;
    const exponent = this.argument();
    if (this.peek() === "^") throw REFUSED;
    return ["Power", base, exponent];
  }

  private atom(): unknown {
    const c = this.peek();
    if (c >= "0" && c <= "9") return this.number();
    if (VARIABLE.test(c)) {
      this.at++;
      // `f(x)` is a function to the engine; `x_1` a subscripted name; `x'` a derivative.
      if (this.s[this.at] === "(" || this.s[this.at] === "_" || this.s[this.at] === "'") throw REFUSED;
      return c;
    }
    if (c === "(" || c === "{") {
      this.at++;
      const inner = this.sum();
      this.expect(c === "(" ? ")" : "}");
      return inner;
    }
    const cmd = this.command();
    this.at += cmd.length;
    if (cmd === "\\pi") return "Pi";
    if (cmd === "\\frac") return ["Divide", this.argument(), this.argument()];
    if (cmd === "\\sqrt") {
      if (this.peek() !== "[") return ["Sqrt", this.argument()];
      this.at++;
      const index = this.sum();
      this.expect("]");
      return ["Root", this.argument(), index];
    }
    throw REFUSED;
  }

  /** `{...}`, or the single digit or letter LaTeX takes as an argument (`\frac12`, `x^2`). */
  private argument(): unknown {
    const c = this.peek();
    if (c === "{") {
      this.at++;
      const inner = this.sum();
      this.expect("}");
      return inner;
    }
    if (c >= "0" && c <= "9") {
      this.at++;
      return Number(c);
    }
    if (VARIABLE.test(c)) {
      this.at++;
      return c;
    }
    throw REFUSED;
  }

  private number(): number {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.s);
    if (!m) throw REFUSED;
    this.at += m[0].length;
    // `1.5.2`, `2.` or a number run into another (`2 3`): not plain arithmetic.
    const next = this.peek();
    if (next === "." || (next >= "0" && next <= "9")) throw REFUSED;
    return Number(m[0]);
  }
}

/**
 * `latex` (normalised, mathNormalise.ts) as MathJSON when it is plain arithmetic of numbers, `\pi`
 * and single-letter unknowns; null when it is anything else (the engine reads it then).
 */
export function parseArithmetic(latex: string): unknown | null {
  if (latex.length === 0 || latex.length > MAX_LENGTH) return null;
  try {
    return new Reader(latex).read();
  } catch (error) {
    if (error === REFUSED) return null;
    throw error;
  }
}

/** The unknowns of an arithmetic reading, sorted as the engine lists them. */
export function arithmeticUnknowns(json: unknown): string[] {
  const found = new Set<string>();
  const walk = (x: unknown): void => {
    if (typeof x === "string") {
      if (VARIABLE.test(x)) found.add(x);
    } else if (Array.isArray(x)) x.slice(1).forEach(walk);
  };
  walk(json);
  return [...found].sort();
}
