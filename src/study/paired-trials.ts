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

/** What fixes which images a trial was scored on, besides the data set. */
function splitOf(trial: Pick<TrialRecord, 'settings'>): string {
  const { folds, validationFraction } = trial.settings;
  const kFold = Number(folds) >= 2;
  return JSON.stringify([Number(folds) >= 2 ? Number(folds) : 1, kFold ? null : validationFraction, splitSeedOf(trial.settings)]);
}

export function pairTrials(a: Pick<TrialRecord, 'fingerprint' | 'settings' | 'result'>, b: Pick<TrialRecord, 'fingerprint' | 'settings' | 'result'>): PairedOutcome {
  if (a.fingerprint !== b.fingerprint) return { ok: false, reason: 'they were trained on different data sets' };
  if (splitOf(a) !== splitOf(b)) return { ok: false, reason: 'they were scored on different splits (folds, hold-out fraction or split seed)' };
  const [x, y] = [imageOutcomes(a), imageOutcomes(b)];
  if (!x || !y) return { ok: false, reason: `${!x && !y ? 'neither trial holds' : `trial ${!x ? 'A' : 'B'} holds no`} per-image predictions (stored before they were recorded)` };
  if (x.length !== y.length) return { ok: false, reason: `they scored ${x.length} and ${y.length} images` };
  let onlyA = 0;
  let onlyB = 0;
  x.forEach((right, i) => {
    if (right && !y[i]) onlyA++;
    else if (!right && y[i]) onlyB++;
  });
  return { ok: true, ...exactMcNemar(onlyA, onlyB) };
}
