/**
 * Two trials compared image by image. They must have scored the same images: the same
 * data set (fingerprint) split the same way (folds, hold-out fraction and split seed), and
 * both must carry per-image predictions. Then the exact McNemar test on the images only one
 * of them got right says whether their accuracies differ beyond what chance would make.
 */
import { exactMcNemar, type PairedTest } from '../statistics/mcnemar';
import type { TrialRecord } from '../store/store';
import { imageOutcomes } from '../store/trial-result';

export type PairedOutcome = ({ ok: true } & PairedTest) | { ok: false; reason: string };

/** The split seed of a stored trial: its own field where recorded apart, else the training seed (trials before repeats). */
export function splitSeedOf(settings: Record<string, unknown>): unknown {
  return settings.splitSeed ?? settings.seed;
}

/** Which images a trial was scored on: its data set and split (equal for two trials scored on the same images). */
export function imagesScoredBy(trial: Pick<TrialRecord, 'fingerprint' | 'settings'>): string {
  return `${trial.fingerprint} ${splitOf(trial)}`;
}

/** What fixes which images a trial was scored on, besides the data set. */
function splitOf(trial: Pick<TrialRecord, 'settings'>): string {
  const { folds, validationFraction } = trial.settings;
  const kFold = Number(folds) >= 2;
  return JSON.stringify([Number(folds) >= 2 ? Number(folds) : 1, kFold ? null : validationFraction, splitSeedOf(trial.settings)]);
}

type Scored = Pick<TrialRecord, 'fingerprint' | 'settings' | 'result'>;

/** Discordant counts of two trials scored on the same images, or why they cannot be paired. */
function discordant(a: Scored, b: Scored): { onlyA: number; onlyB: number } | { reason: string } {
  if (a.fingerprint !== b.fingerprint) return { reason: 'they were trained on different data sets' };
  if (splitOf(a) !== splitOf(b)) return { reason: 'they were scored on different splits (folds, hold-out fraction or split seed)' };
  const [x, y] = [imageOutcomes(a), imageOutcomes(b)];
  if (!x || !y) return { reason: `${!x && !y ? 'neither trial holds' : `trial ${!x ? 'A' : 'B'} holds no`} per-image predictions (stored before they were recorded)` };
  if (x.length !== y.length) return { reason: `they scored ${x.length} and ${y.length} images` };
  let onlyA = 0;
  let onlyB = 0;
  x.forEach((right, i) => {
    if (right && !y[i]) onlyA++;
    else if (!right && y[i]) onlyB++;
  });
  return { onlyA, onlyB };
}

export function pairTrials(a: Scored, b: Scored): PairedOutcome {
  return pairRepeats([a], [b]);
}

/**
 * Two configurations, each trained with the same training seeds (repeat r of each on the
 * same split): the discordant images of each pair of repeats pooled into one exact test.
 */
export function pairRepeats(a: readonly Scored[], b: readonly Scored[]): PairedOutcome {
  if (a.length === 0 || a.length !== b.length) return { ok: false, reason: `they hold ${a.length} and ${b.length} repeats` };
  let onlyA = 0;
  let onlyB = 0;
  for (let r = 0; r < a.length; r++) {
    const counts = discordant(a[r], b[r]);
    if ('reason' in counts) return { ok: false, reason: counts.reason };
    onlyA += counts.onlyA;
    onlyB += counts.onlyB;
  }
  return { ok: true, ...exactMcNemar(onlyA, onlyB, a.length > 1) };
}
