/** DAPO overlong reward shaping. */
import type { OutcomeReward } from "../api/types";
import { completionLength, type LengthUnit } from "./measure";

export interface OverlongPenaltyOptions {
  name?: string;
  weight?: number;
  /** L_max: the generation limit. */
  maxLength: number;
  /** L_cache: the length of the soft-penalty zone just below L_max. */
  bufferLength: number;
  /** Penalty at L = L_max (default 1). */
  penaltyFactor?: number;
  /** Default `tokens` (see {@link completionLength} for samples without tokens). */
  unit?: LengthUnit;
  /**
   * Keep the penalty at -penaltyFactor beyond L_max (default true, as in the DAPO paper). verl does
   * not clip, since its responses are truncated at L_max; `false` reproduces verl for every length.
   */
  clipBeyondMax?: boolean;
}

/**
 * Soft overlong punishment of DAPO (arXiv 2503.14476, eq. 13), with f = penaltyFactor:
 *
 *   R(L) = 0                                      L <= L_max - L_cache
 *   R(L) = -(L - (L_max - L_cache)) / L_cache * f   L_max - L_cache < L <= L_max
 *   R(L) = -f                                     L > L_max
 *
 * verl computes it in `DAPORewardManager.__call__` (verl/workers/reward_manager/dapo.py) as
 * `min(-(L - (L_max - L_cache)) / L_cache * f, 0)` with `L_max = max_resp_len`,
 * `L_cache = overlong_buffer.len`, `f = overlong_buffer.penalty_factor` and L the valid response
 * length in tokens; that is the same for L <= L_max, and keeps falling below -f beyond it
 * (`clipBeyondMax: false`).
 */
export function overlongPenalty(options: OverlongPenaltyOptions): OutcomeReward {
  const { name = "overlong", weight = 1, maxLength, bufferLength, penaltyFactor = 1, unit = "tokens", clipBeyondMax = true } = options;
  if (!(bufferLength > 0)) throw new Error(`overlongPenalty: bufferLength must be > 0, got ${bufferLength}`);
  if (!(maxLength >= bufferLength)) {
    throw new Error(`overlongPenalty: maxLength (${maxLength}) must be >= bufferLength (${bufferLength}), as verl requires`);
  }
  const expectedLength = maxLength - bufferLength;
  return {
    name,
    weight,
    kind: "outcome",
    description: `DAPO soft overlong penalty: 0 up to ${expectedLength} ${unit}, -${penaltyFactor} at ${maxLength}`,
    score(sample, ctx) {
      const exceed = completionLength(sample, unit, ctx) - expectedLength;
      if (exceed <= 0) return 0;
      const penalty = (-exceed / bufferLength) * penaltyFactor;
      return clipBeyondMax && penalty < -penaltyFactor ? -penaltyFactor : penalty;
    },
  };
}
