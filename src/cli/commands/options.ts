// Parsing of numeric option values, with errors that name the flag and what it accepts.
import { CliError } from "../command";

/** An integer option at least `min`. */
export function intOption(value: string, flag: string, min = 0): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new CliError(`${flag} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ""} (got "${value}")`);
  }
  return n;
}

/** A finite number option (1e-3 style accepted). */
export function numberOption(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new CliError(`${flag} must be a number (got "${value}")`);
  return n;
}
