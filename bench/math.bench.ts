/**
 * The math verifier (`mathEqual`, issue 20) against the string matcher it extends (`answersMatch`,
 * what `answerMatchReward` uses), on the same inputs in the same run:
 *
 * 1. The Math-Verify conformance corpus (test/fixtures/math-verify/corpus.jsonl: gold, prediction,
 *    Math-Verify's verdict): agreement with Math-Verify for each, and per-case time. Most of these
 *    cases exist because strings do not decide them, so this is the verifier's worst case. Timed
 *    three ways: with answers read afresh (the verifier's cache of readings emptied before each
 *    round), with the golds read before and each completion new (what a training run sees: a
 *    group's gold is read for its first sample), and with answers seen before (the cache holding the
 *    round before's); then the three slowest cases and the median case.
 * 2. RL-shaped completions (math-cot style: `<think>` steps and an integer `<answer>`, 60% right,
 *    some with a `\boxed{}`), where strings and numbers decide: the verifier must cost at most 3x
 *    the string matcher here (target of issue 20).
 *
 * 3. RL-shaped completions with LaTeX answers; 4. long reasoning completions (~1.6 KB of LaTeX steps
 *    in a `<think>`, then a boxed or "final answer is" answer), where extraction runs over the whole text.
 *
 * Every timing runs WARMUP untimed rounds first (both sides): the verifier has many code paths,
 * and V8 is still compiling them over the first rounds of the corpus (per-case times 3-4x the
 * later ones), which a scoring run, scoring thousands of samples in one process, pays once.
 *
 * Usage: npm run bench -- math     (BENCH_ROUNDS=N timed rounds per side, default 10; BENCH_WARMUP=N untimed rounds first, default 3)
 */
import { answersMatch } from "../src/reward/builtin/answerMatch";
import { extractAnswer } from "../src/trace/answer";
import { extractMathAnswers, mathEqual } from "../src/reward/builtin/mathVerify";
import { clearParseCache, firstParsing } from "../src/reward/builtin/mathCompare";
import { type MathVerifyCase, optionsOf, readCorpus } from "../test/fixtures/math-verify/corpus";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);


const corpus = readCorpus();

/** The string matcher as `answerMatchReward` applies it: the extracted answer, else the whole text. */
const stringMatch = (gold: string, prediction: string) => answersMatch(extractAnswer(prediction)?.text ?? prediction, gold);
const verify = (c: MathVerifyCase) => mathEqual(c.gold, c.prediction, optionsOf(c));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median over rounds of the time per item, in microseconds (A and B alternate round by round; `beforeA` runs untimed before each A round). */
function timeBoth<T>(items: readonly T[], a: (x: T) => boolean, b: (x: T) => boolean, beforeA?: () => void): { a: number; b: number } {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    beforeA?.();
    let t = performance.now();
    for (const x of items) a(x);
    const da = performance.now() - t;
    t = performance.now();
    for (const x of items) b(x);
    const db = performance.now() - t;
    if (r >= WARMUP) {
      ta.push((da * 1000) / items.length);
      tb.push((db * 1000) / items.length);
    }
  }
  return { a: median(ta), b: median(tb) };
}

// 1. Corpus agreement.
const load = performance.now();
mathEqual("\\frac{1}{2}", "\\frac{2}{4}");
console.log(`compute-engine loaded on first symbolic comparison in ${(performance.now() - load).toFixed(0)} ms`);
let verifierAgrees = 0;
let stringAgrees = 0;
const byCategory = new Map<string, { n: number; verifier: number; string: number }>();
for (const c of corpus) {
  const v = verify(c) === c.expected;
  const s = stringMatch(c.gold, c.prediction) === c.expected;
  verifierAgrees += Number(v);
  stringAgrees += Number(s);
  const entry = byCategory.get(c.category) ?? { n: 0, verifier: 0, string: 0 };
  entry.n++;
  entry.verifier += Number(v);
  entry.string += Number(s);
  byCategory.set(c.category, entry);
}
const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}%`;
console.log(`\n## Math-Verify corpus: ${corpus.length} cases`);
console.log(`agreement with Math-Verify: mathEqual ${pct(verifierAgrees, corpus.length)} (${verifierAgrees}), answersMatch ${pct(stringAgrees, corpus.length)} (${stringAgrees})`);
console.log("category | cases | mathEqual | answersMatch");
for (const [category, e] of [...byCategory].sort((x, y) => y[1].n - x[1].n)) console.log(`${category} | ${e.n} | ${pct(e.verifier, e.n)} | ${pct(e.string, e.n)}`);
/**
 * Per-case times over rounds (A and B alternate case by case; `beforeRound` runs untimed before
 * each round, `beforeCase` before each case's A): the median round's mean, and the sum of each
 * case's best round, which a shared, busy machine disturbs far less (a load spike slows one round of
 * one case, not the figure).
 */
function timeCases<T>(items: readonly T[], a: (x: T) => boolean, b: (x: T) => boolean, beforeRound?: () => void, beforeCase?: (x: T) => void) {
  const bestA = items.map(() => Infinity);
  const bestB = items.map(() => Infinity);
  const roundA: number[] = [];
  const roundB: number[] = [];
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    beforeRound?.();
    let sumA = 0;
    let sumB = 0;
    items.forEach((x, i) => {
      beforeCase?.(x);
      let t = performance.now();
      a(x);
      const da = (performance.now() - t) * 1000;
      t = performance.now();
      b(x);
      const db = (performance.now() - t) * 1000;
      sumA += da;
      sumB += db;
      if (r >= WARMUP) {
        bestA[i] = Math.min(bestA[i], da);
        bestB[i] = Math.min(bestB[i], db);
      }
    });
    if (r >= WARMUP) {
      roundA.push(sumA / items.length);
      roundB.push(sumB / items.length);
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return { a: mean(bestA), b: mean(bestB), medianA: median(roundA), medianB: median(roundB), bestA };
}

// Afresh: the verifier's cache of answers it has read (1,024 texts, enough for the corpus) is
// emptied before each round, so every answer is read as a new completion's is. Seen: the cache
// holds every answer from the round before, as it holds a group's gold and its common answers.
const corpusFresh = timeCases(corpus, verify, (c) => stringMatch(c.gold, c.prediction), clearParseCache);
// As in a run: the gold was read for the first sample of its group, just before; the completion is
// new (nothing else is remembered: no other case's answers).
const readGold = (c: MathVerifyCase) => {
  clearParseCache();
  const options = optionsOf(c);
  // The gold's readings, then its candidates in the verifier's gold cache (an empty prediction
  // stops before reading anything else).
  firstParsing(extractMathAnswers(c.gold, options.targets, options.boxedPriority));
  mathEqual(c.gold, "", options);
};
const corpusGolds = timeCases(corpus, verify, (c) => stringMatch(c.gold, c.prediction), undefined, readGold);
const corpusSeen = timeCases(corpus, verify, (c) => stringMatch(c.gold, c.prediction));
for (const [label, t] of [["answers read afresh", corpusFresh], ["golds read before, completions new (a run's case)", corpusGolds], ["answers seen before", corpusSeen]] as const) {
  console.log(
    `time per case, ${label} (each case's best of ${ROUNDS} rounds): mathEqual ${t.a.toFixed(1)} us, answersMatch ${t.b.toFixed(2)} us, ratio ${(t.a / t.b).toFixed(1)}x` +
      ` (median round: ${t.medianA.toFixed(1)} us vs ${t.medianB.toFixed(2)} us, ${(t.medianA / t.medianB).toFixed(1)}x)`,
  );
}
// Where the time goes: the slowest cases (answers seen before), which need the engine's algebra.
const total = corpusSeen.bestA.reduce((s, us) => s + us, 0);
const slowest = corpus.map((c, i) => ({ id: c.id, us: corpusSeen.bestA[i] })).sort((x, y) => y.us - x.us).slice(0, 3);
const withoutSlowest = (total - slowest[0].us) / (corpus.length - 1) / corpusSeen.b;
console.log(
  `slowest cases (answers seen before): ${slowest.map((c) => `${c.id} ${(c.us / 1000).toFixed(1)} ms (${((100 * c.us) / total).toFixed(0)}%)`).join(", ")}; ` +
    `median case ${median(corpusSeen.bestA).toFixed(1)} us; ratio without the slowest case ${withoutSlowest.toFixed(1)}x`,
);

// 2. RL-shaped completions.
let seed = 11;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const rollouts = Array.from({ length: 20_000 }, () => {
  const a = Math.floor(rand() * 90) + 10;
  const b = Math.floor(rand() * 9) + 2;
  const right = a * b;
  const said = rand() < 0.6 ? right : right + Math.floor(rand() * 5) + 1;
  const answer = rand() < 0.2 ? `\\boxed{${said}}` : String(said);
  return { gold: String(right), prediction: `<think>Step 1: ${a} * ${b} = ${said}.</think><answer>${answer}</answer>` };
});
const agreeRollouts = rollouts.filter((r) => mathEqual(r.gold, r.prediction) === stringMatch(r.gold, r.prediction)).length;
const rl = timeBoth(rollouts, (r) => mathEqual(r.gold, r.prediction), (r) => stringMatch(r.gold, r.prediction));
console.log(`\n## RL-shaped completions: ${rollouts.length} (integer answers, 20% boxed)`);
console.log(`same verdict as answersMatch: ${pct(agreeRollouts, rollouts.length)}`);
console.log(`time per sample (median of ${ROUNDS} rounds): mathEqual ${rl.a.toFixed(2)} us (${Math.round(1e6 / rl.a).toLocaleString("en-US")} samples/s), answersMatch ${rl.b.toFixed(2)} us (${Math.round(1e6 / rl.b).toLocaleString("en-US")} samples/s), ratio ${(rl.a / rl.b).toFixed(2)}x (target <= 3x)`);

// 3. RL-shaped completions with LaTeX answers (`\frac{3}{4}`, `2\sqrt{3}`, `\frac{\pi}{6}`): half
// say the gold in another form (`0.75`, `\frac{6}{8}`, `\sqrt{12}`), a quarter are wrong, a quarter
// repeat the gold's text. Strings decide only the repeats; the verifier reads the rest itself.
// The verifier's cache of readings is emptied before each round; within one, the 200 golds and
// their forms repeat, as a run's golds repeat over a group and its short answers over samples.
const forms: [gold: string, same: string, wrong: string][] = [];
for (let k = 0; k < 200; k++) {
  const a = 1 + Math.floor(rand() * 9);
  const b = a + 1 + Math.floor(rand() * 9);
  const m = [2, 3, 5, 6, 7][Math.floor(rand() * 5)];
  const kind = k % 3;
  if (kind === 0) forms.push([`\\frac{${a}}{${b}}`, `\\frac{${2 * a}}{${2 * b}}`, `\\frac{${a + 1}}{${b}}`]);
  else if (kind === 1) forms.push([`${a}\\sqrt{${m}}`, `\\sqrt{${a * a * m}}`, `${a}\\sqrt{${m + 1}}`]);
  else forms.push([`\\frac{${a}\\pi}{${b}}`, `\\frac{${a}}{${b}}\\pi`, `\\frac{${a}\\pi}{${b + 1}}`]);
}
const latexRollouts = Array.from({ length: 20_000 }, () => {
  const [gold, same, wrong] = forms[Math.floor(rand() * forms.length)];
  const roll = rand();
  const said = roll < 0.5 ? same : roll < 0.75 ? wrong : gold;
  const answer = rand() < 0.5 ? `\\boxed{${said}}` : said;
  return { gold, prediction: `<think>Simplify the expression step by step.</think><answer>${answer}</answer>`, equal: roll < 0.5 || roll >= 0.75 };
});
const rightLatex = latexRollouts.filter((r) => mathEqual(r.gold, r.prediction) === r.equal).length;
const stringRightLatex = latexRollouts.filter((r) => stringMatch(r.gold, r.prediction) === r.equal).length;
const latexTime = timeBoth(latexRollouts, (r) => mathEqual(r.gold, r.prediction), (r) => stringMatch(r.gold, r.prediction), clearParseCache);
console.log(`\n## RL-shaped completions with LaTeX answers: ${latexRollouts.length} (\\frac, \\sqrt, \\pi; half the right ones in another form)`);
console.log(`right verdicts: mathEqual ${pct(rightLatex, latexRollouts.length)}, answersMatch ${pct(stringRightLatex, latexRollouts.length)}`);
console.log(`time per sample (median of ${ROUNDS} rounds, the cache emptied before each): mathEqual ${latexTime.a.toFixed(2)} us, answersMatch ${latexTime.b.toFixed(2)} us, ratio ${(latexTime.a / latexTime.b).toFixed(2)}x`);

// 4. Long reasoning completions (R1-style: a `<think>` of 10-50 LaTeX-laden steps, ~1.6 KB, then
// "the answer is $\boxed{..}$" or "The final answer is $..$"), 60% right: the extraction works over
// the whole text here, as in a reasoning run. The cache of readings is emptied before each round.
const stepTexts = [
  "Let $x$ be the number of apples, so $3x + 5 = 20$.",
  "Then \\(x = 5\\), and we check: $3 \\cdot 5 + 5 = 20$.",
  "We compute \\[\\frac{12}{16} = \\frac{3}{4}.\\]",
  "Wait, let me re-check the second step: $2^3 = 8$ and $8 - 3 = 5$.",
  "So the total is $5 + 7 = 12$ over $16$ cases.",
  "Hmm, maybe I should consider the complement: $1 - \\frac{1}{4}$.",
];
const longGolds = ["\\frac{3}{4}", "12", "\\sqrt{2}", "(1, 2)", "x = 5"];
const longRollouts = Array.from({ length: 2000 }, () => {
  const gold = longGolds[Math.floor(rand() * longGolds.length)];
  let text = "<think>\n";
  const steps = 10 + Math.floor(rand() * 40);
  for (let i = 0; i < steps; i++) text += `${stepTexts[Math.floor(rand() * stepTexts.length)]}\n`;
  const said = rand() < 0.6 ? gold : "0.75";
  text += `</think>\n${rand() < 0.5 ? `Therefore the answer is $\\boxed{${said}}$.` : `The final answer is $${said}$.`}`;
  return { gold, prediction: text };
});
const meanLength = Math.round(longRollouts.reduce((sum, r) => sum + r.prediction.length, 0) / longRollouts.length);
const longTime = timeBoth(longRollouts, (r) => mathEqual(r.gold, r.prediction), (r) => stringMatch(r.gold, r.prediction), clearParseCache);
console.log(`\n## Long reasoning completions: ${longRollouts.length} (a <think> of LaTeX steps, ${meanLength} characters on average; boxed or "final answer is")`);
console.log(`time per sample (median of ${ROUNDS} rounds, the cache emptied before each): mathEqual ${longTime.a.toFixed(2)} us, answersMatch ${longTime.b.toFixed(2)} us, ratio ${(longTime.a / longTime.b).toFixed(2)}x`);
