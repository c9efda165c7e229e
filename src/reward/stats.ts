/**
 * Statistics over reward columns: summaries, correlations and GRPO group advantages. Columns are
 * Float64Arrays with NaN for "no value" (null, error), so nothing here allocates per sample.
 */

export interface RewardStats {
  mean: number | null;
  /** Population standard deviation (numpy's default), null without values. */
  std: number | null;
  min: number | null;
  max: number | null;
  /** Samples with a value. */
  count: number;
  /** Samples where the reward returned null (not applicable). */
  nulls: number;
  /** Samples where the reward threw or returned something invalid. */
  errors: number;
}

/** Summary of one column; `nulls` and `errors` are counted by the caller from the status column. */
export function columnStats(values: Float64Array, length: number, nulls = 0, errors = 0): RewardStats {
  let count = 0, sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (v !== v) continue; // NaN: no value
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (count === 0) return { mean: null, std: null, min: null, max: null, count, nulls, errors };
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (v === v) squares += (v - mean) * (v - mean);
  }
  return { mean, std: Math.sqrt(squares / count), min, max, count, nulls, errors };
}

/** Pearson correlation over the samples where both columns have a value; null when undefined (fewer than 2, or zero variance). */
export function pearson(a: Float64Array, b: Float64Array, length: number): number | null {
  let n = 0, sa = 0, sb = 0;
  for (let i = 0; i < length; i++) {
    if (a[i] === a[i] && b[i] === b[i]) {
      n++;
      sa += a[i];
      sb += b[i];
    }
  }
  if (n < 2) return null;
  const ma = sa / n, mb = sb / n;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < length; i++) {
    if (a[i] === a[i] && b[i] === b[i]) {
      const da = a[i] - ma, db = b[i] - mb;
      cov += da * db;
      va += da * da;
      vb += db * db;
    }
  }
  return va === 0 || vb === 0 ? null : cov / Math.sqrt(va * vb);
}

export interface GroupAdvantageOptions {
  /** Divide by the group's standard deviation (GRPO; verl `norm_adv_by_std_in_grpo`). False gives Dr.GRPO. */
  normByStd?: boolean;
  /** Added to the std before dividing (verl uses 1e-6). */
  epsilon?: number;
}

/**
 * GRPO outcome advantages, as verl's `compute_grpo_outcome_advantage`:
 * `A_i = (r_i - mean_g) / (std_g + eps)`, with the unbiased (Bessel) std of the group's rewards
 * (`torch.std`); a group of one sample gets mean 0 and std 1. With `normByStd: false` (Dr.GRPO,
 * arXiv 2503.20783) `A_i = r_i - mean_g`. Samples without a group, or without a total reward (NaN),
 * get NaN. `groups[i]` is "" for no group.
 */
export function groupAdvantages(totals: Float64Array, groups: readonly string[], length: number, options: GroupAdvantageOptions = {}): Float64Array {
  const normByStd = options.normByStd ?? true;
  const epsilon = options.epsilon ?? 1e-6;
  const members = new Map<string, number[]>();
  for (let i = 0; i < length; i++) {
    const group = groups[i];
    if (!group || totals[i] !== totals[i]) continue;
    let list = members.get(group);
    if (!list) members.set(group, (list = []));
    list.push(i);
  }
  const advantages = new Float64Array(length).fill(NaN);
  for (const list of members.values()) {
    let mean = 0, std = 1;
    if (list.length > 1) {
      mean = list.reduce((s, i) => s + totals[i], 0) / list.length;
      const squares = list.reduce((s, i) => s + (totals[i] - mean) ** 2, 0);
      std = Math.sqrt(squares / (list.length - 1));
    }
    for (const i of list) advantages[i] = normByStd ? (totals[i] - mean) / (std + epsilon) : totals[i] - mean;
  }
  return advantages;
}
