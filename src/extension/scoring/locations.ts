/** Parsing the `file:line:col: message` locations the reward engine puts on errors. Pure: no vscode. */

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

const LOCATION = /^(.+?):(\d+):(\d+)(?::\s*|$)/;

/** Splits "file:line:col: message" (also "file:line:col: error: message") into location and message. */
export function splitLocation(text: string): { location?: SourceLocation; message: string } {
  const match = LOCATION.exec(text);
  if (!match) return { message: text };
  const message = text.slice(match[0].length).replace(/^error:\s*/, "");
  return { location: { file: match[1], line: Number(match[2]), column: Number(match[3]) }, message: message || text };
}

/** A reward's runtime failures over one scoring run, grouped by where in the reward file they happened. */
export interface FailureGroup {
  reward: string;
  location?: SourceLocation;
  message: string;
  /** The first failing sample: id and where it is. */
  firstSample: { id: string; file: string; line: number };
  count: number;
}

export interface Failure {
  reward: string;
  message: string;
  location?: string;
  sample: { id: string; file: string; line: number };
}

export function groupFailures(failures: Iterable<Failure>): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const failure of failures) {
    // The engine may give the location separately, in the message, or both: keep one, once.
    const outer = splitLocation(failure.message);
    const location = failure.location ? splitLocation(`${failure.location}: x`).location : outer.location;
    const split = { location: location ?? outer.location, message: outer.message };
    const key = `${failure.reward}\u0000${split.location ? `${split.location.file}:${split.location.line}` : ""}\u0000${split.message}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { reward: failure.reward, location: split.location, message: split.message, firstSample: failure.sample, count: 1 });
  }
  return [...groups.values()];
}
