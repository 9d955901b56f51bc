/**
 * What a worker sends back is checked against what the coordinator asked before anything
 * is stored: the trial's key, its canonical settings (as keyed), genes, data set and input
 * shape, one fold per split, each fold's history one epoch per epoch trained (fewer only
 * where the fold diverged), and a fitness and divergence that are what the folds say. A
 * result that differs anywhere is refused with one line naming the first difference.
 */
import type { PackedDataset } from '../data/cache';
import type { TrialRecord } from '../store/store';
import { describeTrial, splitsFor, validationLabels, type TrialSettings } from '../study/trials';
import type { TrialJobResult } from './trial-job';
import { canonicalJson } from '../util/canonical-json';

/** A trial as the coordinator asked for it. */
export interface AskedTrial {
  key: string;
  packed: PackedDataset;
  settings: TrialSettings;
  weightsSha256: string | null;
  cpuThreads: number | null;
  /** The epochs the job continues from (0: from scratch) and trains to. */
  fromEpoch: number;
  untilEpoch: number;
}

/** Where the trial ran: the worker's to say, and not in the key. */
const PLACEMENT_FIELDS = ['device', 'threads'];

/** A field's value in canonical JSON; undefined for a field that is absent (never equal to one that is null). */
function canonical(value: unknown): string | undefined {
  return value === undefined ? undefined : canonicalJson(value);
}

function without(value: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !fields.includes(k)));
}

/** The first field where `got` differs from `want` (`where` names it), or undefined. */
function firstDifference(where: string, got: Record<string, unknown>, want: Record<string, unknown>): string | undefined {
  for (const field of new Set([...Object.keys(want), ...Object.keys(got)])) {
    if (canonical(got[field]) !== canonical(want[field])) {
      return `${where}.${field} ${canonical(got[field]) ?? 'absent'} where ${canonical(want[field]) ?? 'none'} was asked`;
    }
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why fold `i` of a returned result is not a training of epochs `fromEpoch + 1` to `untilEpoch`, or undefined. */
function foldProblem(fold: unknown, i: number, asked: AskedTrial, validation: { labels: Uint8Array; classes: number }): string | undefined {
  const name = `fold ${i + 1}`;
  if (!isObject(fold) || !Array.isArray(fold.history) || typeof fold.diverged !== 'boolean' || typeof fold.finalValidationAccuracy !== 'number') {
    return `${name} is not a fold's result`;
  }
  const epochs = fold.history.length;
  if (epochs > asked.untilEpoch || (epochs < asked.untilEpoch && !fold.diverged)) {
    return `${name} holds ${epochs} epochs of history for ${asked.untilEpoch} asked${epochs < asked.untilEpoch ? ' (and did not diverge)' : ''}`;
  }
  const wrongEpoch = fold.history.findIndex((e, n) => !isObject(e) || e.epoch !== n + 1);
  if (wrongEpoch >= 0) return `${name}: history entry ${wrongEpoch + 1} is not epoch ${wrongEpoch + 1}`;
  if (fold.resumedFromEpoch !== asked.fromEpoch) return `${name} continued from epoch ${String(fold.resumedFromEpoch)}, not ${asked.fromEpoch}`;
  return predictionsProblem(fold, name, validation);
}

/**
 * Why a fold's per-image predictions cannot be this split's, or undefined: paired tests
 * trust them image by image, so their count and the true classes they are scored against
 * must be the coordinator's own. A fold without them (none recorded) passes.
 */
function predictionsProblem(fold: Record<string, unknown>, name: string, validation: { labels: Uint8Array; classes: number }): string | undefined {
  if (fold.predictions === undefined && fold.labels === undefined) return undefined;
  if (typeof fold.predictions !== 'string' || typeof fold.labels !== 'string') return `${name}: predictions and labels must both be base64 text`;
  const predicted = Buffer.from(fold.predictions, 'base64');
  if (predicted.length !== validation.labels.length) return `${name} holds ${predicted.length} predictions for ${validation.labels.length} validation images`;
  if (predicted.some((p) => p >= validation.classes)) return `${name} predicts a class the data set does not have`;
  if (!Buffer.from(fold.labels, 'base64').equals(validation.labels)) return `${name}'s labels are not the validation images' classes`;
  return undefined;
}

/**
 * The record a worker returned, or one line saying why it is not the trial asked for.
 * The record's settings name where it ran (device, threads); everything else is the
 * coordinator's own description of the trial.
 */
export function checkReturnedTrial(asked: AskedTrial, returned: unknown): TrialRecord | string {
  const result = returned as Partial<TrialJobResult> | null | undefined;
  const trial = result?.trial as Partial<TrialRecord> | undefined;
  const from = typeof result?.worker === 'string' ? `worker ${result.worker}` : 'a worker';
  if (!isObject(trial)) return `${from} returned no trial`;
  if (trial.key !== asked.key) return `${from} returned trial ${String(trial.key)} for this one`;
  if (typeof trial.fitness !== 'number' || !(trial.fitness >= 0 && trial.fitness <= 1)) return `${from} returned fitness ${String(trial.fitness)}`;
  const want = describeTrial(asked.key, asked.packed, asked.settings, asked.weightsSha256, { device: '', threads: 0 }, asked.cpuThreads);
  const identity = firstDifference('trial', { dataset: trial.dataset, fingerprint: trial.fingerprint, model: trial.model }, { dataset: want.dataset, fingerprint: want.fingerprint, model: want.model });
  if (identity) return `${from} returned ${identity}`;
  if (!isObject(trial.genes)) return `${from} returned no genes`;
  const genes = firstDifference('genes', trial.genes, want.genes);
  if (genes) return `${from} returned ${genes}`;
  if (!isObject(trial.settings) || typeof trial.settings.device !== 'string') return `${from} returned no settings`;
  // The coordinator's weights file is where it keeps them; the worker's record names them by hash only.
  const settings = firstDifference('settings', without(trial.settings, PLACEMENT_FIELDS), without(want.settings, [...PLACEMENT_FIELDS, 'weightsFile']));
  if (settings) return `${from} returned ${settings}`;
  const folds = isObject(trial.result) ? trial.result.folds : undefined;
  const splits = splitsFor(asked.packed, asked.settings);
  if (!Array.isArray(folds) || folds.length !== splits.length) return `${from} returned ${Array.isArray(folds) ? folds.length : 'no'} folds for ${splits.length} asked`;
  for (const [i, fold] of folds.entries()) {
    const problem = foldProblem(fold, i, asked, { labels: validationLabels(asked.packed, splits[i]), classes: asked.packed.header.classes.length });
    if (problem) return `${from} returned ${problem}`;
  }
  const results = folds as Array<{ diverged: boolean; finalValidationAccuracy: number }>;
  const fitness = results.reduce((sum, f) => sum + f.finalValidationAccuracy, 0) / results.length;
  if (Math.abs(fitness - trial.fitness) > 1e-9) return `${from} returned fitness ${trial.fitness}, but its folds' mean final accuracy is ${fitness}`;
  if (trial.diverged !== results.some((f) => f.diverged)) return `${from} returned diverged ${String(trial.diverged)}, which its folds do not say`;
  if (typeof trial.seconds !== 'number' || typeof trial.device !== 'string' || typeof trial.libtorch !== 'string') return `${from} returned no time, device or libtorch`;
  return trial as TrialRecord;
}
