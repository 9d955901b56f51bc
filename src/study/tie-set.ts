/**
 * The tie set: the configurations not significantly worse than the best. Each is compared
 * with the best image by image (exact McNemar); the p-values are Holm-corrected over the
 * comparisons made, so that calling a cell worse is wrong at most α of the time over the
 * whole table. A cell that cannot be compared (no per-image predictions, another split) is
 * left out of the correction and its tie is unknown (null).
 */
import { holmAdjust } from '../statistics/holm';
import type { TrialRecord } from '../store/store';
import { pairRepeats, type PairedOutcome } from './paired-trials';

export const TIE_ALPHA = 0.05;

export interface TieVerdict {
  /** Not significantly worse than the best (true for the best itself); null where it cannot be told. */
  tied: boolean | null;
  /** The raw exact McNemar p-value against the best; null for the best and where not compared. */
  pValue: number | null;
  /** Holm-adjusted. */
  adjustedP: number | null;
  /** Images only the best got right, and only this one. */
  onlyBest: number | null;
  onlyThis: number | null;
  /** Why it could not be compared. */
  reason?: string;
}

type Comparable = Pick<TrialRecord, 'key' | 'fingerprint' | 'settings' | 'result'>;

/** A verdict for each of `trials` (by position) against `best`, one of them or not. */
export function tieSet(best: Comparable, trials: readonly Comparable[], alpha = TIE_ALPHA): TieVerdict[] {
  return tieSetOfRepeats([best], trials.map((t) => [t]), alpha);
}

/**
 * The same over configurations trained with several seeds: each a list of its repeats' trials
 * (the same seeds in the same order), compared with the best pooled over the repeats.
 */
export function tieSetOfRepeats(best: readonly Comparable[], configurations: ReadonlyArray<readonly Comparable[]>, alpha = TIE_ALPHA): TieVerdict[] {
  const pairs: Array<PairedOutcome | null> = configurations.map((c) => (c[0]?.key === best[0]?.key ? null : pairRepeats(best, c)));
  const tested = pairs.flatMap((p, i) => (p?.ok ? [{ i, p: p.pValue }] : []));
  const adjusted = holmAdjust(tested.map((t) => t.p));
  const adjustedOf = new Map(tested.map((t, n) => [t.i, adjusted[n]]));
  return pairs.map((pair, i) => {
    if (pair === null) return { tied: true, pValue: null, adjustedP: null, onlyBest: null, onlyThis: null };
    if (!pair.ok) return { tied: null, pValue: null, adjustedP: null, onlyBest: null, onlyThis: null, reason: pair.reason };
    const adjustedP = adjustedOf.get(i) as number;
    return { tied: adjustedP >= alpha, pValue: pair.pValue, adjustedP, onlyBest: pair.onlyA, onlyThis: pair.onlyB };
  });
}
