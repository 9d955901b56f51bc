/**
 * The mean of a few repeated measurements (accuracies over training seeds) with its
 * Student t interval: mean ± t(1 − (1 − confidence)/2, n − 1) · sd / √n, the interval of
 * R's `t.test(x)$conf.int` and SciPy's `stats.t.interval(confidence, n - 1, loc=mean, scale=sem)`.
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for one value. */
  sd: number;
  /** null for fewer than two values: one seed says nothing about the spread between seeds. */
  interval: [number, number] | null;
}

export function tInterval(values: readonly number[], confidence = 0.95): SampleSummary {
  const n = values.length;
  if (n === 0) throw new RangeError('a t interval needs at least one value');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  if (n < 2) return { n, mean, sd, interval: null };
  const half = tQuantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, interval: [mean - half, mean + half] };
}
