import { test } from "node:test";
import assert from "node:assert/strict";
import { LineCursor } from "../../src/trace/chunks";
import { scanControls } from "../../src/trace/controlScan";
import { parseJsonObjectFast } from "../../src/trace/jsonLine";
import { parseTraceRecord } from "../../src/trace/reader";

/** Seeded generator (same numbers every run). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const KEYS = ["id", "group", "completion", "answer", "", "0", "12", "constructor", "toString", "a\"b", "back\\slash", "ключ", "__proto__", "x y"];
const STRINGS = ["", "s1", "plain text", 'say "hi"', "back\\slash", "line\nbreak\ttab", "\u0000\u001f", "é数😀", "\ud800 lone", "</answer>", "\\boxed{12}", "\\"];
const NUMBERS = [0, -0, 1, -17, 3.25, 1e21, 1.5e-7, -2.5e300, 123456789012, 0.1];

/** A random JSON value: scalars, and arrays/objects up to `depth` deep. */
function value(rand: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
  const r = rand();
  if (r < 0.35) return pick(STRINGS) + (rand() < 0.3 ? String(Math.floor(rand() * 1000)) : "");
  if (r < 0.55) return pick(NUMBERS);
  if (r < 0.65) return pick([true, false, null]);
  if (depth <= 0) return "leaf";
  if (r < 0.8) return Array.from({ length: Math.floor(rand() * 4) }, () => value(rand, depth - 1));
  return Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, () => [pick(KEYS), value(rand, depth - 1)]));
}

/** A JSON object line, written by hand so keys may repeat and whitespace may sit between tokens. */
function line(rand: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
  const space = () => (rand() < 0.2 ? pick([" ", "  ", "\t", " \r\n "]) : "");
  const fields = Array.from({ length: Math.floor(rand() * 6) }, () => {
    const key = rand() < 0.7 ? pick(KEYS.slice(0, 4)) : pick(KEYS);
    return `${space()}${JSON.stringify(key)}${space()}:${space()}${JSON.stringify(value(rand, 2))}${space()}`;
  });
  return `${space()}{${fields.join(",")}${fields.length ? "" : space()}}${space()}`;
}

/** Breaks a line the ways files get broken: a character dropped, one inserted, the end cut off. */
function mutate(text: string, rand: () => number): string {
  const at = Math.floor(rand() * (text.length + 1));
  const r = rand();
  if (r < 0.35) return text.slice(0, at) + text.slice(at + 1);
  if (r < 0.7) return text.slice(0, at) + '"{}[],:\\ 0e.-+tnx'[Math.floor(rand() * 17)] + text.slice(at);
  return text.slice(0, at);
}

/**
 * The fast path's whole contract: on text without raw control characters, either undefined, or
 * exactly what JSON.parse returns (same keys in the same order, same values, -0 included, a plain
 * prototype); and never a value where JSON.parse throws.
 */
function check(text: string): "fast" | "fallback" {
  const fast = parseJsonObjectFast(text);
  let expected: unknown;
  let error: unknown;
  try {
    expected = JSON.parse(text);
  } catch (e) {
    error = e;
  }
  if (fast === undefined) return "fallback";
  assert.equal(error, undefined, `accepted what JSON.parse rejects: ${JSON.stringify(text)}`);
  assert.equal(Object.getPrototypeOf(fast), Object.prototype);
  assert.deepEqual(Object.keys(fast), Object.keys(expected as object), `key order of ${JSON.stringify(text)}`);
  assert.deepStrictEqual(fast, expected, `values of ${JSON.stringify(text)}`);
  return "fast";
}

test("the fast JSON path returns exactly JSON.parse's object for 20,000 generated lines, or defers", () => {
  const rand = random(11);
  let fast = 0, total = 0;
  for (let n = 0; n < 20_000; n++) {
    // JSON.stringify escapes control characters, so the only raw ones are whitespace between tokens.
    const text = line(rand);
    total++;
    if (check(text) === "fast") fast++;
  }
  // Only lines with an escaped key or "__proto__" may defer.
  assert.ok(fast / total > 0.6, `fast path taken on ${fast} of ${total} lines`);
});

test("the fast JSON path never accepts a broken line that JSON.parse rejects (20,000 mutations)", () => {
  const rand = random(5);
  let rejected = 0;
  for (let n = 0; n < 20_000; n++) {
    const text = mutate(JSON.stringify({ id: `s${n}`, group: "p1", completion: "a \"q\" \\ b\nc", answer: [1, -2.5e3, { x: null }], ok: true }), rand);
    try {
      JSON.parse(text);
    } catch {
      rejected++;
    }
    check(text);
  }
  assert.ok(rejected > 10_000, `only ${rejected} mutations were invalid JSON`);
});

test("the fast JSON path: numbers as JSON spells them, literals, nesting, duplicates and prototypes", () => {
  for (const bad of ['{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":+1}', '{"a":-}', '{"a":1e}', '{"a":1e+}', '{"a":0x10}', '{"a":tru}', '{"a":nul}', '{"a":[1,]}', '{"a":1,}', '{"a" 1}', '{a:1}', '{"a":1}x', "[1]", '"s"', "", "{", '{"a":"x}']) {
    assert.equal(parseJsonObjectFast(bad), undefined, bad);
  }
  const cases = ['{"a":-0,"b":1E3,"c":-1.5e-3,"d":0.0}', '{"a":true,"b":false,"c":null}', '{"a":{"b":[1,{"c":"]}"}]},"d":"}"}', '{"k":1,"j":2,"k":3}', '{"":""}', '{}', ' { "a" : "b" } ', '{"constructor":1,"toString":"x","0":"zero"}', '{"a":"\\"}\\\\"}'];
  for (const text of cases) assert.equal(check(text), "fast", text);
  // "__proto__" must become an own key (as JSON.parse makes it), never the prototype.
  assert.equal(parseJsonObjectFast('{"__proto__":{"polluted":1}}'), undefined);
  // The key cache: a line whose keys differ from the previous line's at any position.
  check('{"id":"a","group":"g","completion":"c"}');
  check('{"id":"a","grouq":"g","completion":"c"}');
  check('{"id":"a","group":"g"}');
  assert.equal(check('{"id":"a","group":"g","completion":"c"}'), "fast");
});

/** Offsets of bytes below 0x20 other than '\n' and a '\r' before '\n': the scan's definition. */
function controlsOf(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x20 && b !== 0x0a && !(b === 0x0d && bytes[i + 1] === 0x0a)) out.push(i);
  }
  return out;
}

test("scanControls finds every control byte at every offset around its 16-byte blocks", () => {
  const rand = random(3);
  for (let n = 0; n < 400; n++) {
    const length = Math.floor(rand() * 80);
    const bytes = Uint8Array.from({ length }, () => (rand() < 0.08 ? Math.floor(rand() * 0x20) : rand() < 0.05 ? 0x0a : 0x20 + Math.floor(rand() * 0xdf)));
    if (rand() < 0.2 && length > 1) bytes.set([0x0d, 0x0a], Math.floor(rand() * (length - 1)));
    const scan = scanControls(bytes);
    assert.notEqual(scan, null);
    const found = scan!.controls;
    assert.deepEqual(found, controlsOf(bytes), Buffer.from(bytes).toString("hex"));
  }
  // A piece larger than the scanner's memory grows it; '\r' as the very last byte is a control.
  const big = new Uint8Array(200_000).fill(0x41);
  big[131_071] = 0x09;
  big[199_999] = 0x0d;
  const scanned = scanControls(big);
  assert.notEqual(scanned, null);
  assert.equal(scanned!.controls[0], 131_071);
  assert.equal(scanned!.controls[1], 199_999);
});

test("LineCursor says which lines are free of control characters; such lines still parse exactly", () => {
  const ascii = ['{"a":"x"}', '{"a":"tab\there"}', '{"a":"y"}\r', '{"b":1}'].join("\n") + "\n";
  const cursor = new LineCursor(Buffer.from(ascii), 1);
  const seen: [number, boolean][] = [];
  while (cursor.next()) seen.push([cursor.lineNumber, cursor.controlFree]);
  assert.deepEqual(seen, [[1, true], [2, false], [3, true], [4, true]]);
  // In a UTF-8 piece bytes and characters do not line up: one control character makes every line unchecked.
  const utf8 = new LineCursor(Buffer.from('{"a":"数"}\n{"a":"b\u0001"}\n'), 1);
  const flags: boolean[] = [];
  while (utf8.next()) flags.push(utf8.controlFree);
  assert.deepEqual(flags, [false, false]);
  const clean = new LineCursor(Buffer.from('{"a":"数"}\n{"a":"b"}\n'), 1);
  while (clean.next()) assert.equal(clean.controlFree, true);
  // A raw tab inside a string is invalid JSON on either path.
  assert.throws(() => parseTraceRecord('{"completion":"a\tb"}', "t.jsonl", 2, false), /t\.jsonl:2/);
});

test("the embedded control-character scanner is the compiled control.wat", async () => {
  const root = new URL("../..", import.meta.url).pathname;
  const { compiledModule } = (await import(`${root}scripts/build-wasm.mjs`)) as { compiledModule: (path: string) => Promise<string> };
  const { readFileSync } = await import("node:fs");
  assert.equal(readFileSync(`${root}src/trace/simd/control.wasm.ts`, "utf8"), await compiledModule("trace/simd/control.wat"), "run node scripts/build-wasm.mjs after editing control.wat");
});
