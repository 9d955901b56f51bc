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
import type { TrainResult } from '../native';
import { describeHolder } from '../store/claims';
import type { RungRecord, Store, TrialRecord } from '../store/store';
import { rungClaimSubject } from '../store/store';
import { claimAndTrain, trainOnce } from '../store/train-once';
import { keyOfTrial } from '../trial-key';
import { describeTrial, placedThreads, splitsFor, trainFold, weightsOf, type TrialControl, type TrialPlacement, type TrialSettings } from '../trials';

export interface RungOutcome {
  key: string;
  /** Epochs the result covers: the rung asked for, or the full schedule (a stored full-length trial, or a divergence). */
  epochs: number;
  accuracy: number;
  diverged: boolean;
  /** Answered from the store, nothing trained. */
  cached: boolean;
  /** Epochs this call trained (per trial; each fold trains them). */
  epochsTrained: number;
}

/** Where a fold's state after `epochs` is kept: one file per fold with k-fold. */
export function statePath(statesDir: string, key: string, epochs: number, fold: number, folds: number): string {
  return path.join(statesDir, `${key}-e${epochs}${folds > 1 ? `-fold${fold + 1}` : ''}.ferstate`);
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
  const pattern = /^(.+)-e(\d+)(?:-fold(\d+))?\.ferstate$/;
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match || match[1] !== key) continue;
    if ((match[3] === undefined ? 0 : Number(match[3]) - 1) !== fold || (folds > 1) !== (match[3] !== undefined)) continue;
    found.set(Number(match[2]), path.join(statesDir, name));
  }
  return found;
}

/** Removes trial `key`'s saved states below `keepFrom` epochs (all with Infinity): a continued state makes them useless. */
function dropStates(statesDir: string, key: string, folds: number, keepFrom: number): void {
  for (let fold = 0; fold < folds; fold++) {
    for (const [epochs, file] of savedStates(statesDir, key, fold, folds)) if (epochs < keepFrom) fs.rmSync(file, { force: true });
  }
}

function meanAccuracy(folds: TrainResult[]): number {
  return folds.reduce((sum, r) => sum + r.finalValidationAccuracy, 0) / folds.length;
}

/**
 * Trains every fold of trial `key` up to `untilEpoch`, each from its furthest saved state
 * below that, saving the state reached when it is not the end of the schedule.
 */
async function trainFoldsUntil(
  store: Store,
  key: string,
  packed: PackedDataset,
  settings: TrialSettings,
  weightsSha256: string | null,
  untilEpoch: number,
  placement: TrialPlacement,
  control: TrialControl & { statesDir: string },
): Promise<{ record: TrialRecord; epochsTrained: number }> {
  const count = splitsFor(packed, settings).length;
  const full = untilEpoch >= settings.epochs;
  const checkpoint = full ? (typeof control.checkpoint === 'function' ? control.checkpoint(key) : control.checkpoint) : undefined;
  if (!full) fs.mkdirSync(control.statesDir, { recursive: true });
  const folds: TrainResult[] = [];
  let resumedFrom = untilEpoch;
  for (let fold = 0; fold < count; fold++) {
    const states = savedStates(control.statesDir, key, fold, count);
    const from = Math.max(0, ...[...states.keys()].filter((epochs) => epochs < untilEpoch));
    resumedFrom = Math.min(resumedFrom, from);
    const result = await trainFold(packed, settings, fold, placement, { ...control, checkpoint: fold === 0 ? checkpoint : undefined }, {
      untilEpoch,
      ...(from > 0 ? { resumeState: states.get(from) } : {}),
      ...(full ? {} : { saveState: statePath(control.statesDir, key, untilEpoch, fold, count) }),
    });
    folds.push(result);
  }
  // Seconds count every rung that led here, so a continued trial's time is its whole training's.
  const earlier = resumedFrom > 0 ? (store.findRung(key, resumedFrom)?.seconds ?? 0) : 0;
  const record: TrialRecord = {
    ...describeTrial(key, packed, settings, weightsSha256, placement, placedThreads(placement)),
    fitness: meanAccuracy(folds),
    diverged: folds.some((r) => r.diverged),
    result: { folds },
    seconds: earlier + folds.reduce((sum, r) => sum + r.seconds, 0),
    device: folds[0].device,
    libtorch: folds[0].libtorch,
  };
  return { record, epochsTrained: untilEpoch - resumedFrom };
}

/**
 * Trial `settings` trained to `untilEpoch` of its `epochs`: answered from the store when a
 * result covers it (the rung, or the full-length trial), else trained here (continuing from
 * the furthest saved rung state) and stored. Processes sharing the results file train each
 * rung once (claims). A trial that diverges before its rung ends is stored as the
 * full-length trial: training on would diverge at the same epoch.
 */
export async function runTrialToRung(
  store: Store,
  packed: PackedDataset,
  settings: TrialSettings,
  untilEpoch: number,
  placement: TrialPlacement,
  control: TrialControl & { statesDir: string },
): Promise<RungOutcome> {
  if (control.trainer) throw new Error('training to a rung runs here, not on a queue');
  const weightsSha256 = settings.weightsFile ? (await weightsOf(settings.weightsFile)).sha256 : null;
  const key = keyOfTrial(packed, settings, weightsSha256, placedThreads(placement));
  const folds = splitsFor(packed, settings).length;
  const waitOptions = {
    signal: control.signal,
    onWait: (holder: Parameters<typeof describeHolder>[0]) => control.onEvent?.({ kind: 'waiting', settings, holder: describeHolder(holder) }),
  };
  const fromFull = (trial: TrialRecord, cached: boolean, epochsTrained: number): RungOutcome => ({
    key,
    epochs: settings.epochs,
    accuracy: trial.fitness,
    diverged: trial.diverged,
    cached,
    epochsTrained,
  });

  if (untilEpoch >= settings.epochs) {
    let epochsTrained = 0;
    const { trial, cached } = await trainOnce(
      store,
      key,
      async () => {
        const trained = await trainFoldsUntil(store, key, packed, settings, weightsSha256, settings.epochs, placement, control);
        epochsTrained = trained.epochsTrained;
        return trained.record;
      },
      waitOptions,
    );
    dropStates(control.statesDir, key, folds, Infinity);
    return fromFull(trial, cached, epochsTrained);
  }

  let epochsTrained = 0;
  const { result, cached } = await claimAndTrain<RungRecord | TrialRecord, RungRecord | TrialRecord>(
    store,
    rungClaimSubject(key, untilEpoch),
    (owner, staleMs) => {
      const claim = store.claimRung(key, untilEpoch, owner, staleMs);
      if (claim.status === 'stored') return { status: 'stored', stored: claim.rung };
      if (claim.status === 'full') return { status: 'stored', stored: claim.trial };
      return claim;
    },
    async () => {
      const trained = await trainFoldsUntil(store, key, packed, settings, weightsSha256, untilEpoch, placement, control);
      epochsTrained = trained.epochsTrained;
      if (trained.record.diverged) {
        store.saveTrial(trained.record);
        store.saveRung({ ...trained.record, epochs: untilEpoch });
        return trained.record;
      }
      const rung: RungRecord = { ...trained.record, epochs: untilEpoch };
      store.saveRung(rung);
      dropStates(control.statesDir, key, folds, untilEpoch);
      return rung;
    },
    waitOptions,
  );
  if (!('epochs' in result) || result.diverged) return fromFull(result, cached, epochsTrained);
  return { key, epochs: result.epochs, accuracy: result.fitness, diverged: false, cached, epochsTrained };
}
