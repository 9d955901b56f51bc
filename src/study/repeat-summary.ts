/** A configuration's accuracy over its seed repeats (runRepeats in trials.ts), from the stored trials alone. */
import { tInterval } from '../statistics/t-interval';
import { wilsonInterval } from '../statistics/wilson';
import type { TrialRecord } from '../store/store';
import type { AccuracyEvidence } from '../store/trial-accuracy';
import { pooledCorrect } from '../store/trial-result';

export interface RepeatSummary extends AccuracyEvidence {
  repeats: number;
  /** Mean of the repeats' accuracies: the configuration's fitness. */
  accuracy: number;
  /** Sample standard deviation of the repeats' accuracies (0 for one). */
  sd: number;
  /** 95% t interval of the mean over seeds, cut to [0, 1]; null for one repeat. */
  seedInterval: [number, number] | null;
}

/**
 * A configuration's accuracy over its repeats: the mean with its t interval over seeds,
 * and the correct count pooled over repeats and folds with its Wilson interval over images
 * (which counts every image of every repeat, and so leaves the seeds' spread to the t interval).
 */
export function summariseRepeats(trials: ReadonlyArray<Pick<TrialRecord, 'fitness' | 'result'>>): RepeatSummary {
  const { mean, sd, interval } = tInterval(trials.map((t) => t.fitness));
  let correct = 0;
  let total = 0;
  for (const trial of trials) {
    const counts = pooledCorrect(trial);
    correct += counts.correct;
    total += counts.total;
  }
  // An accuracy lies in [0, 1]: a t interval of two or three seeds can reach past either end, and is cut there.
  const seedInterval: [number, number] | null = interval && [Math.max(0, interval[0]), Math.min(1, interval[1])];
  return { repeats: trials.length, accuracy: mean, sd, seedInterval, correct, total, interval: wilsonInterval(correct, total) };
}
