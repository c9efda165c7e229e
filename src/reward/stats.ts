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

/**
 * Mean and standard deviation of the finite entries of `values` (NaN and infinities are skipped):
 * the population std by default, the unbiased one (torch `x.std()`) with `unbiased`. One value
 * has std 0; none gives NaN for both.
 */
export function meanStd(values: ArrayLike<number>, options: { unbiased?: boolean } = {}): { mean: number; std: number; count: number } {
  let sum = 0, count = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    sum += values[i];
    count++;
  }
  if (count === 0) return { mean: NaN, std: NaN, count };
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) squares += (values[i] - mean) ** 2;
  const divisor = options.unbiased ? count - 1 : count;
  return { mean, std: divisor > 0 ? Math.sqrt(squares / divisor) : 0, count };
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
  // Number the groups first: typed-array sums per group number allocate nothing per sample (a map
  // of member lists cost 0.15 us per sample on the main thread).
  const groupIds = new Int32Array(length);
  const numbers = new Map<string, number>();
  let last = "", lastId = -1;
  for (let i = 0; i < length; i++) {
    const group = groups[i];
    if (!group) {
      groupIds[i] = -1;
      continue;
    }
    if (group !== last) {
      let id = numbers.get(group);
      if (id === undefined) numbers.set(group, (id = numbers.size));
      last = group;
      lastId = id;
    }
    groupIds[i] = lastId;
  }
  return numberedGroupAdvantages(totals, groupIds, numbers.size, options);
}

/** {@link groupAdvantages} with groups given as numbers `0 <= id < groupCount` (-1: no group). */
export function numberedGroupAdvantages(totals: Float64Array, groupIds: Int32Array, groupCount: number, options: GroupAdvantageOptions): Float64Array {
  const normByStd = options.normByStd ?? true;
  const epsilon = options.epsilon ?? 1e-6;
  const length = groupIds.length;
  const counts = new Int32Array(groupCount);
  const sums = new Float64Array(groupCount);
  for (let i = 0; i < length; i++) {
    const g = groupIds[i];
    if (g < 0 || totals[i] !== totals[i]) continue;
    counts[g]++;
    sums[g] += totals[i];
  }
  // Two passes, in sample order, as torch.mean / torch.std compute them.
  const means = new Float64Array(groupCount);
  for (let g = 0; g < groupCount; g++) means[g] = counts[g] > 1 ? sums[g] / counts[g] : 0;
  const squares = new Float64Array(groupCount);
  for (let i = 0; i < length; i++) {
    const g = groupIds[i];
    if (g >= 0 && counts[g] > 1 && totals[i] === totals[i]) squares[g] += (totals[i] - means[g]) ** 2;
  }
  const advantages = new Float64Array(length).fill(NaN);
  for (let i = 0; i < length; i++) {
    const g = groupIds[i];
    if (g < 0 || totals[i] !== totals[i]) continue;
    const std = counts[g] > 1 ? Math.sqrt(squares[g] / (counts[g] - 1)) : 1;
    advantages[i] = normByStd ? (totals[i] - means[g]) / (std + epsilon) : totals[i] - means[g];
  }
  return advantages;
}
