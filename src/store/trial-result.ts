/**
 * What a stored trial's result holds, as the store keeps it: one entry per fold, each with
 * its per-epoch history, final confusion matrix and, since per-image predictions were
 * recorded, the predicted class and true class of each validation image. Readers of the
 * results file (reports, rungs answered from a full-length trial, paired tests) read it
 * through these types, never the native binding's, so they depend on what is stored
 * rather than on what a trainer returns.
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
  /**
   * Base64 of one byte an image: the class predicted for each validation image after the
   * last finished epoch, in the split's validation order (ascending index in the pack).
   * Absent from trials stored before predictions were recorded.
   */
  predictions?: string;
  /** Base64 of the true class of the same images, in the same order, so a results file alone can score them. */
  labels?: string;
}

/** The folds of a stored trial that carry a history (none for a record without results, such as a failed trial). */
export function foldsOf(trial: Pick<TrialRecord, 'result'>): StoredFold[] {
  const folds = (trial.result as { folds?: unknown } | null)?.folds;
  if (!Array.isArray(folds)) return [];
  return folds.filter((f): f is StoredFold => typeof f === 'object' && f !== null && Array.isArray((f as StoredFold).history));
}

/** Images right and images scored over every fold, from the folds' final confusion matrices. */
export function pooledCorrect(trial: Pick<TrialRecord, 'result'>): { correct: number; total: number } {
  let correct = 0;
  let total = 0;
  for (const fold of foldsOf(trial)) {
    (fold.confusion ?? []).forEach((row, trueClass) =>
      row.forEach((count, predicted) => {
        total += count;
        if (predicted === trueClass) correct += count;
      }),
    );
  }
  return { correct, total };
}

/**
 * Whether each validation image was classified right (1) or not (0), fold after fold; undefined
 * when a fold holds no per-image predictions (trials stored before they were recorded).
 */
export function imageOutcomes(trial: Pick<TrialRecord, 'result'>): Uint8Array | undefined {
  const folds = foldsOf(trial);
  if (folds.length === 0) return undefined;
  const parts: Uint8Array[] = [];
  for (const fold of folds) {
    if (typeof fold.predictions !== 'string' || typeof fold.labels !== 'string') return undefined;
    const predicted = Buffer.from(fold.predictions, 'base64');
    const truth = Buffer.from(fold.labels, 'base64');
    if (predicted.length !== truth.length) return undefined;
    parts.push(predicted.map((p, i) => (p === truth[i] ? 1 : 0)));
  }
  return Buffer.concat(parts);
}
