/**
 * A fast path for the JSON objects of trace lines, for text known to hold no control characters
 * (see `controlFree`). It returns exactly what `JSON.parse` returns, or `undefined` when the line
 * is anything it does not handle itself (an escaped key, a `__proto__` key, invalid JSON): the
 * caller then runs `JSON.parse`, which gives the value or the error message.
 *
 * Why: V8's `JSON.parse` internalizes every string value shorter than 11 characters (ids, group
 * names, short answers), a lookup in the isolate's string table that measured ~15% of a scoring
 * worker, more on files whose ids the worker has not seen. Here plain string values are slices of
 * the line (found with `indexOf`, which runs natively); escaped strings, arrays and nested objects
 * go through `JSON.parse` on their own slice, so their escapes and grammar are V8's.
 *
 * Exactness: every accepted line is valid JSON and gives the same keys in the same order with the
 * same values (duplicate keys: the last wins, as in `JSON.parse`). Raw control characters, which
 * JSON forbids inside strings, are not checked here: the caller vouches for their absence.
 */

const enum Char {
  Tab = 0x09,
  LineFeed = 0x0a,
  CarriageReturn = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  UpperE = 0x45,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerE = 0x65,
  LowerF = 0x66,
  LowerN = 0x6e,
  LowerT = 0x74,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

/**
 * Keys of the previous line, by position: trace files repeat one key order, so a key is usually
 * matched against the cached string instead of sliced.
 */
const keyCache: string[] = [];
/** Builds a record with one key order as an object literal: no per-key dictionary stores. */
type Build = (values: readonly unknown[]) => Record<string, unknown>;
/** Builders by key order (keys joined with NUL); bounded, as a file with many key orders gains little. */
const builders = new Map<string, Build>();
const MAX_BUILDERS = 64;
let lastKeys: readonly string[] = [];
let lastBuild: Build | undefined;

/** Parses `text` as one JSON object, or returns undefined (the caller falls back to `JSON.parse`). */
export function parseJsonObjectFast(text: string): Record<string, unknown> | undefined {
  const end = text.length;
  let i = skipSpace(text, 0, end);
  if (text.charCodeAt(i) !== Char.OpenBrace) return undefined;
  i = skipSpace(text, i + 1, end);
  if (text.charCodeAt(i) === Char.CloseBrace) return skipSpace(text, i + 1, end) === end ? {} : undefined;
  // A new array per line: it is young like the values, so filling it needs no write barrier.
  const values: unknown[] = [];
  /**
   * A backslash's position (-1: none after the last search, -2: not searched yet). Searched again
   * only once a string starts past it, so one search serves the many strings before it.
   */
  let backslash = -2;
  for (let k = 0; ; k++) {
    // Key: usually the previous line's key at this position, compared in place.
    if (text.charCodeAt(i) !== Char.Quote) return undefined;
    let key = keyCache[k];
    let keyEnd = key === undefined ? -1 : i + 1 + key.length;
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== Char.Quote || !text.startsWith(key, i + 1)) {
      keyEnd = text.indexOf('"', i + 1);
      if (keyEnd < 0) return undefined;
      key = text.slice(i + 1, keyEnd);
      // Escaped keys take JSON.parse. "__proto__" too: JSON.parse makes it an own property, an
      // object literal would set the prototype.
      if (key.indexOf("\\") >= 0 || key === "__proto__") return undefined;
      keyCache[k] = key;
      lastBuild = undefined; // built for the keys cached before this one
    }
    i = skipSpace(text, keyEnd + 1, end);
    if (text.charCodeAt(i) !== Char.Colon) return undefined;
    i = skipSpace(text, i + 1, end);
    // Value.
    const c = text.charCodeAt(i);
    let value: unknown;
    if (c === Char.Quote) {
      let close = text.indexOf('"', i + 1);
      if (close < 0) return undefined;
      if (backslash !== -1 && backslash <= i) backslash = text.indexOf("\\", i + 1);
      if (backslash === -1 || backslash > close) {
        value = text.slice(i + 1, close);
      } else {
        // Escaped: the closing quote is the first one not preceded by an odd run of backslashes.
        close = escapedStringEnd(text, i + 1);
        if (close < 0) return undefined;
        value = parseSlice(text, i, close + 1);
        if (value === undefined) return undefined;
        backslash = text.indexOf("\\", close + 1);
      }
      i = close + 1;
    } else if (c === Char.Minus || (c >= Char.Zero && c <= Char.Nine)) {
      const numberEnd = scanNumber(text, i, end);
      if (numberEnd < 0) return undefined;
      value = Number(text.slice(i, numberEnd));
      i = numberEnd;
    } else if (c === Char.OpenBracket || c === Char.OpenBrace) {
      const close = nestedEnd(text, i, end);
      if (close < 0) return undefined;
      value = parseSlice(text, i, close);
      if (value === undefined) return undefined;
      i = close;
    } else if (c === Char.LowerT && text.startsWith("true", i)) {
      value = true;
      i += 4;
    } else if (c === Char.LowerF && text.startsWith("false", i)) {
      value = false;
      i += 5;
    } else if (c === Char.LowerN && text.startsWith("null", i)) {
      value = null;
      i += 4;
    } else {
      return undefined;
    }
    values.push(value);
    i = skipSpace(text, i, end);
    const separator = text.charCodeAt(i);
    if (separator === Char.Comma) {
      i = skipSpace(text, i + 1, end);
      continue;
    }
    if (separator !== Char.CloseBrace || skipSpace(text, i + 1, end) !== end) return undefined;
    const count = k + 1;
    if (count !== lastKeys.length || lastBuild === undefined) {
      lastKeys = keyCache.slice(0, count);
      lastBuild = builder(lastKeys);
    }
    return lastBuild(values);
  }
}

/**
 * A function returning `{key0: values[0], key1: values[1], ...}` for one key order. Duplicate keys
 * behave as in `JSON.parse`: the first position, the last value.
 */
function builder(keys: readonly string[]): Build {
  const id = keys.join("\0");
  let build = builders.get(id);
  if (build === undefined) {
    const fields = keys.map((key, k) => `${JSON.stringify(key)}: v[${k}]`).join(", ");
    build = new Function("v", `return { ${fields} };`) as Build;
    if (builders.size >= MAX_BUILDERS) builders.clear();
    builders.set(id, build);
  }
  return build;
}

/** JSON whitespace only: space, tab, line feed, carriage return. */
function skipSpace(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== Char.Space && c !== Char.Tab && c !== Char.LineFeed && c !== Char.CarriageReturn) break;
    i++;
  }
  return i;
}

/** Index of the quote closing the string whose contents start at `from`, or -1. */
function escapedStringEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === Char.Backslash) slashes++;
    if ((slashes & 1) === 0) return quote;
    i = quote + 1;
  }
}

/** `JSON.parse` of `text[from, to)`, or undefined when that is not valid JSON. */
function parseSlice(text: string, from: number, to: number): unknown {
  try {
    return JSON.parse(text.slice(from, to));
  } catch {
    return undefined;
  }
}

/**
 * End of the JSON number starting at `from`, or -1 when the characters there are not one
 * (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, as JSON requires: no `01`, `1.`, `.5`, `+1`).
 */
function scanNumber(text: string, from: number, end: number): number {
  let i = from;
  if (text.charCodeAt(i) === Char.Minus) i++;
  const first = text.charCodeAt(i);
  if (first === Char.Zero) i++;
  else if (first > Char.Zero && first <= Char.Nine) i = skipDigits(text, i + 1, end);
  else return -1;
  if (text.charCodeAt(i) === Char.Dot) {
    const digits = i + 1;
    i = skipDigits(text, digits, end);
    if (i === digits) return -1;
  }
  const e = text.charCodeAt(i);
  if (e === Char.LowerE || e === Char.UpperE) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === Char.Plus || sign === Char.Minus) i++;
    const digits = i;
    i = skipDigits(text, digits, end);
    if (i === digits) return -1;
  }
  return i;
}

function skipDigits(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < Char.Zero || c > Char.Nine) break;
    i++;
  }
  return i;
}

/** End (exclusive) of the array or object opening at `from`, skipping strings; -1 when unbalanced. */
function nestedEnd(text: string, from: number, end: number): number {
  let depth = 0;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === Char.Quote) {
      i = escapedStringEnd(text, i + 1);
      if (i < 0) return -1;
    } else if (c === Char.OpenBracket || c === Char.OpenBrace) {
      depth++;
    } else if ((c === Char.CloseBracket || c === Char.CloseBrace) && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}
