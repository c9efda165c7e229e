import { test } from "node:test";
import assert from "node:assert/strict";
import { repeatedFraction, repetitionPenalty } from "../../../src/reward/builtin/repetition";
import { makeSample, scoreOf } from "./sample";

const score = (completion: string, options: Parameters<typeof repetitionPenalty>[0] = {}) =>
  scoreOf(repetitionPenalty(options), makeSample({ completion }));

test("repetitionPenalty: (1 - unique / total) * maxPenalty over word trigrams", () => {
  assert.equal(repetitionPenalty().name, "repetition");
  assert.equal(score("the cat sat on the mat"), 0, "4 trigrams, all unique");
  // "a b c a b c": trigrams abc, bca, cab, abc -> 3 unique of 4
  assert.equal(score("a b c a b c"), -0.25);
  // 6 words "a" -> 4 trigrams, 1 unique
  assert.equal(score("a a a a a a"), -0.75);
  assert.equal(score("A a a A"), -0.5, "lower-cased: 2 trigrams, 1 unique");
  assert.equal(score("  a b c a b c\n"), -0.25, "leading and trailing whitespace ignored");
});

test("repetitionPenalty options", () => {
  const bigrams = score("a b a b", { ngram: 2 }); // ab, ba, ab -> 2 unique of 3
  assert.ok(bigrams !== null && Math.abs(bigrams + 1 / 3) < 1e-12, `bigrams: ${bigrams}`);
  assert.equal(score("a b c a b c", { maxPenalty: -0.5 }), -0.125);
  assert.throws(() => repetitionPenalty({ maxPenalty: 1 }), /maxPenalty/);
  assert.throws(() => repetitionPenalty({ ngram: 0 }), /ngram/);
});

test("repetitionPenalty is 0 with fewer than n words", () => {
  assert.equal(score(""), 0);
  assert.equal(score("   "), 0);
  assert.equal(score("one two"), 0);
  assert.equal(score("one two three"), 0);
  assert.equal(repeatedFraction("x y", 3), 0);
});
