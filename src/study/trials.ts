/**
 * A trial: one configuration trained on one data set (over every fold of its split),
 * and its fitness, the mean final validation accuracy. Its key hashes everything the
 * result depends on, so the store answers a repeated trial without training: GA runs,
 * grids and single trainings all share the cache.
 */
import type { PackedDataset } from '../data/cache';
import { holdOutSplit, kFoldSplits, type Split } from '../data/splits';
import type { FitnessResult, FitnessSource } from '../ga/evolve';
import type { Genes } from '../ga/genome';
import type { ActivationName, ModelName, OptimizerName } from '../names';
import type { TrainResult } from '../binding/native';
import { isTrialFailedError } from '../queue/trial-failed';
import { describeHolder } from '../store/claims';
import type { Store, TrialRecord } from '../store/store';
import { trainOnce } from '../store/train-once';
import { native } from '../binding/native';
import { trainNetwork } from '../binding/train';
import { cpuThreadsOf, keyOfTrial, keyedSettings } from './trial-key';
import { PromiseMemo } from '../util/promise-memo';
import { runPool } from './parallel';
import { loadWeights, type LoadedWeights } from '../weights/weights';
import { repeatSettings, type TrialPlacement, type TrialSettings } from './trial-settings';

export { REPEAT_SEED_STEP, repeatSettings, TRIAL_DEFAULTS, type TrialPlacement, type TrialSettings } from './trial-settings';

/** Applies a genome's genes (activation, optimizer, and beyond the paper model, learningRate, batchSize, firstKernel). */
export function applyGenes(base: TrialSettings, genes: Genes): TrialSettings {
  const out: TrialSettings = { ...base };
  for (const [name, value] of Object.entries(genes)) {
    switch (name) {
      case 'activation':
        out.activation = value as ActivationName;
        break;
      case 'optimizer':
        out.optimizer = value as OptimizerName;
        break;
      case 'model':
        out.model = value as ModelName;
        break;
      case 'learningRate':
        out.learningRate = Number(value);
        break;
      case 'batchSize':
        out.batchSize = Number(value);
        break;
      case 'firstKernel':
        out.firstKernel = Number(value);
        break;
      default:
        throw new Error(`gene '${name}' is not something a trial can vary`);
    }
  }
  return out;
}

/** The trial's split: by its split seed (its training seed where it has none). */
export function splitsFor(packed: PackedDataset, settings: Pick<TrialSettings, 'folds' | 'validationFraction' | 'seed' | 'splitSeed'>): Split[] {
  const seed = settings.splitSeed ?? settings.seed;
  return settings.folds >= 2
    ? kFoldSplits(packed.labels, packed.subjects, settings.folds, seed)
    : [holdOutSplit(packed.labels, packed.subjects, settings.validationFraction, seed)];
}

/** The weights a trial starts from, read and hashed once per process; none without a weights file. */
async function startingWeights(settings: TrialSettings): Promise<LoadedWeights | undefined> {
  return settings.weightsFile ? weightsOf(settings.weightsFile) : undefined;
}

/** The CPU threads a trial placed here trains with, by this process's addon (null on CUDA). */
export function placedThreads(placement: TrialPlacement): number | null {
  return cpuThreadsOf(placement, native().info());
}

/** A trial's key (see trial-key.ts) when it trains at `placement`; the weights file, if any, is read and hashed here. */
export async function trialKey(packed: Pick<PackedDataset, 'header'>, settings: TrialSettings, placement: TrialPlacement): Promise<string> {
  return keyOfTrial(packed, settings, (await startingWeights(settings))?.sha256 ?? null, placedThreads(placement));
}

export interface TrialOutcome {
  /** With `failed`, the trial as asked for with fitness 0: it is not stored among the trials. */
  trial: TrialRecord;
  cached: boolean;
  /** Why the trial failed on the queue after every attempt (see queue/trial-failed.ts); absent when it trained. */
  failed?: string;
}

export type TrialEvent =
  | { kind: 'fold'; fold: number; folds: number; settings: TrialSettings; epoch: number; epochs: number }
  /** Another process is training this trial; this one waits for its result. */
  | { kind: 'waiting'; settings: TrialSettings; holder: string }
  /** The trial failed on the queue after every attempt; the run goes on without it. */
  | { kind: 'failed'; settings: TrialSettings; error: string };

/**
 * Part of a trial's schedule trained elsewhere (multi-fidelity): up to `untilEpoch`, each
 * fold continuing from its state file in `states` (saved after `fromEpoch` epochs; none
 * when 0), and each fold's state reached written to `saveStates` (below the full schedule).
 */
export interface RungTraining {
  untilEpoch: number;
  fromEpoch: number;
  states: string[];
  saveStates?: string[];
}

/**
 * Trains a trial somewhere else (a queue's workers) and returns the record a local
 * training would have made; a TrialFailedError when it failed there for good. With
 * `rung`, only that part of the schedule (the record is the rung's result).
 */
export interface TrialTrainer {
  train(
    key: string,
    packed: PackedDataset,
    settings: TrialSettings,
    weightsSha256: string | null,
    /** The CPU threads the key was made with (null: a CUDA trial); the trial trains with them. */
    cpuThreads: number | null,
    control: Pick<TrialControl, 'signal' | 'onEvent'>,
    rung?: RungTraining,
  ): Promise<TrialRecord>;
}

export interface TrialControl {
  signal?: AbortSignal;
  onEvent?: (event: TrialEvent) => void;
  /** Where the first fold's network is saved: a path, or a path for each trial key. */
  checkpoint?: string | ((key: string) => string);
  /** Trains trials elsewhere instead of here (the checkpoint is then not written). */
  trainer?: TrialTrainer;
}

/** What a checkpoint carries besides the weights: enough to preprocess and label new images the same way. */
export function checkpointMetadata(packed: PackedDataset, settings: TrialSettings, key: string): string {
  return JSON.stringify({ classes: packed.header.classes, dataset: packed.header.dataset, settings, preprocess: packed.header.settings, key });
}

// One read per weights file per process: every trial of a grid or GA starts from it, and
// its key's hash and its starting weights come from the same bytes.
const weightsCache = new PromiseMemo<LoadedWeights>();
/** Reads and hashes (once) the weights trials start from; the CLI calls it early so a bad file fails before preprocessing. */
export function weightsOf(file: string): Promise<LoadedWeights> {
  return weightsCache.get(file, () => loadWeights(file));
}

/**
 * Part of a schedule (multi-fidelity): train up to `untilEpoch`, continuing from the state
 * file `resumeState`, and write the state reached to `saveState` (see native.ts).
 */
export interface ResumableTraining {
  untilEpoch?: number;
  resumeState?: string;
  saveState?: string;
  /** What a state is bound to; by default the trial's key and the fold. */
  stateIdentity?: string;
}

/** Trains one fold of a trial's split (0-based), without touching the store. */
export async function trainFold(
  packed: PackedDataset,
  settings: TrialSettings,
  fold: number,
  placement: TrialPlacement,
  control: Omit<TrialControl, 'checkpoint'> & { checkpoint?: string } = {},
  resumable: ResumableTraining = {},
): Promise<TrainResult> {
  const splits = splitsFor(packed, settings);
  const initialWeights = (await startingWeights(settings))?.weights;
  const staged = resumable.resumeState !== undefined || resumable.saveState !== undefined;
  const key = await trialKey(packed, settings, placement);
  const stateIdentity = resumable.stateIdentity ?? (staged ? `${key} fold ${fold}` : undefined);
  return trainNetwork(
    { images: packed.images, labels: packed.labels, trainIndices: splits[fold].train, validationIndices: splits[fold].validation },
    {
      model: settings.model,
      classes: packed.header.classes.length,
      channels: packed.header.channels,
      size: packed.header.size,
      activation: settings.activation,
      optimizer: settings.optimizer,
      learningRate: settings.learningRate,
      learningRateSchedule: settings.learningRateSchedule,
      weightDecay: settings.weightDecay,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      augment: settings.augment,
      firstKernel: settings.firstKernel,
      amp: settings.amp,
      initialWeights,
      partialWeights: settings.partialWeights,
      weightsSource: settings.weightsFile,
      freezeEpochs: settings.freezeEpochs,
      seed: settings.seed + fold,
      device: placement.device,
      threads: placement.threads,
      checkpoint: control.checkpoint,
      checkpointMetadata: checkpointMetadata(packed, settings, key),
      ...resumable,
      stateIdentity,
    },
    {
      signal: control.signal,
      onProgress: (e) =>
        e.kind === 'epoch' && control.onEvent?.({ kind: 'fold', fold: fold + 1, folds: splits.length, settings, epoch: e.epoch, epochs: e.epochs }),
    },
  );
}

/**
 * Returns the stored trial, or trains it (every fold; here, or by `control.trainer`) and
 * stores it. Among processes that share the results file, one trains a key and the others
 * wait for its result. A trial that failed for good on the queue is stored as failed and
 * answered with fitness 0 and `failed` set; a later call asks for it again.
 */
export async function runTrial(
  store: Store,
  packed: PackedDataset,
  settings: TrialSettings,
  placement: TrialPlacement,
  control: TrialControl = {},
): Promise<TrialOutcome> {
  const weightsSha256 = (await startingWeights(settings))?.sha256 ?? null;
  const cpuThreads = placedThreads(placement);
  const key = keyOfTrial(packed, settings, weightsSha256, cpuThreads);
  // A claim lost to another process stops the training: its result would not be stored.
  const train = (claimLost: AbortSignal) => {
    const held = { ...control, signal: whileBoth(control.signal, claimLost) };
    return control.trainer
      ? control.trainer.train(key, packed, settings, weightsSha256, cpuThreads, held)
      : trainTrialRecord(key, packed, settings, weightsSha256, placement, held);
  };
  try {
    return await trainOnce(store, key, train, {
      signal: control.signal,
      onWait: (holder) => control.onEvent?.({ kind: 'waiting', settings, holder: describeHolder(holder) }),
    });
  } catch (error) {
    if (!isTrialFailedError(error) || error.key !== key) throw error;
    store.saveFailedTrial(key, error.reason, error.attempts);
    control.onEvent?.({ kind: 'failed', settings, error: error.message });
    const trial: TrialRecord = { ...describeTrial(key, packed, settings, weightsSha256, placement, cpuThreads), fitness: 0, diverged: false, result: { error: error.reason }, seconds: 0, device: '', libtorch: '' };
    return { trial, cached: false, failed: error.reason };
  }
}

/**
 * Trains (or finds) every seed repeat of a configuration, one after another: repeat r with
 * training seed seed + r·1000 on the split of repeat 0 (see repeatSettings), each a trial of
 * its own; repeat 0 is the trial a run without repeats trains, under the same key.
 */
export async function runRepeats(
  store: Store,
  packed: PackedDataset,
  settings: TrialSettings,
  placement: TrialPlacement,
  control: TrialControl,
  repeats: number,
): Promise<TrialOutcome[]> {
  const outcomes: TrialOutcome[] = [];
  for (let r = 0; r < repeats; r++) {
    // One checkpoint path (not one per key) is repeat 0's: a later repeat would overwrite it with another network.
    const own = r > 0 && typeof control.checkpoint === 'string' ? { ...control, checkpoint: undefined } : control;
    outcomes.push(await runTrial(store, packed, repeatSettings(settings, r), placement, own));
  }
  return outcomes;
}

/** A signal aborted when either is (the caller's Ctrl-C, or a claim lost). */
export function whileBoth(signal: AbortSignal | undefined, other: AbortSignal): AbortSignal {
  return signal ? AbortSignal.any([signal, other]) : other;
}

/** What a trial's record says before any result: its identity, genes and settings. */
export function describeTrial(
  key: string,
  packed: PackedDataset,
  settings: TrialSettings,
  weightsSha256: string | null,
  placement: TrialPlacement,
  cpuThreads: number | null,
): Pick<TrialRecord, 'key' | 'dataset' | 'fingerprint' | 'model' | 'genes' | 'settings'> {
  return {
    key,
    dataset: packed.header.dataset,
    fingerprint: packed.header.fingerprint,
    model: settings.model,
    genes: {
      activation: settings.activation,
      optimizer: settings.optimizer,
      model: settings.model,
      learningRate: String(settings.learningRate),
      batchSize: String(settings.batchSize),
      firstKernel: String(settings.firstKernel),
    },
    // The canonical settings (as keyed), where the weights came from, and where it ran.
    settings: {
      ...keyedSettings(settings, weightsSha256, cpuThreads),
      ...(settings.weightsFile ? { weightsFile: settings.weightsFile } : {}),
      ...placement,
      classes: packed.header.classes,
      size: packed.header.size,
      channels: packed.header.channels,
      // How the images were made (face crop, margin, …): shown by reports; the fingerprint already tells sets apart.
      preprocess: packed.header.settings,
    },
  };
}

/** Trains every fold of trial `key` and returns its record, without touching a store (a queue worker's job). */
export async function trainTrialRecord(
  key: string,
  packed: PackedDataset,
  settings: TrialSettings,
  weightsSha256: string | null,
  placement: TrialPlacement,
  control: TrialControl,
): Promise<TrialRecord> {
  const folds: TrainResult[] = [];
  const count = splitsFor(packed, settings).length;
  const checkpoint = typeof control.checkpoint === 'function' ? control.checkpoint(key) : control.checkpoint;
  for (let fold = 0; fold < count; fold++) {
    folds.push(await trainFold(packed, settings, fold, placement, { ...control, checkpoint: fold === 0 ? checkpoint : undefined }));
  }
  return recordOfFolds(key, packed, settings, weightsSha256, placement, folds);
}

/** A trial's record from its folds' results: fitness the mean final validation accuracy, seconds summed (plus `earlierSeconds`, a continued trial's rungs before). */
export function recordOfFolds(
  key: string,
  packed: PackedDataset,
  settings: TrialSettings,
  weightsSha256: string | null,
  placement: TrialPlacement,
  folds: TrainResult[],
  earlierSeconds = 0,
): TrialRecord {
  return {
    ...describeTrial(key, packed, settings, weightsSha256, placement, placedThreads(placement)),
    fitness: folds.reduce((sum, r) => sum + r.finalValidationAccuracy, 0) / folds.length,
    diverged: folds.some((r) => r.diverged),
    result: { folds: storedFolds(packed, settings, folds) },
    seconds: earlierSeconds + folds.reduce((sum, r) => sum + r.seconds, 0),
    device: folds[0].device,
    libtorch: folds[0].libtorch,
  };
}

/**
 * The folds as stored: each fold's predictions as base64 (a Buffer would serialise as an
 * array of numbers), beside the true classes of the same images, so that a results file
 * alone can score a trial image by image.
 */
function storedFolds(packed: PackedDataset, settings: TrialSettings, folds: TrainResult[]): unknown[] {
  const splits = splitsFor(packed, settings);
  return folds.map((fold, i) => {
    const { predictions, ...rest } = fold;
    if (!predictions || predictions.length === 0) return rest;
    return { ...rest, predictions: Buffer.from(predictions).toString('base64'), labels: Buffer.from(validationLabels(packed, splits[i])).toString('base64') };
  });
}

/** The true class of each validation image of `split`, in its order: what predictions are scored against. */
export function validationLabels(packed: Pick<PackedDataset, 'labels'>, split: Split): Uint8Array {
  return Uint8Array.from(split.validation, (image) => packed.labels[image]);
}

/** Fitness by training (through the trial cache), for the GA. */
export class TrainingFitness implements FitnessSource {
  /** `placements[slot]` is where the evaluation running in that concurrent slot trains. */
  constructor(
    protected readonly store: Store,
    protected readonly packed: PackedDataset,
    protected readonly base: TrialSettings,
    protected readonly placements: TrialPlacement[],
    /**
     * `run`: the run each trial is linked to as it is answered (trained, or found in the cache);
     * `repeats`: training seeds per genome (see repeats.ts), its fitness their mean.
     */
    protected readonly control: TrialControl & { run?: number; repeats?: number } = {},
  ) {}

  /** Trains the batch's genomes, as many at once as there are placements (all of them on a queue). */
  async evaluate(batch: readonly Genes[]): Promise<FitnessResult[]> {
    return runPool(batch, this.control.trainer ? batch.length : this.placements.length, (genes, slot) => this.fitnessOf(genes, slot));
  }

  /** One genome's fitness, trained in concurrent slot `slot` (or answered from the cache). */
  async fitnessOf(genes: Genes, slot = 0): Promise<FitnessResult> {
    const placement = this.placements[slot % this.placements.length];
    const settings = applyGenes(this.base, genes);
    const outcomes = await runRepeats(this.store, this.packed, settings, placement, this.control, this.control.repeats ?? 1);
    // A failed trial scores 0 for now, names no stored trial, and is not remembered (see FitnessResult.failed).
    const failed = outcomes.find((o) => o.failed !== undefined)?.failed;
    if (failed !== undefined) return { fitness: 0, trialKey: null, trained: false, failed };
    if (this.control.run !== undefined) this.store.linkTrials(this.control.run, outcomes.map((o) => ({ key: o.trial.key, trained: !o.cached })));
    const trainings = outcomes.filter((o) => !o.cached).length;
    // The first repeat's key names the genome's trial; its fitness is the mean over repeats.
    const fitness = outcomes.reduce((sum, o) => sum + o.trial.fitness, 0) / outcomes.length;
    return { fitness, trialKey: outcomes[0].trial.key, trained: trainings > 0, epochsTrained: trainings * this.base.epochs };
  }
}
