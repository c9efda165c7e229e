// Batch plumbing for the trainer: `[B, T]` arrays from ragged per-response data, and row subsets
// of graph feeds for minibatches.

import { type HostTensor } from "../../runtime/index";
import { type TensorData } from "../../ir/index";

/** `[B, T]` row-major array with `rows[b][t]` (missing entries 0). */
export function padRows(rows: readonly ArrayLike<number>[], T: number): Float32Array {
  const out = new Float32Array(rows.length * T);
  rows.forEach((row, b) => {
    for (let t = 0; t < Math.min(T, row.length); t++) out[b * T + t] = row[t];
  });
  return out;
}

/** Row `b` of a `[B, T]` array. */
export function row(data: Float32Array, b: number, T: number): Float32Array {
  return data.subarray(b * T, (b + 1) * T);
}

/** The rows `rows` (in that order) of every feed; every feed's first dim is the batch. */
export function selectRows(feeds: Readonly<Record<string, HostTensor>>, rows: readonly number[]): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, feed] of Object.entries(feeds)) {
    const [B, ...rest] = feed.shape;
    const size = feed.data.length / B;
    const data = new (feed.data.constructor as { new (n: number): TensorData })(rows.length * size);
    rows.forEach((r, i) => (data as Float32Array).set((feed.data as Float32Array).subarray(r * size, (r + 1) * size), i * size));
    out[name] = { data, shape: [rows.length, ...rest] };
  }
  return out;
}

/** Masked mean / std / max / min of a `[B, T]` array. */
export function maskedStats(x: Float32Array, mask: Float32Array): { mean: number; std: number; max: number; min: number } {
  let sum = 0, n = 0, max = -Infinity, min = Infinity;
  for (let i = 0; i < x.length; i++) {
    if (!mask[i]) continue;
    sum += x[i];
    n++;
    if (x[i] > max) max = x[i];
    if (x[i] < min) min = x[i];
  }
  const mean = n ? sum / n : 0;
  let sq = 0;
  for (let i = 0; i < x.length; i++) if (mask[i]) sq += (x[i] - mean) ** 2;
  return { mean, std: n ? Math.sqrt(sq / n) : 0, max: n ? max : 0, min: n ? min : 0 };
}
