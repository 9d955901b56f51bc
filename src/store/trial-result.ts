/**
 * What a stored trial's result holds, as the store keeps it: one entry per fold, each with
 * its per-epoch history and final confusion matrix. Readers of the results file (reports,
 * rungs answered from a full-length trial) read it through these types, never the native
 * binding's, so they depend on what is stored rather than on what a trainer returns.
 */
import type { TrialRecord } from './store';

export interface StoredEpoch {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss: number;
  validationAccuracy: number;
  seconds: number;
}

export interface StoredFold {
  history: StoredEpoch[];
  /** The fold's loss turned NaN or infinite; its history holds the epochs before. */
  diverged: boolean;
  /** [true class][predicted class] after the fold's last finished epoch. */
  confusion: number[][];
}

/** The folds of a stored trial that carry a history (none for a record without results, such as a failed trial). */
export function foldsOf(trial: Pick<TrialRecord, 'result'>): StoredFold[] {
  const folds = (trial.result as { folds?: unknown } | null)?.folds;
  if (!Array.isArray(folds)) return [];
  return folds.filter((f): f is StoredFold => typeof f === 'object' && f !== null && Array.isArray((f as StoredFold).history));
}
