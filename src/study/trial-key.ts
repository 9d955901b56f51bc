/**
 * A trial's identity. The key is a hash of exactly what its numbers depend on: the data
 * set's content fingerprint, its classes and input shape, the version of the training
 * code, the settings that change the computation, each in one canonical form, and, for a
 * CPU trial, the number of CPU threads it trains with (libtorch's CPU kernels split sums
 * by thread, so the count changes the last bits, and over epochs more than that). Paths,
 * file times and the device's name are not in it, so the same data and settings on
 * another folder or machine find the stored result; a CUDA trial's key holds null threads.
 * Settings that do nothing in a given configuration (a hold-out fraction under k-fold,
 * freezing without pretrained weights) are written as null, and a setting that names the
 * default (a first kernel equal to the network's own) as the default, so they cannot split
 * one trial into two; likewise a partial load of weights that fill the network fully. Pretrained
 * weights count by their tensors' content, not the file's bytes (see weights.ts), so the same
 * weights in either format are one trial.
 */
import crypto from 'crypto';

import type { PackedDataset } from '../data/cache';
import type { NativeInfo } from '../binding/native';
import { OWN_FIRST_KERNEL, type LearningRateScheduleName } from '../names';
import { partialLoadSkips } from '../binding/state-dict-layout';
import type { TrialPlacement, TrialSettings } from './trial-settings';
import { weightsLayout } from '../weights/weights';

/**
 * The version of what turns settings into numbers: the native training loop
 * (initialisation, augmentation, normalisation, optimizers, evaluation), src/train.ts and
 * the splits. Bump it with any change that can alter a result: trials stored under
 * another version then never answer a request (they stay in the file, and the report
 * says when a table mixes versions).
 *   (none)  trials stored before the version was part of the key
 *   2       the version first written into keys
 *   3       dropout draws from the trial's own generator (re-seeded each epoch from the
 *           trial's seed), Adagrad uses the given epsilon, GoogLeNet's auxiliary heads
 *           train while features are frozen; CPU threads in the key
 */
export const TRAINER_VERSION = 3;

/**
 * The CPU threads a trial placed here trains with (threads 0: one per core, as the native
 * trainer resolves it); null when it trains on CUDA, where the count does not change the numbers.
 */
export function cpuThreadsOf(placement: TrialPlacement, info: Pick<NativeInfo, 'cuda' | 'cores'>): number | null {
  const onCuda = placement.device.startsWith('cuda') || (placement.device === 'auto' && info.cuda.available);
  if (onCuda) return null;
  return placement.threads > 0 ? placement.threads : Math.max(1, info.cores);
}

/**
 * A constant rate is left out of settings and keys, as every trial before schedules was
 * saved, so those trials keep their keys.
 */
export function scheduleSetting(schedule: LearningRateScheduleName): Pick<TrialSettings, 'learningRateSchedule'> {
  return schedule === 'constant' ? {} : { learningRateSchedule: schedule };
}

/** The settings a trial's numbers depend on, canonical (fixed field set, sorted, nulls for settings that do nothing). */
export function keyedSettings(
  settings: TrialSettings,
  weightsSha256: string | null,
  cpuThreads: number | null,
  trainerVersion = TRAINER_VERSION,
): Record<string, unknown> {
  const fromWeights = weightsSha256 !== null;
  const kFold = settings.folds >= 2;
  return {
    activation: settings.activation,
    amp: settings.amp === true,
    augment: settings.augment,
    batchSize: settings.batchSize,
    cpuThreads,
    epochs: settings.epochs,
    // The network's own kernel, asked for by its number, builds the network 0 builds.
    firstKernel: settings.firstKernel === OWN_FIRST_KERNEL[settings.model] ? 0 : settings.firstKernel,
    folds: settings.folds,
    freezeEpochs: fromWeights && (settings.freezeEpochs ?? 0) > 0 ? settings.freezeEpochs : null,
    learningRate: settings.learningRate,
    ...scheduleSetting(settings.learningRateSchedule ?? 'constant'),
    model: settings.model,
    optimizer: settings.optimizer,
    partialWeights: fromWeights ? settings.partialWeights === true : null,
    seed: settings.seed,
    // Only where it differs from the training seed, so every trial from before keeps its key.
    ...(settings.splitSeed !== undefined && settings.splitSeed !== settings.seed ? { splitSeed: settings.splitSeed } : {}),
    trainerVersion,
    validationFraction: kFold ? null : settings.validationFraction,
    weightDecay: settings.weightDecay,
    weightsSha256,
  };
}

/**
 * `--partial-weights` on weights that fill the network fully (a partial load would skip
 * nothing) loads them exactly as without it: the same trial.
 */
function withoutNoOpPartialLoad(packed: Pick<PackedDataset, 'header'>, settings: TrialSettings, weightsSha256: string | null): TrialSettings {
  if (!settings.partialWeights || weightsSha256 === null) return settings;
  const { classes, channels } = packed.header;
  const skips = partialLoadSkips(weightsLayout(weightsSha256), { model: settings.model, classes: classes.length, channels, firstKernel: settings.firstKernel });
  return skips.length > 0 ? settings : { ...settings, partialWeights: false };
}

/**
 * The key of a trial whose initial weights (if any) hash to `weightsSha256`, trained with
 * `cpuThreads` (cpuThreadsOf its placement). Callers get the hash from loadWeights, which
 * hashes the tensors it parsed from the bytes it read; never from a setting.
 */
export function keyOfTrial(
  packed: Pick<PackedDataset, 'header'>,
  settings: TrialSettings,
  weightsSha256: string | null,
  cpuThreads: number | null,
  trainerVersion = TRAINER_VERSION,
): string {
  const canonical = JSON.stringify({
    fingerprint: packed.header.fingerprint,
    classes: packed.header.classes,
    size: packed.header.size,
    channels: packed.header.channels,
    settings: keyedSettings(withoutNoOpPartialLoad(packed, settings, weightsSha256), weightsSha256, cpuThreads, trainerVersion),
  });
  return crypto.createHash('sha256').update(canonical).digest('hex');
}
