// The math verifier's own reading (issue 20): the reader for plain-arithmetic answers and for
// relations, lists, tuples, sets and intervals of them (mathFastParse.ts), the real evaluator
// (mathNumeric.ts), and mathEqual deciding such answers without compute-engine, or deferring to it
// when the reading or the value is not ours to make.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mathEqual } from "../../src/reward/builtin/mathVerify";
import { arithmeticUnknowns, parseArithmetic } from "../../src/reward/builtin/mathFastParse";
import { parseStructure } from "../../src/reward/builtin/mathStructures";
import { listToTuple } from "../../src/reward/builtin/mathLists";
import { evaluateReal, valuesAtPoints } from "../../src/reward/builtin/mathNumeric";

const engineLoaded = () => Object.keys(require.cache).some((path) => path.includes("compute-engine"));


/** Points the comparison rules evaluate at (mathCompare.ts `POINTS`). */
const SEEDED_POINTS = [[0.7368, 1.4142, -0.3183], [1.9113, -0.5772, 2.7183], [-1.2599, 0.4343, 1.618]];

/** Our reading of `latex` (which must be one) and the engine's (valid), with the unknowns of both, sorted. */
async function bothReadings(latex: string) {
  const { ce } = await import("../../src/reward/builtin/mathCompare");
  const ours = parseArithmetic(latex);
  assert.notEqual(ours, null, latex);
  const theirs = ce().parse(latex);
  assert.ok(theirs.isValid, latex);
  return { ours, theirs, unknowns: [...new Set([...theirs.unknowns, ...arithmeticUnknowns(ours)])].sort() };
}

test("plain-arithmetic answers are read and compared without loading the engine", () => {
  assert.equal(engineLoaded(), false, "this test runs first in its file: nothing has loaded the engine yet");
  const cases: [string, string, boolean][] = [
    ["\\frac{3}{4}", "0.75", true],
    ["$\\frac{1}{2}$", "The final answer is $\\frac{2}{4}$. I hope it is correct.", true],
    ["2\\sqrt{2}", "\\boxed{\\sqrt{8}}", true],
    ["\\frac{\\pi}{6}", "\\boxed{0.5236}", false],
    ["\\frac{\\pi}{6}", "\\boxed{\\frac{1}{6}\\pi}", true],
    ["x^2-1", "(x-1)(x+1)", true],
    ["x^2-1", "(x-1)^2", false],
    ["\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}", true],
    ["\\sqrt[3]{-8}", "-2", true],
    ["$28\\%$", "0.28", true],
    ["$28\\%$", "28", true],
    ["0.28", "28\\%", true],
    ["0.28", "28", false],
    ["-\\frac{1}{3}", "<answer>-0.333333</answer>", true],
  ];
  for (const [gold, prediction, expected] of cases) assert.equal(mathEqual(gold, prediction), expected, `${gold} vs ${prediction}`);
  assert.equal(engineLoaded(), false, "the engine was loaded for plain arithmetic");
  // A set is not arithmetic: the engine reads it.
  assert.equal(mathEqual("\\{1, 2\\}", "\\{2, 1\\}"), true);
  assert.equal(engineLoaded(), true);
});

test("parseArithmetic reads numbers, \\frac, \\sqrt, powers, \\pi and one-letter unknowns as MathJSON", () => {
  assert.deepEqual(parseArithmetic("-\\frac{3}{4}"), ["Negate", ["Divide", 3, 4]]);
  assert.deepEqual(parseArithmetic("2\\sqrt{3}"), ["Multiply", 2, ["Sqrt", 3]]);
  assert.deepEqual(parseArithmetic("\\sqrt[3]{x}"), ["Root", "x", 3]);
  assert.deepEqual(parseArithmetic("x^2 - 1"), ["Add", ["Power", "x", 2], ["Negate", 1]]);
  assert.deepEqual(parseArithmetic("\\frac12"), ["Divide", 1, 2]);
  assert.deepEqual(parseArithmetic("\\pi r^{2}"), ["Multiply", "Pi", ["Power", "r", 2]]);
  assert.deepEqual(parseArithmetic("2(x+1) \\cdot 3"), ["Multiply", ["Multiply", 2, ["Add", "x", 1]], 3]);
  assert.deepEqual(parseArithmetic("0.25"), 0.25);
  assert.deepEqual(arithmeticUnknowns(parseArithmetic("y x + \\pi y")), ["x", "y"]);
  assert.deepEqual(parseArithmetic("x_1 + y_{12} - a_n"), ["Add", "x_1", "y_12", ["Negate", "a_n"]], "subscripted names as the engine names them");
  assert.deepEqual(arithmeticUnknowns(parseArithmetic("x_1 + y_{12} - a_n")), ["a_n", "x_1", "y_12"]);
  assert.deepEqual(parseArithmetic("-\\infty"), ["Negate", "PositiveInfinity"]);
  assert.deepEqual(parseArithmetic("1 - \\frac{1}{e}"), ["Add", 1, ["Negate", ["Divide", 1, "ExponentialE"]]], "e is Euler's number, as to the engine");
  assert.deepEqual(parseArithmetic("xe"), ["Multiply", "x", "ExponentialE"]);
});

test("parseArithmetic refuses what the engine reads another way, or what is not arithmetic", () => {
  const refused = [
    "1, 2", // a list
    "(1,2)", // a tuple
    "[0, 1]", // an interval
    "x = 3", // an equation
    "x \\le 3", // a relation
    "x(x+1)", // x is a variable here: a product to the engine
    "2x(3)", // a letter after a factor, then parentheses: a product to the engine
    "f'(x)", // a derivative
    "f_1(x)", // a subscripted function name
    "N(x)", // numeric evaluation to the engine
    "D", // a derivative to the engine
    "\\sum\\limits_{k=1}^{n} k", // an error to the engine
    "\\sum_{k=1}^{n} -k", // a sum whose body starts with a sign
    "\\sum_{k}^{n} k", // no lower bound
    "\\sin x", // a function without parentheses: we leave it to the engine
    "\\sin^{-1}(x)", // the arcsine to the engine
    "\\log_2 8", // a base and a bare argument
    "\\sin^2(x)^3", // an exponent on both sides of the argument
    "\\exp^2(x)",
    "x.5", // not a number after a letter
    "x_12", // x_1 times 2 there
    "p_1(x)", // a function
    "2e-1", // scientific notation there (0.2)
    "1e3",
    "2e", // (after a digit, e is refused whatever follows)
    "2i", // the imaginary unit there
    "2\\frac{1}{2}", // the mixed number 5/2 there
    "1/2x", // (1/2)x or 1/(2x)
    "x^2^3", // ambiguous
    "2^-1", // an exponent without braces beyond one character
    "1, ..., 2, ...", // two placeholders
    "1.5 2.5", // digits after spaces continue a number there: a second decimal point is an error
    ".5 2",
    "1 2_3",
    "3.", // not a number we read
    "0.5(2)", // a repeating decimal there
    "1,000", // thousands are normalised before, or a list
    "5!",
    "|x|",
    "",
  ];
  for (const latex of refused) assert.equal(parseArithmetic(latex), null, latex);
});

test("evaluateReal: real values, real odd roots, NaN outside the reals, undefined for the unknown", () => {
  assert.equal(evaluateReal(["Add", ["Divide", 1, 2], ["Rational", 1, 4]], {}), 0.75);
  assert.equal(evaluateReal(["Multiply", "Pi", ["Power", "r", 2]], { r: 2 }), 4 * Math.PI);
  assert.equal(evaluateReal(["Root", -8, 3], {}), -2);
  assert.ok(Math.abs(evaluateReal(["Power", -8, ["Rational", 2, 3]], {})! - 4) < 1e-12, "(-8)^(2/3) is 4, as the engine takes it");
  assert.ok(Number.isNaN(evaluateReal(["Sqrt", -1], {})));
  assert.ok(Number.isNaN(evaluateReal(["Power", -8, 0.5], {})));
  assert.equal(evaluateReal(["Log", 8, 2], {}), 3);
  assert.equal(evaluateReal({ num: "12345678901234567890" }, {}), Number("12345678901234567890"));
  assert.equal(evaluateReal(["Sum", "k", ["Limits", "k", 0, 3]], {}), 6, "a finite sum");
  assert.equal(evaluateReal(["Product", "k", ["Limits", "k", 1, "n"]], { n: 5 }), 120, "a product to an integer bound");
  assert.equal(evaluateReal(["Sum", "k", ["Limits", "k", 0, "n"]], { n: 2.5 }), undefined, "a bound that is not an integer");
  assert.equal(evaluateReal(["Sum", "k", ["Limits", "k", 0, 1e9]], {}), undefined, "too many terms: the engine's");
  const nested = ["Sum", ["Sum", ["Sum", "k", ["Limits", "k", 1, 1000]], ["Limits", "j", 1, 1000]], ["Limits", "i", 1, 1000]];
  assert.equal(evaluateReal(nested, {}), undefined, "10^9 terms through nesting: refused, not run");
  assert.equal(evaluateReal(["Sum", ["Sum", 1, ["Limits", "j", 1, 100]], ["Limits", "i", 1, 100]], {}), 10_000, "nested sums within the budget");
  assert.equal(evaluateReal(["Integrate", "x", ["Limits", "x", 0, 1]], {}), undefined, "an operator it does not know");
  assert.equal(evaluateReal(["Add", "x", 1], {}), undefined, "an unknown without a value");
  assert.equal(evaluateReal("constructor", {}), undefined);
  assert.equal(evaluateReal(["Complex", 0, 1], {}), undefined);
});

test("valuesAtPoints: one value per point; null when a side is unknown, complex or infinite there", () => {
  const points = [[1, 2, 3], [-1, 4, 9]];
  assert.deepEqual(valuesAtPoints(["Add", "x", "y"], ["Add", "y", "x"], ["x", "y"], points), [[3, 3], [3, 3]]);
  assert.deepEqual(valuesAtPoints(2, ["Divide", 4, 2], [], points), [[2, 2]], "no unknowns: one evaluation");
  assert.equal(valuesAtPoints(["Sqrt", "x"], "x", ["x"], points), null, "not real at x = -1");
  assert.equal(valuesAtPoints(["Divide", 1, "x"], 1, ["x"], [[0, 0, 0]]), null, "infinite at x = 0");
  assert.equal(valuesAtPoints(["Integrate", "x", "x"], "x", ["x"], points), null);
});

test("valuesAtPoints: the answer's own functions and sequences take one fixed value per argument", () => {
  const points = [[0.7368, 1.4142, -0.3183], [1.9113, -0.5772, 2.7183]];
  const agree = (a: unknown, b: unknown, unknowns: string[]) => valuesAtPoints(a, b, unknowns, points)?.every(([x, y]) => Math.abs(x - y) < 1e-12);
  assert.equal(agree(["f", ["Add", "x", 1]], ["f", ["Add", 1, "x"]], ["x"]), true, "f(x + 1) is f(1 + x)");
  assert.equal(agree(["f", "x"], ["f", "y"], ["x", "y"]), false, "f(x) is not f(y)");
  assert.equal(agree(["f", "x"], ["g", "x"], ["x"]), false, "f is not g");
  assert.equal(valuesAtPoints(["N", "x"], "x", ["x"], points), null, "N is the engine's numeric evaluation, not a function of the answer's");
  // F_n = \sum_{k=0}^{n-1} F_k F_{n-k-1}, as the engine reads it (unknowns as it lists them).
  const catalan = (shift: number, swap = false) => {
    const factors = ["F_k", ["Subscript", "F", ["Subtract", ["Subtract", "n", "k"], shift]]];
    return ["Sum", ["Multiply", ...(swap ? factors.reverse() : factors)], ["Limits", "k", 0, ["Add", "n", -shift]]];
  };
  const unknowns = ["F", "F_k", "F_n", "n"];
  assert.equal(agree(catalan(1), catalan(1, true), unknowns), true, "the factors in the other order");
  assert.equal(agree(catalan(1), catalan(2), unknowns), false, "the sum to n - 2");
  assert.equal(agree(["Sum", "k", ["Limits", "k", 1, "n"]], ["Divide", ["Multiply", "n", ["Add", "n", 1]], 2], ["n"]), true, "1 + ... + n");
  assert.equal(agree("F_n", ["Subscript", "F", "n"], ["F", "F_n", "n"]), true, "F_n is the term at n");
  assert.equal(agree(["Sum", "x_k", ["Limits", "k", 1, 3]], ["Add", "x_1", "x_2", "x_3"], ["x_1", "x_2", "x_3", "x_k"]), true, "terms by number");
  assert.equal(valuesAtPoints(["Subscript", "a", ["Divide", "n", 2]], 1, ["a", "n"], [[1, 1, 1]]), null, "an index that is not an integer at some point");
});

test("where our evaluator cannot decide, the engine does (and gives the verdict it gave before)", () => {
  // Complex values at the seeded points: deferred, decided by the engine's algebra.
  assert.equal(mathEqual("\\sqrt{x^2}", "|x|"), true);
  assert.equal(mathEqual("\\frac{1}{0}", "\\infty"), false);
  // Readings we refuse, then compared by the engine's rules.
  assert.equal(mathEqual("2\\frac{1}{2}", "\\frac{5}{2}"), true, "a mixed number");
  assert.equal(mathEqual("e^{i\\pi}", "-1"), true);
  assert.equal(mathEqual("x = 3", "3"), true);
  assert.equal(mathEqual("\\tan^2(y)+1", "\\sec^2(y)"), true);
  assert.equal(mathEqual("f(x)", "f(y)"), false, "a known difference from Math-Verify's non-strict mode, unchanged");
  assert.equal(mathEqual("\\sum_{k=1}^{n} k", "\\frac{n(n+1)}{2}"), true, "a sum against its closed form");
  assert.equal(mathEqual("\\prod_{k=1}^{4} k", "24"), true);
  // A hostile answer: 9000^3 terms. Our evaluator refuses it at once; the engine stops at the time limit.
  const started = performance.now();
  const huge = "\\sum_{i=1}^{9000}\\sum_{j=1}^{9000}\\sum_{k=1}^{9000} ijk";
  assert.equal(mathEqual(huge, `${huge}+1`, { timeoutMs: 200 }), false);
  assert.ok(performance.now() - started < 5000, "bounded by the time limit, not by the sum");
});

test("every reading we accept is one the engine reads to the same value", async () => {
  const latexes = [
    "-\\frac{3}{4}", "2\\sqrt{3}", "\\sqrt[3]{x}", "x^2 - 1", "\\frac12", "\\pi r^{2}", "2(x+1) \\cdot 3", "0.25", "(5)", "-(3)",
    "\\frac{1}{2}x", "x y", "ab", "\\sqrt{x}^2", "\\frac{1}{2}^2", "-x^2", "(x-3)^{1/3}", "(-8)^{2/3}", "x^{-2/3}", "\\sqrt[5]{y-2}",
    "\\frac{2}{3}\\pi", "3x\\sqrt{2}", "\\frac{\\sqrt{2}}{2}", "x\\times y\\div 2", "2x^2+3x-5", "10^{3}", "(a+5)(b+2)", "\\frac{x}{x}",
    // Functions with their argument in parentheses or braces, and a number without its leading 0.
    "\\sin(x)", "\\sin{x}", "\\sin^2(x)+\\cos^2(x)", "\\tan^2(y)+1", "\\sec^2(y)", "2\\sin(x)\\cos(x)", "\\ln(x^2)", "\\log(100)",
    "\\log_2(8)", "\\log_{3}(x)", "\\exp(x)", "\\arctan(1)", "x\\sin(x)", "\\frac{\\sin(x)}{2}", "\\sin(x)(1+x)", "\\sinh(x)",
    "\\cos(\\frac{\\pi}{3})", "\\csc(x) \\cot(x)", "\\ln(e)", "\\sqrt{\\cos(x)^2}", ".25", "-.5x", "3 \\arcsin(\\frac{1}{2})",
  ];
  for (const latex of latexes) {
    const { ours, theirs, unknowns } = await bothReadings(latex);
    for (const point of SEEDED_POINTS) {
      const values = Object.fromEntries(unknowns.map((u, i) => [u, point[i % point.length]]));
      const x = evaluateReal(ours, values)!;
      const n = (unknowns.length ? theirs.subs(values) : theirs).N();
      if (!Number.isFinite(x)) continue;
      assert.ok(Math.abs(x - n.re) <= 1e-9 * Math.max(1, Math.abs(x)) && !(Math.abs(n.im) > 1e-12), `${latex} at ${JSON.stringify(values)}: ours ${x}, engine ${n.re}+${n.im}i`);
    }
  }
});

test("parseStructure reads relations, lists, tuples, sets and intervals as the engine's reading has them", () => {
  const read = (latex: string) => parseStructure(listToTuple(latex));
  assert.deepEqual(read("1, 2"), ["Set", 1, 2], "a bare list is a set");
  assert.deepEqual(read("-12;-11"), ["Set", ["Negate", 12], ["Negate", 11]]);
  assert.deepEqual(read("(1, 2)"), ["Tuple", 1, 2]);
  assert.deepEqual(read("(1,2),(3,4)"), ["Set", ["Tuple", 1, 2], ["Tuple", 3, 4]]);
  assert.deepEqual(read("(0;0;1),(0;-2;0)"), ["Set", ["Tuple", 0, 0, 1], ["Tuple", 0, ["Negate", 2], 0]]);
  assert.deepEqual(read("\\{1, x\\}"), ["Set", 1, "x"]);
  assert.deepEqual(read("[0, 1)"), ["Interval", 0, ["Open", 1]]);
  assert.deepEqual(read("(\\frac35, 2]"), ["Interval", ["Open", ["Divide", 3, 5]], 2]);
  assert.deepEqual(read("[1, 2]"), ["Interval", 1, 2]);
  assert.deepEqual(read("x = 3"), ["Equal", "x", 3]);
  assert.deepEqual(read("z = 1 + 1 = 2"), ["Equal", "z", ["Add", 1, 1], 2]);
  assert.deepEqual(read("x \\ge 5"), ["LessEqual", 5, "x"], "as the engine writes it: the sides reversed");
  assert.deepEqual(read("5 > x > 1"), ["Less", 1, "x", 5]);
  assert.deepEqual(read("x \\ne 3"), ["NotEqual", "x", 3]);
  assert.deepEqual(read("x=1, y=2"), ["Set", ["Equal", "x", 1], ["Equal", "y", 2]]);
  assert.deepEqual(read("(x=1, y=2)"), ["Tuple", ["Equal", "x", 1], ["Equal", "y", 2]]);
  assert.deepEqual(read("(-\\infty, 3]"), ["Interval", ["Open", ["Negate", "PositiveInfinity"]], 3]);
  assert.deepEqual(read("x_1 = 2, x_{2} = 3"), ["Set", ["Equal", "x_1", 2], ["Equal", "x_2", 3]]);
  assert.deepEqual(read("19, 46, , 82"), ["Set", 19, 46, 82], "empty items are dropped, as the engine drops them");
  assert.deepEqual(read("(1, 2,)"), ["Tuple", 1, 2]);
  assert.deepEqual(read("x \\in (0, 1]"), ["Element", "x", ["Interval", ["Open", 0], 1]]);
  assert.deepEqual(read("x \\in (0, 1)"), ["Element", "x", ["Interval", ["Open", 0], ["Open", 1]]], "after \\in a pair is the open interval");
  assert.deepEqual(read("\\begin{pmatrix}1 & 2 \\\\ 3 & \\frac{1}{4} \\\\ \\end{pmatrix}"), ["Matrix", ["List", ["List", 1, 2], ["List", 3, ["Divide", 1, 4]]]]);
  assert.deepEqual(read("[1,2)\\cup(3,4]"), ["Union", ["Interval", 1, ["Open", 2]], ["Interval", ["Open", 3], 4]], "a union as written: no merging, no reordering");
  assert.deepEqual(read("x \\in (0,1) \\cup \\{2\\}"), ["Element", "x", ["Union", ["Interval", ["Open", 0], ["Open", 1]], ["Set", 2]]]);
  assert.deepEqual(read("p=5,q=2;p=7,q=2"), ["Set", ["Tuple", ["Equal", "p", 5], ["Equal", "q", 2]], ["Tuple", ["Equal", "p", 7], ["Equal", "q", 2]]]);
});

test("parseStructure refuses what the engine reads by rules of its own", () => {
  const refused = [
    "\\{\\frac12, 0.5\\}", // the engine drops an item equal to another by its own equality
    "x^2-1, (x-1)(x+1)", // items that may be equal
    "1 < x \\le 2", // a mixed chain: a conjunction there
    "x \\ne 1 \\ne 2",
    "[1, 2, 3]", // a list
    "[0, [1]]",
    "(1,2) \\cup 5", // a union with a number
    "1 \\pm \\sqrt{2}", // plus-or-minus
    "x \\in \\mathbb{R}", // membership of what we do not read
    "\\begin{pmatrix}1 & 2 \\\\ 3\\end{pmatrix}", // a ragged matrix
    "\\begin{vmatrix}1 & 2 \\\\ 3 & 4\\end{vmatrix}", // a determinant
    "\\begin{pmatrix}1\\end{pmatrix} - \\begin{pmatrix}2\\end{pmatrix}", // a difference of matrices
    "2\\begin{pmatrix}1\\end{pmatrix}", // a scalar times a matrix
    "\\begin{pmatrix}1\\end{pmatrix} + \\begin{pmatrix}2\\end{pmatrix}\\begin{pmatrix}3\\end{pmatrix}", // a sum and a product
    "29_5", // digits base 5 does not have: a subscript there
    "1.5_2",
    "10_2x",
    "(1,)", // one item
    "x < 1, x > 2", // relations in a list
    "((1,2),(3,4))", // a tuple of tuples
    "\\{1, \\infty\\}", // an item the probe cannot tell apart
    "a_{n+1} = 2, a_n = 1", // a subscript the engine reads as an operation
    "\\{1, 2", // unbalanced
  ];
  for (const latex of refused) assert.equal(parseStructure(listToTuple(latex)), null, latex);
});

test("our structured readings and the engine's have the same structure and the same values", async () => {
  const { parseWithEngine } = await import("../../src/reward/builtin/mathCompare");
  const STRUCTURES = new Set(["Set", "Tuple", "Interval", "Open", "Equal", "Less", "LessEqual", "NotEqual", "Element", "Matrix", "List", "Union"]);
  const values = { x: 0.7368, y: 1.4142, z: -0.3183, p: 2.7183, q: 1.618, a: 0.4343, b: -1.2599, x_1: 0.57, x_2: 1.91, a_3: 0.33, a_37: 2.1, PositiveInfinity: Infinity, NegativeInfinity: -Infinity };
  const shape = (json: unknown): unknown =>
    Array.isArray(json) && STRUCTURES.has(json[0] as string) ? [json[0], ...json.slice(1).map(shape)] : json === "'[]'" ? json : Math.round(evaluateReal(json, values)! * 1e9) / 1e9;
  const latexes = [
    "1, 2", "-12;-11", "(1, 2)", "(1,2),(3,4)", "(0;0;1),(0;-2;0)", "\\{1, x\\}", "[0, 1)", "(\\frac35, 2]", "[1, 2]", "(1, 2]", "x = 3",
    "z = 1 + 1 = 2", "x \\ge 5", "5 > x > 1", "x \\ne 3", "x=1, y=2", "(x=1, y=2)", "p=5,q=2;p=7,q=2", "2x+4y-3=0", "y=-\\frac{1}{2}x+\\frac{3}{4}",
    "x^2/4 + y^2/3 = 1", "1 \\le x \\le 2", "\\frac{1}{2}, \\frac{1}{3}", "(3, \\frac{\\pi}{2})", "a + b = 1 = 2 - a", "(-1, -2), (2, 1)",
    "(-\\infty, 3)", "[2, \\infty)", "x_1 = 2, x_{2} = 3", "a_3 = 2, a_{37} = 19", "x_{1}=10^{\\frac{-5+\\sqrt{13}}{6}}, x_{2}=10^{\\frac{-5-\\sqrt{13}}{6}}",
    "19, 46, , 82", "(1, 2,)", "x \\in (0, 1]", "x \\in (0, 1)", "x \\in [-2,7]", "x \\in \\{1, 2\\}", "1 - \\frac{1}{e}", "xe + e^2",
    "\\begin{pmatrix}1 & 2 \\\\ 3 & \\frac{1}{4} \\\\ \\end{pmatrix}", "\\begin{bmatrix}0 & 0 \\\\0 & 0\\end{bmatrix}", "\\begin{pmatrix}0.33\\\\0.2 \\end{pmatrix}",
    "[0,2]\\cup[1,3]", "(-\\infty, -3] \\cup [2, \\infty)", "\\{1\\} \\cup (2,3)", "x \\in (0,1) \\cup (2,3)",
    // Items written twice (dropped, as the engine drops them), braces around a list (a tuple),
    // equations of tuples, numbers in a base.
    "1, 1", "1, 2, 1", "(1,2), (2,1), (1,2)", "\\{(1,2), (1,2)\\}", "{2, 3}", "{x=1, y=2}", "{(1,2),(3,4)}", "{1,2},{3,4}", "{1,,2}",
    "(x,y) = (1,2)", "(x,y) = (1,2), (2,1)", "(x, y) = (5, 8) ,  , ,  (8, 5)", "1112122_3", "204_5", "12_{10}", "101_2 + 1",
    "4 4/9, 1 2", "1, 2, 3, ...", "1, ..., 5", "1,2,\\ldots", "\\cdots, 0",
  ];
  for (const latex of latexes) {
    const listed = listToTuple(latex);
    const ours = parseStructure(listed);
    assert.notEqual(ours, null, latex);
    const theirs = parseWithEngine(latex);
    assert.ok(theirs, latex);
    assert.deepEqual(shape(ours), shape(theirs.json), `${latex}: ours ${JSON.stringify(ours)}, engine ${JSON.stringify(theirs.json)}`);
  }
  // Sums and products of matrices (multiplied out by matrixRows, mathCompare.ts) and a matrix in
  // brackets: the engine's reading exactly.
  const pm = (rows: string) => `\\begin{pmatrix}${rows}\\end{pmatrix}`;
  for (const latex of [`${pm("1 & 2 \\\\ 3 & 4")} + ${pm("5 & 6 \\\\ 7 & 8")}`, `${pm("1 \\\\ 2")}${pm("1 & 3")}${pm("1 \\\\ 4")}`, `${pm("1 & 0 \\\\ 0 & 1")} ${pm("1 & 0 \\\\ 0 & 1")}`, `[${pm("1 & 2")}]`, `${pm("1")} + ${pm("2")} + ${pm("3")}`]) {
    assert.deepEqual(parseStructure(listToTuple(latex)), parseWithEngine(latex)?.json, latex);
  }
});

test("structured answers compare by the same rules on our reading", () => {
  const cases: [string, string, boolean][] = [
    ["\\{1, 2\\}", "2, 1", true],
    ["(1, 2)", "(2, 1)", false],
    ["(1,2),(2,1)", "(2,1),(1,2)", true],
    ["[0, 1)", "[0, 1]", false],
    ["(\\frac{3}{5}, \\frac{8}{3}]", "(0.6, \\frac{8}{3}]", true],
    ["x \\geq 5", "5 \\leq x", true],
    ["x > 5", "x \\geq 5", false],
    ["1 < x < 2", "(1, 2)", true],
    ["2x+4y-3=0", "y=-\\frac{1}{2}x+\\frac{3}{4}", true],
    ["x = 3", "3", true],
    ["x = 1, y = 2", "1, 2", true],
    ["p=5,q=2;p=7,q=2", "(5,2),(7,2)", true],
    ["x^2/4 + y^2/3 = 1", "x^2/16 + y^2/12 = 1/4", true],
    ["z = 1 + 1 = 2", "2", true],
    ["(-\\infty, 3)", "(-\\infty, 3]", false],
    ["[2, \\infty)", "[2, \\infty)", true],
    ["a_3 = 2, a_{37} = 19", "a_{37} = 19, a_3 = 2", true],
    ["x \\in [-2, 7]", "[-2, 7]", true],
    ["(-\\infty, -3] \\cup [2, \\infty)", "[2, \\infty) \\cup (-\\infty, -3]", true],
    ["[1,2)\\cup(3,4]", "[1,2] \\cup (3,4]", false],
    ["1 - \\frac{1}{e}", "0.632121", true],
    ["\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "\\begin{bmatrix}1 & 2 \\\\ 3 & 4\\end{bmatrix}", true],
    ["\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "\\begin{pmatrix}1 & 2 \\\\ 3 & 5\\end{pmatrix}", false],
  ];
  for (const [gold, prediction, expected] of cases) assert.equal(mathEqual(gold, prediction), expected, `${gold} vs ${prediction}`);
});

test("sums, products, sequences, capitals and own functions are read as the engine reads them", async () => {
  // Last in this file: the engine declares a letter it has read applied (`g(b+c)`) a function for
  // the rest of the process, and the tests above read those letters as unknowns.
  // Our evaluator gives own functions and sequences fixed values (mathNumeric.ts): each reading is
  // evaluated by it next to the engine's reading, and their unknowns (which name a quantity) agree.
  const latexes = [
    "F_n", "F_{2n}", "x_{n-1}", "x_{k+1}^2", "\\sum_{k=0}^{n-2} F_k F_{n-k-2}", "\\sum_{k=0}^{n-1} F_{n-k-1} F_k", "\\sum_{k=1}^{n} k + 1",
    "2\\sum_{k=1}^{n} k", "\\prod_{k=1}^{n} k", "\\sum_{k=1}^{n}(k+1)", "\\sum_{k=1}^{n} (k+1)^2", "\\sum_{k=1}^{n} k \\cdot 2", "\\sum_{j=0}^{10} j",
    "\\sum_{k = 1}^{n} \\frac{1}{k}", "f(x)", "f(2x)+1", "P(x)", "f(x,y)", "f(x)^2", "f(x) \\cdot 2", "f(f(x))", "C(5,2)", "A", "2A+B",
    "E", "Evelyn", "A B", "I", "g(b+c)", "f (x)", "2 3", "1 2 3", "1 2.5", "1.5 2", "11.0 4/9", "11 6/6", "12 345/6", "2 3x", "2 3^2",
  ];
  for (const latex of latexes) {
    const { ours, theirs, unknowns } = await bothReadings(latex);
    assert.equal(arithmeticUnknowns(ours).length > 0, theirs.unknowns.length > 0, `${latex}: unknowns ${JSON.stringify(arithmeticUnknowns(ours))} vs ${JSON.stringify(theirs.unknowns)}`);
    const values = valuesAtPoints(ours, theirs.json, unknowns, SEEDED_POINTS);
    assert.ok(values, `${latex}: evaluated (${JSON.stringify(ours)} / ${JSON.stringify(theirs.json)})`);
    for (const [x, y] of values) assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x)), `${latex}: ours ${x}, the engine's reading ${y}`);
  }
});

test("random answers of the forms we read: where we read one, the engine reads the same structure and values", async () => {
  const { ce, parseWithEngine } = await import("../../src/reward/builtin/mathCompare");
  ce();
  let state = 20261208;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const atom = (depth: number): string => {
    const r = random();
    if (depth > 2 || r < 0.3) return pick(["1", "2", "12", "0.5", "x", "y", "n", "k", "A", "B", "F_n", "F_k", "x_1", "a_{12}", "F_{2n}", "\\pi", "e"]);
    if (r < 0.4) return `\\frac{${expr(depth + 1)}}{${expr(depth + 1)}}`;
    if (r < 0.5) return `(${expr(depth + 1)})`;
    if (r < 0.58) return `\\sum_{k=${pick(["0", "1"])}}^{${pick(["n", "n-1", "3"])}} ${term(depth + 1)}`;
    if (r < 0.62) return `\\prod_{k=1}^{${pick(["n", "3"])}} ${term(depth + 1)}`;
    if (r < 0.72) return `${pick(["f", "g", "P", "W"])}(${expr(depth + 1)})`;
    if (r < 0.8) return pick(["x_{n-1}", "x_{k+1}", "F_{n-k-1}", "F_{n-2}"]);
    if (r < 0.86) return `${pick(["101", "12", "1011"])}_${pick(["2", "3", "{10}"])}`;
    if (r < 0.92) return `${pick(["1", "4", "11.0"])} ${pick(["2", "4/9", "0"])}`;
    return `\\sqrt{${expr(depth + 1)}}`;
  };
  const term = (depth: number): string => {
    let t = atom(depth);
    while (random() < 0.35) t += pick([" ", "", " \\cdot ", "^2 "]) + atom(depth + 1);
    return t;
  };
  const expr = (depth: number): string => {
    let t = term(depth);
    while (random() < 0.3) t += pick([" + ", " - "]) + term(depth + 1);
    return t;
  };
  const forms = [
    () => expr(0), () => `${expr(0)} = ${expr(0)}`, () => `${expr(1)}, ${expr(1)}`, () => `{${expr(1)}, ${expr(1)}}`,
    () => `(x, y) = (${expr(1)}, ${expr(1)})`, () => `${expr(1)}, ${expr(1)}, \\ldots`, () => `\\{${expr(1)}, ${expr(1)}\\}`,
  ];
  const STRUCTURES = new Set(["Set", "Tuple", "Interval", "Open", "Equal", "Less", "LessEqual", "NotEqual", "Element", "Matrix", "List", "Union"]);
  const points = SEEDED_POINTS;
  const isStructure = (json: unknown) => Array.isArray(json) && STRUCTURES.has(json[0] as string);
  const same = (ours: unknown, theirs: unknown, unknowns: string[], latex: string): void => {
    if (isStructure(ours) || isStructure(theirs)) {
      const [o, t] = [ours as unknown[], theirs as unknown[]];
      assert.ok(isStructure(ours) && isStructure(theirs) && o[0] === t[0] && o.length === t.length, `${latex}: ours ${JSON.stringify(ours)}, the engine's ${JSON.stringify(theirs)}`);
      for (let i = 1; i < o.length; i++) same(o[i], t[i], unknowns, latex);
      return;
    }
    // Where our evaluator cannot evaluate a side, the comparison rules ask the engine: nothing to check.
    for (const [x, y] of valuesAtPoints(ours, theirs, unknowns, points) ?? []) {
      assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x)), `${latex}: ours ${x} (${JSON.stringify(ours)}), the engine's ${y} (${JSON.stringify(theirs)})`);
    }
  };
  let read = 0;
  for (let i = 0; i < 1500; i++) {
    const latex = pick(forms)();
    const ours = parseStructure(listToTuple(latex));
    if (ours === null) continue;
    read++;
    const theirs = parseWithEngine(latex);
    assert.ok(theirs, `${latex}: we read it, the engine does not`);
    if (!isStructure(ours)) assert.equal(arithmeticUnknowns(ours).length > 0, theirs.unknowns.length > 0, `${latex}: unknowns`);
    same(ours, theirs.json, [...new Set([...theirs.unknowns, ...arithmeticUnknowns(ours)])].sort(), latex);
  }
  assert.ok(read > 500, `the generator exercises the reader (${read} of 1500 read)`);
});
