/**
 * The Wilson score interval for a proportion (Wilson 1927): the interval R's
 * `prop.test(x, n, correct = FALSE)` and statsmodels' `proportion_confint(method="wilson")`
 * report. Unlike the normal ("Wald") interval it stays inside [0, 1] and keeps its coverage
 * near 0 and 1, where validation accuracies of small FER sets often lie.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/** The interval holding the true proportion with probability `confidence`, from `successes` of `trials`. */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): [number, number] {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`a Wilson interval needs 0 ≤ successes ≤ trials, integers (got ${successes} of ${trials})`);
  }
  if (trials === 0) return [0, 1];
  const z = normalQuantile(1 - (1 - confidence) / 2, 0, 1);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  // Clamped only against rounding: exactly 0 or n successes put one end on the bound.
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
