// Parsing of numeric option values, with errors that name the flag and what it accepts.
import { CliError } from "../command";

/** An integer option in `min..max`. */
export function intOption(value: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : "";
    throw new CliError(`${flag} must be an integer${range} (got "${value}")`);
  }
  return n;
}

/** The longest delay a timer takes (setTimeout turns anything longer into 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;


/** A finite number option (1e-3 style accepted). */
export function numberOption(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new CliError(`${flag} must be a number (got "${value}")`);
  return n;
}
