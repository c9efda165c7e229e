/**
 * A reader for what most math answers are: arithmetic (`-\frac{3}{4}`, `2\sqrt{3}`, `x^2-1`,
 * `\frac{\pi}{6}`, `0.25`) and one relation or chain of it (`x \ge 5`, `1 < x < 2`), into MathJSON in
 * the form compute-engine's reading has (mathCompare.ts), minus the canonical form of the
 * arithmetic; lists, tuples, sets, intervals and matrices of it are read by mathStructures.ts. The
 * engine's LaTeX parse costs 0.1-3 ms an answer (far more for some); this one microseconds, and the
 * comparison rules run on it with our evaluator (mathNumeric.ts). Read as the engine reads them, each
 * form checked against its reading in test/reward/mathArithmetic.test.ts: capitals (`A`, `F_n`; not
 * `D` and `N`, the engine's own), subscripts (`x_{12}`, `F_{2n}` are names, `x_{n-1}` a term), finite
 * sums and products (`\sum_{k=0}^{n-1} F_k F_{n-k-1}`: the body is the product after the limits), the
 * answer's own functions where the engine reads one (`f(x)`, `P(x) = 1`, `g(x, y)`: the letter is
 * used nowhere else and does not follow a factor), named functions with their argument in
 * parentheses or braces (`\sin(x)`, `\tan^2(y)`, `\log_2(8)`, `\exp(x)`), numbers in a base
 * (`1011_2`), digits after spaces (`4 4/0` is 44/0 there, as in TeX). Anything else, or what the
 * engine reads by rules of its own, is refused (null) and goes to the engine: named functions without
 * parentheses (`\sin x`), the letter `i` (a constant there; `e` is read as Euler's number, as there,
 * but not after a digit: `2e-1` is scientific notation), `x(x+1)` and `2x(3)` (products there), `^`
 * without braces beyond one character, a number before `\frac` (a mixed number there), `0.5(2)` (a
 * repeating decimal there), `\pm`, mixed chains (`1 < x \le 2`). Part of the Math-Verify judge
 * (mathVerify.ts).
 *
 * Grammar (whitespace between tokens is skipped):
 *   sum      := product (("+" | "-") product)*
 *   product  := signed (("*" | "\cdot" | "\times" | "/" | "\div") signed | power)*   (implicit: `2x`, `3\sqrt{2}`)
 *   signed   := ("-" | "+") signed | power
 *   power    := atom ("^" argument)?
 *   atom     := number | name | name "(" sum ("," sum)* ")" | "\pi" | "\infty" | "(" sum ")" | "{" sum "}"
 *             | "\frac" argument argument | "\sqrt" ("[" sum "]")? argument
 *             | ("\sum" | "\prod") "_{" letter "=" sum "}^" argument product
 *             | function ("_" argument)? ("^" argument)? ("(" sum ")" | "{" sum "}")     (`\sin`, `\ln`, `\log`, `\exp`, ...)
 *   number   := digits ("." digits)? (spaces digits)* ("_" base)?
 *   argument := "{" sum "}" | one digit | one letter
 *   name     := letter ("_" (digit | letter | "{" (digits | letters) "}" | "{" sum "}"))? */


/** Lowercase letters the engine reads as plain unknowns (`e` is Euler's number, `i` the imaginary unit). */
const VARIABLE = /^[a-df-hj-z]$/;
/** Capitals the engine reads as plain symbols (`A`, `F_n`) and function names (`P(x)`): all but `D` (a derivative) and `N` (numeric evaluation). */
const CAPITAL = /^[A-CE-MO-Z]$/;
/** The names of unknowns in our readings: a letter, or a letter with a subscript (`x_1`, `a_n`, `y_12`). */
const NAME = /^[a-df-hj-zA-CE-MO-Z](?:_[a-z0-9]+)?$/;
export const MAX_LENGTH = 200;
/** `12`, `0.25`, and `.25` (0.25 to the engine too). */
const NUMBER = /\d+(?:\.\d+)?|\.\d+/y;
/** The digits that continue a number after spaces (`number`). */
const SPACED_DIGITS = /\d+(?:\.\d+)?/y;
/** Functions read when their argument is in parentheses or braces (`\sin(x)`, `\ln{2}`), as the engine names them. */
const FUNCTION_COMMANDS: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  "\\sin": "Sin", "\\cos": "Cos", "\\tan": "Tan", "\\sec": "Sec", "\\csc": "Csc", "\\cot": "Cot",
  "\\arcsin": "Arcsin", "\\arccos": "Arccos", "\\arctan": "Arctan", "\\sinh": "Sinh", "\\cosh": "Cosh", "\\tanh": "Tanh",
  "\\ln": "Ln", "\\log": "Log", "\\exp": "Exp",
});
const COMMAND = /\\[a-zA-Z]+/y;

const RELATION_SYMBOLS: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  "=": "Equal",
  "<": "Less",
  "\\lt": "Less",
  ">": "Greater",
  "\\gt": "Greater",
  "\\le": "LessEqual",
  "\\leq": "LessEqual",
  "\\ge": "GreaterEqual",
  "\\geq": "GreaterEqual",
  "\\ne": "NotEqual",
  "\\neq": "NotEqual",
});

/** Thrown to give up on a reading (a constant, not an Error: no stack trace to build). */
export const REFUSED = Symbol("refused");

export function refuse(): never {
  throw REFUSED;
}

class Reader {
  private at = 0;
  /** Where the factor of an implicit product being read starts (`product`). */
  private implicitAt = -1;

  constructor(private readonly s: string) {}

  /** The whole text as arithmetic (`relations`: or one relation, a chain of one kind, `a < x < b`). */
  read(relations = false): unknown {
    const value = relations ? this.relation() : this.sum();
    this.space();
    if (this.at !== this.s.length) throw REFUSED;
    return value;
  }

  /** `a = b`, `x \\le 3`, `1 < x < 2` in the engine's form: `>` and `\\ge` become `<` and `\\le` with the sides reversed. */
  private relation(): unknown {
    const sides = [this.sum()];
    let kind: string | undefined;
    for (;;) {
      const next = this.relationSymbol();
      if (!next) break;
      // A mixed chain (`1 < x \\le 2`) is a conjunction to the engine.
      if (kind !== undefined && next !== kind) throw REFUSED;
      kind = next;
      sides.push(this.sum());
    }
    if (kind === undefined) return sides[0];
    if (kind === "NotEqual" && sides.length > 2) throw REFUSED;
    if (kind === "Greater" || kind === "GreaterEqual") return [kind === "Greater" ? "Less" : "LessEqual", ...sides.reverse()];
    return [kind, ...sides];
  }

  private relationSymbol(): string | undefined {
    const c = this.peek();
    const symbol = c === "\\" ? this.command() : c;
    const kind = RELATION_SYMBOLS[symbol];
    if (kind) this.at += symbol.length;
    return kind;
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
      } else if (VARIABLE.test(c) || CAPITAL.test(c) || c === "e" || c === "(" || cmd === "\\pi" || cmd === "\\frac" || cmd === "\\sqrt" || cmd === "\\sum" || cmd === "\\prod" || Object.hasOwn(FUNCTION_COMMANDS, cmd)) {
        // `2\frac{1}{2}` is the mixed number 2 1/2 to the engine.
        if (cmd === "\\frac" && /\d\s*$/.test(this.s.slice(0, this.at))) throw REFUSED;
        // A letter and parentheses here (`2x(3)`, `a b(c)`) may be a product or a function to the engine: not read (`atom`).
        this.implicitAt = this.at;
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
    if ((c >= "0" && c <= "9") || (c === "." && this.s.charCodeAt(this.at + 1) >= 48 && this.s.charCodeAt(this.at + 1) <= 57)) return this.number();
    if (VARIABLE.test(c) || CAPITAL.test(c)) {
      const start = this.at;
      this.at++;
      const name = this.s[this.at] === "_" ? this.subscripted(c) : c;
      if (this.s[this.at] === "'") throw REFUSED;
      // `f(x)`, `P(x) = 1`, `f(2) < f(1)`: the answer's own function, as the engine reads them.
      if (this.peek() === "(") return this.ownFunction(name, start);
      return name;
    }
    // `e` is Euler's number to the engine, but `2e-1` and `1e3` are numbers in scientific notation.
    if (c === "e" && !/[\d.]\s*$/.test(this.s.slice(0, this.at)) && !"_('".includes(this.s[this.at + 1] ?? " ")) {
      this.at++;
      return "ExponentialE";
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
    if (cmd === "\\infty") return "PositiveInfinity";
    if (cmd === "\\frac") return ["Divide", this.argument(), this.argument()];
    if (cmd === "\\sum" || cmd === "\\prod") return this.bigOperator(cmd === "\\sum" ? "Sum" : "Product");
    if (Object.hasOwn(FUNCTION_COMMANDS, cmd)) return this.application(FUNCTION_COMMANDS[cmd]);
    if (cmd === "\\sqrt") {
      if (this.peek() !== "[") return ["Sqrt", this.argument()];
      this.at++;
      const index = this.sum();
      this.expect("]");
      return ["Root", this.argument(), index];
    }
    throw REFUSED;
  }

  /**
   * A function applied to a parenthesised or braced argument, as the engine reads it: `\sin(x)`,
   * `\sin^2(x)` (the square of the sine), `\log_2(8)` (base 2; `\log` alone is base 10), `\exp(x)`
   * (e^x). Refused: a bare argument (`\sin 2x` is a product's business), a negative exponent
   * (`\sin^{-1}` is the arcsine), an exponent after both the name and the argument.
   */
  private application(head: string): unknown {
    let base: unknown;
    if (head === "Log" && this.s[this.at] === "_") {
      this.at++;
      base = this.argument();
    }
    let exponent: unknown;
    if (this.peek() === "^") {
      if (head === "Exp" || base !== undefined) throw REFUSED;
      this.at++;
      exponent = this.argument();
      if (typeof exponent !== "number" || exponent <= 0) throw REFUSED;
    }
    const open = this.peek();
    if (open !== "(" && open !== "{") throw REFUSED;
    this.at++;
    const argument = this.sum();
    this.expect(open === "(" ? ")" : "}");
    const value = head === "Exp" ? ["Power", "ExponentialE", argument] : base !== undefined ? ["Log", argument, base] : [head, argument];
    if (exponent === undefined) return value;
    if (this.peek() === "^") throw REFUSED;
    return ["Power", value, exponent];
  }

  /**
   * A name with its subscript, as the engine has it: `x_1`, `x_{12}`, `a_n`, `F_{2n}` are names
   * (`x_1`, `x_12`, `a_n`, `F_2n`); `x_{n+1}` is the term `["Subscript", "x", n + 1]`. `x_12` is
   * x_1 times 2 to the engine: a subscript without braces is one character.
   */
  private subscripted(letter: string): unknown {
    this.at++;
    if (this.s[this.at] !== "{") {
      const c = this.s[this.at] ?? "";
      if (!/^[a-z0-9]$/.test(c) || /[0-9]/.test(this.s[this.at + 1] ?? "")) throw REFUSED;
      this.at++;
      return `${letter}_${c}`;
    }
    const plain = /^\{\s*([a-z0-9]+)\s*\}/.exec(this.s.slice(this.at, this.at + 24));
    if (plain) {
      this.at += plain[0].length;
      return `${letter}_${plain[1]}`;
    }
    this.at++;
    const index = this.sum();
    this.expect("}");
    return ["Subscript", letter, index];
  }

  /**
   * `f(x)`, `f(x, y)`: the answer's own function applied, as the engine reads it, when the letter is
   * nothing else in the answer (`x(x+1)` is a product to the engine) and does not follow a factor
   * (`2x(3)` is a product too). A subscripted name (`f_1(x)`) is not read.
   */
  private ownFunction(name: unknown, start: number): unknown {
    if (typeof name !== "string" || name.length !== 1 || start === this.implicitAt || !onlyApplied(this.s, name)) throw REFUSED;
    this.at++;
    const args = [this.sum()];
    while (this.peek() === ",") {
      this.at++;
      args.push(this.sum());
    }
    this.expect(")");
    return [name, ...args];
  }

  /**
   * `\\sum_{k=a}^{b}` or `\\prod_{k=a}^{b}` and the product after it (the engine's extent of the body:
   * `\\sum_{k=1}^{n} k + 1` is the sum, plus 1), as `[head, body, ["Limits", k, a, b]]`.
   */
  private bigOperator(head: "Sum" | "Product"): unknown {
    this.expect("_");
    this.expect("{");
    const index = this.peek();
    if (!VARIABLE.test(index)) throw REFUSED;
    this.at++;
    this.expect("=");
    const lo = this.sum();
    this.expect("}");
    this.expect("^");
    const hi = this.argument();
    const next = this.peek();
    if (next === "-" || next === "+" || next === "") throw REFUSED;
    const body = this.product();
    return [head, body, ["Limits", index, lo, hi]];
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

  /**
   * `1011_2`, `204_{5}`: a number in base 2-36, as the engine has it (`["BaseForm", value, base]`,
   * the value in decimal). Digits the base does not have (`29_5`) are a subscript to the engine: not read.
   */
  private baseForm(digits: string): unknown {
    this.at++;
    const m = /^(?:\{\s*(\d+)\s*\}|(\d))(?![A-Za-z0-9])/.exec(this.s.slice(this.at, this.at + 8));
    if (!m || !/^\d{1,15}$/.test(digits)) throw REFUSED;
    const base = Number(m[1] ?? m[2]);
    if (base < 2 || base > 36 || [...digits].some((d) => Number(d) >= base)) throw REFUSED;
    this.at += m[0].length;
    return ["BaseForm", parseInt(digits, base), base];
  }

  private number(): unknown {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.s);
    if (!m) throw REFUSED;
    this.at += m[0].length;
    if (this.s[this.at] === "_") return this.baseForm(m[0]);
    // Digits after spaces continue the number to the engine, as in TeX: `4 4/0` is 44/0, `1.5 2`
    // is 1.52 (a second decimal point is an error there: not read).
    let digits = m[0];
    for (;;) {
      const next = this.peek();
      if (next === "." || !(next >= "0" && next <= "9")) break;
      SPACED_DIGITS.lastIndex = this.at;
      const more = SPACED_DIGITS.exec(this.s)!;
      if (more[0].includes(".") && digits.includes(".")) throw REFUSED;
      digits += more[0];
      this.at += more[0].length;
    }
    // `1.5.2` or `2.`: not plain arithmetic; a subscript after spaced digits is not ours either.
    const next = this.peek();
    if (next === "." || (digits !== m[0] && (next === "_" || m[0].startsWith(".")))) throw REFUSED;
    // `0.5(2)` is the repeating decimal 0.5222... to the engine.
    if (next === "(" && digits.includes(".")) throw REFUSED;
    return Number(digits);
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

/**
 * `latex` as arithmetic (with `relations`: or one relation, a chain of one kind), throwing `REFUSED`
 * for anything else: for the readers of lists, sets and intervals of it (mathStructures.ts).
 */
export function readArithmetic(latex: string, relations = false): unknown {
  return new Reader(latex).read(relations);
}

/** Whether every use of the letter `name` in `s` is an application (`f(`), commands aside (`\\frac` holds no `f`). */
function onlyApplied(s: string, name: string): boolean {
  for (const m of s.matchAll(LETTERS)) if (m[0] === name && s[(m.index ?? 0) + 1] !== "(" && s.slice((m.index ?? 0) + 1).trimStart()[0] !== "(") return false;
  return true;
}
const LETTERS = /\\[a-zA-Z]+|[A-Za-z]/g;

/** The unknowns of an arithmetic reading, sorted as the engine lists them: not a sum's or product's index. */
export function arithmeticUnknowns(json: unknown): string[] {
  // The sets are made when there is something to put in them: most answers are numbers.
  let found: Set<string> | undefined;
  let bound: Set<string> | undefined;
  const walk = (x: unknown): void => {
    if (typeof x === "string") {
      if (NAME.test(x)) (found ??= new Set()).add(x);
    } else if (Array.isArray(x)) {
      if (x[0] === "Limits" && typeof x[1] === "string") (bound ??= new Set()).add(x[1]);
      for (let i = 1; i < x.length; i++) walk(x[i]);
    }
  };
  walk(json);
  if (!found) return [];
  if (bound) for (const name of bound) found.delete(name);
  return [...found].sort();
}

