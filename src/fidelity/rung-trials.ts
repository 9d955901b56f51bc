/**
 * Training a trial to a rung of its schedule and continuing it later: the state reached at
 * each rung (weights, optimizer state, random state, history) is saved in the cache folder
 * under the trial's key and the rung's epochs, and a promotion continues from it, so no
 * epoch is trained twice. The key stays that of the full-length trial; a rung's result is
 * stored in trial_rungs, the full-length one as an ordinary trial (shared with full grids).
 */
import fs from 'fs';
import path from 'path';

import type { PackedDataset } from '../data/cache';
import type { TrainResult } from '../binding/native';
import { isTrialFailedError } from '../queue/trial-failed';
import { describeHolder } from '../store/claims';
import type { RungRecord, Store, TrialRecord } from '../store/store';
import { foldsOf } from '../store/trial-result';
import { rungClaimSubject } from '../store/store';
import { claimAndTrain, trainOnce } from '../store/train-once';
import { keyOfTrial } from '../study/trial-key';
import { placedThreads, recordOfFolds, splitsFor, trainFold, weightsOf, whileBoth, type TrialControl, type TrialPlacement, type TrialSettings } from '../study/trials';

export interface RungOutcome {
  key: string;
  /** Epochs the result covers: always the epochs asked for (a diverged trial stopped before them). */
  epochs: number;
  accuracy: number;
  /** Some fold diverged before `epochs`: the candidate stops here. */
  diverged: boolean;
  /** Answered from the store, nothing trained. */
  cached: boolean;
  /** Epochs this call trained (per trial; each fold trains them). */
  epochsTrained: number;
  /** Why the trial failed for good on the queue (stored as failed; accuracy 0, nothing else stored). */
  failed?: string;
}

/** Where a fold's state after `epochs` is kept: one file per fold with k-fold. */
export function statePath(statesDir: string, key: string, epochs: number, fold: number, folds: number): string {
  return path.join(statesDir, `${key}-e${epochs}${folds > 1 ? `-fold${fold + 1}` : ''}.ferstate`);
}

/** Whose state a file in the states folder is (statePath's name read back): fold 0-based, absent for one hold-out split. */
export function parseStateFileName(name: string): { key: string; epochs: number; fold?: number } | undefined {
  const match = /^(.+)-e(\d+)(?:-fold(\d+))?\.ferstate$/.exec(name);
  if (!match) return undefined;
  return { key: match[1], epochs: Number(match[2]), ...(match[3] !== undefined ? { fold: Number(match[3]) - 1 } : {}) };
}

/** The saved states of trial `key`'s fold, by the epochs they hold. */
function savedStates(statesDir: string, key: string, fold: number, folds: number): Map<number, string> {
  const found = new Map<number, string>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(statesDir);
  } catch {
    return found;
  }
  for (const name of names) {
    const state = parseStateFileName(name);
    if (!state || state.key !== key) continue;
    if ((state.fold ?? 0) !== fold || (folds > 1) !== (state.fold !== undefined)) continue;
    found.set(state.epochs, path.join(statesDir, name));
  }
  return found;
}

/** Removes trial `key`'s saved states below `keepFrom` epochs (all with Infinity): a continued state makes them useless. */
function dropStates(statesDir: string, key: string, folds: number, keepFrom: number): void {
  for (let fold = 0; fold < folds; fold++) {
    for (const [epochs, file] of savedStates(statesDir, key, fold, folds)) if (epochs < keepFrom) fs.rmSync(file, { force: true });
  }
}

/** Where every fold of a trial continues from: its state files after `epochs` epochs (epochs 0, no files: from scratch). */
export interface RungStart {
  epochs: number;
  states: string[];
}

/** The furthest epochs below `untilEpoch` at which every fold of trial `key` has a saved state. */
function furthestStart(statesDir: string, key: string, folds: number, untilEpoch: number): RungStart {
  const perFold = Array.from({ length: folds }, (_, fold) => savedStates(statesDir, key, fold, folds));
  const common = [...perFold[0].keys()].filter((epochs) => epochs < untilEpoch && perFold.every((states) => states.has(epochs)));
  const epochs = Math.max(0, ...common);
  return { epochs, states: epochs > 0 ? perFold.map((states) => states.get(epochs) as string) : [] };
}

/**
 * Trains every fold of a trial from `start` up to `untilEpoch`, writing each fold's state
 * reached to `saveStates[fold]` when given (a rung below the full schedule). Here, or on a
 * queue's worker.
 */
export async function trainFoldsFrom(
  packed: PackedDataset,
  settings: TrialSettings,
  untilEpoch: number,
  start: RungStart,
  placement: TrialPlacement,
  control: Omit<TrialControl, 'checkpoint' | 'trainer'> & { checkpoint?: string },
  saveStates?: string[],
): Promise<TrainResult[]> {
  const folds: TrainResult[] = [];
  for (let fold = 0; fold < splitsFor(packed, settings).length; fold++) {
    const result = await trainFold(packed, settings, fold, placement, { ...control, checkpoint: fold === 0 ? control.checkpoint : undefined }, {
      untilEpoch,
      ...(start.epochs > 0 ? { resumeState: start.states[fold] } : {}),
      ...(saveStates ? { saveState: saveStates[fold] } : {}),
    });
    folds.push(result);
  }
  return folds;
}

/** One trial of a halving study, with where its results and rung states are kept. */
interface RungTrial {
  store: Store;
  key: string;
  packed: PackedDataset;
  settings: TrialSettings;
  weightsSha256: string | null;
  placement: TrialPlacement;
  control: TrialControl & { statesDir: string };
}

/**
 * Trains every fold of trial `key` up to `untilEpoch` (here, or on the queue of
 * `control.trainer`), from the furthest state saved below that, saving the state reached
 * when it is not the end of the schedule.
 */
async function trainFoldsUntil(trial: RungTrial, untilEpoch: number): Promise<{ record: TrialRecord; epochsTrained: number }> {
  const { store, key, packed, settings, weightsSha256, placement, control } = trial;
  const count = splitsFor(packed, settings).length;
  const full = untilEpoch >= settings.epochs;
  if (!full) fs.mkdirSync(control.statesDir, { recursive: true });
  const start = furthestStart(control.statesDir, key, count, untilEpoch);
  const saveStates = full ? undefined : Array.from({ length: count }, (_, fold) => statePath(control.statesDir, key, untilEpoch, fold, count));
  // Seconds count every rung that led here, so a continued trial's time is its whole training's.
  const earlier = start.epochs > 0 ? (store.findRung(key, start.epochs)?.seconds ?? 0) : 0;
  const epochsTrained = untilEpoch - start.epochs;
  if (control.trainer) {
    // A whole trial from scratch is the queue's ordinary job (shared with full grids); anything else names its rung.
    const rung = full && start.epochs === 0 ? undefined : { untilEpoch, fromEpoch: start.epochs, states: start.states, saveStates };
    const trained = await control.trainer.train(key, packed, settings, weightsSha256, placedThreads(placement), control, rung);
    return { record: { ...trained, seconds: earlier + trained.seconds }, epochsTrained };
  }
  const checkpoint = full ? (typeof control.checkpoint === 'function' ? control.checkpoint(key) : control.checkpoint) : undefined;
  const folds = await trainFoldsFrom(packed, settings, untilEpoch, start, placement, { ...control, checkpoint }, saveStates);
  return { record: recordOfFolds(key, packed, settings, weightsSha256, placement, folds, earlier), epochsTrained };
}

/**
 * The rung `untilEpoch` of a stored full-length trial, from each fold's per-epoch history:
 * what training to that rung computes (a continued rung equals training at once). A fold
 * that diverged before the rung makes the rung diverged, with the trial's final accuracy.
 * Undefined for a record without per-fold histories (it cannot answer a rung).
 */
export function rungOfFullTrial(trial: TrialRecord, untilEpoch: number): { accuracy: number; diverged: boolean } | undefined {
  const folds = foldsOf(trial);
  if (folds.length === 0) return undefined;
  if (folds.some((f) => f.history.length < untilEpoch)) {
    return folds.some((f) => f.diverged) ? { accuracy: trial.fitness, diverged: true } : undefined;
  }
  return { accuracy: folds.reduce((sum, f) => sum + f.history[untilEpoch - 1].validationAccuracy, 0) / folds.length, diverged: false };
}

/**
 * Trial `settings` trained to `untilEpoch` of its `epochs`: answered from the store when a
 * result covers it (the rung, or the full-length trial's history at that epoch), else
 * trained here (continuing from the furthest saved rung state) and stored. Processes
 * sharing the results file train each rung once (claims). A trial that diverges before
 * its rung ends is stored as that rung, diverged: it stops there. A full-length record is
 * stored only by training the whole schedule, so every fold reached its end. A trial
 * that failed for good on the queue is stored as failed and answered with `failed`.
 */
export async function runTrialToRung(
  store: Store,
  packed: PackedDataset,
  settings: TrialSettings,
  untilEpoch: number,
  placement: TrialPlacement,
  control: TrialControl & { statesDir: string },
): Promise<RungOutcome> {
  const weightsSha256 = settings.weightsFile ? (await weightsOf(settings.weightsFile)).sha256 : null;
  const key = keyOfTrial(packed, settings, weightsSha256, placedThreads(placement));
  try {
    return await trainToRung({ store, key, packed, settings, weightsSha256, placement, control }, untilEpoch);
  } catch (error) {
    // On the queue a rung's job is named by the key and the rung (`KEY-eN`).
    if (!isTrialFailedError(error) || (error.key !== key && !error.key.startsWith(`${key}-e`))) throw error;
    store.saveFailedTrial(key, error.reason, error.attempts);
    control.onEvent?.({ kind: 'failed', settings, error: error.message });
    return { key, epochs: Math.min(untilEpoch, settings.epochs), accuracy: 0, diverged: false, cached: false, epochsTrained: 0, failed: error.reason };
  }
}

async function trainToRung(rungTrial: RungTrial, untilEpoch: number): Promise<RungOutcome> {
  const { store, key, packed, settings, control } = rungTrial;
  const folds = splitsFor(packed, settings).length;
  const waitOptions = {
    signal: control.signal,
    onWait: (holder: Parameters<typeof describeHolder>[0]) => control.onEvent?.({ kind: 'waiting', settings, holder: describeHolder(holder) }),
  };

  if (untilEpoch >= settings.epochs) {
    let epochsTrained = 0;
    const { trial, cached } = await trainOnce(
      store,
      key,
      async (claimLost) => {
        const trained = await trainFoldsUntil({ ...rungTrial, control: { ...control, signal: whileBoth(control.signal, claimLost) } }, settings.epochs);
        epochsTrained = trained.epochsTrained;
        return trained.record;
      },
      waitOptions,
    );
    dropStates(control.statesDir, key, folds, Infinity);
    return { key, epochs: settings.epochs, accuracy: trial.fitness, diverged: trial.diverged, cached, epochsTrained };
  }

  let epochsTrained = 0;
  const { result, cached } = await claimAndTrain<RungRecord | TrialRecord, RungRecord>(
    store,
    rungClaimSubject(key, untilEpoch),
    (owner, staleMs) => {
      const claim = store.claimRung(key, untilEpoch, owner, staleMs);
      if (claim.status === 'stored') return { status: 'stored', stored: claim.rung };
      if (claim.status === 'full') return { status: 'stored', stored: claim.trial };
      return claim;
    },
    async ({ owner, lost }) => {
      const trained = await trainFoldsUntil({ ...rungTrial, control: { ...control, signal: whileBoth(control.signal, lost) } }, untilEpoch);
      epochsTrained = trained.epochsTrained;
      const rung: RungRecord = store.saveRung({ ...trained.record, epochs: untilEpoch }, owner);
      // A diverged candidate is never promoted: none of its states can be used.
      dropStates(control.statesDir, key, folds, rung.diverged ? Infinity : untilEpoch);
      return rung;
    },
    waitOptions,
  );
  if ('epochs' in result) return { key, epochs: untilEpoch, accuracy: result.fitness, diverged: result.diverged, cached, epochsTrained };
  const fromFull = rungOfFullTrial(result, untilEpoch) ?? { accuracy: result.fitness, diverged: result.diverged };
  return { key, epochs: untilEpoch, ...fromFull, cached: true, epochsTrained: 0 };
}
