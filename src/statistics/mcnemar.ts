/**
 * The exact McNemar test for two classifiers scored on the same images: under the null
 * hypothesis that both are equally accurate, each image only one of them gets right is
 * equally likely to be either's, so the count of A's among the discordant images is
 * Binomial(onlyA + onlyB, 1/2). Two-sided, as R's `binom.test(onlyA, onlyA + onlyB)` and
 * SciPy's `binomtest(onlyA, onlyA + onlyB)` (the exact form of `mcnemar.test`, which R
 * itself only offers with a chi-squared approximation).
 */
import binomialTest from '@stdlib/stats-binomial-test';

export interface PairedTest {
  onlyA: number;
  onlyB: number;
  pValue: number;
  /** Names the test, for output a reader can cite. */
  test: 'exact McNemar' | 'exact McNemar, pooled over seeds';
}

/**
 * With `pooledOverSeeds`, the counts are summed over pairs of trainings (repeat r of A with
 * repeat r of B, each pair on the same images), every image of every pair one Bernoulli draw:
 * the same binomial test on the pooled discordant counts, which treats seeds and images alike.
 */
export function exactMcNemar(onlyA: number, onlyB: number, pooledOverSeeds = false): PairedTest {
  if (!Number.isInteger(onlyA) || !Number.isInteger(onlyB) || onlyA < 0 || onlyB < 0) {
    throw new RangeError(`McNemar's test needs counts of discordant images (got ${onlyA} and ${onlyB})`);
  }
  const discordant = onlyA + onlyB;
  // No image tells them apart: nothing speaks against equal accuracy.
  const pValue = discordant === 0 ? 1 : Math.min(1, binomialTest(onlyA, discordant, { p: 0.5, alternative: 'two-sided' }).pValue);
  return { onlyA, onlyB, pValue, test: pooledOverSeeds ? 'exact McNemar, pooled over seeds' : 'exact McNemar' };
}
