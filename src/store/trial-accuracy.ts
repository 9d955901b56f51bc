/**
 * A stored trial's accuracy with its uncertainty over images: the correct count pooled over
 * its folds (from each fold's final confusion matrix) and the 95% Wilson interval of that
 * proportion. Trials stored before predictions were recorded carry confusion matrices, so
 * every stored trial has one.
 */
import { wilsonInterval } from '../statistics/wilson';
import type { TrialRecord } from './store';
import { pooledCorrect } from './trial-result';

export interface AccuracyEvidence {
  correct: number;
  total: number;
  /** 95% Wilson interval of correct / total, 0–1 like the accuracy. */
  interval: [number, number];
}

export function accuracyEvidence(trial: Pick<TrialRecord, 'result'>): AccuracyEvidence {
  const { correct, total } = pooledCorrect(trial);
  return { correct, total, interval: wilsonInterval(correct, total) };
}

/** "88.1% [82.3, 92.2]": an accuracy (0–1) in percent with its interval. */
export function formatAccuracy(accuracy: number, interval: readonly [number, number] | null, digits = 1): string {
  return `${(accuracy * 100).toFixed(digits)}%${interval ? ` ${formatInterval(interval, digits)}` : ''}`;
}

/** "[82.3, 92.2]" (percent), or "none" for no interval (one seed). */
export function formatInterval(interval: readonly [number, number] | null, digits = 1): string {
  return interval ? `[${(interval[0] * 100).toFixed(digits)}, ${(interval[1] * 100).toFixed(digits)}]` : 'none';
}
