/**
 * What a trial is asked to compute (its settings) and where it runs (its placement), with
 * the paper's defaults. Apart from trials.ts so that the key (trial-key.ts) and the trial
 * layer both read them without importing each other.
 */
import type { ActivationName, LearningRateScheduleName, ModelName, OptimizerName } from '../names';

export interface TrialSettings {
  model: ModelName;
  activation: ActivationName;
  optimizer: OptimizerName;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** How the rate moves over the whole schedule; absent: constant (the paper's). */
  learningRateSchedule?: LearningRateScheduleName;
  weightDecay: number;
  augment: boolean;
  /** The training seed: initialisation, augmentation and batch order (fold f trains with seed + f). */
  seed: number;
  /**
   * The seed of the split into training and validation subjects; absent: `seed`. Apart from
   * it so that repeats over training seeds score the same validation images.
   */
  splitSeed?: number;
  /** Kernel of the first convolution; 0 keeps the network's own. */
  firstKernel: number;
  /** k-fold when folds ≥ 2, else one hold-out split of `validationFraction`. */
  folds: number;
  validationFraction: number;
  /** bf16 autocast (mixed precision) for forward and loss. */
  amp: boolean;
  /**
   * Pretrained weights to start from (torchvision's names). The key holds the hash of the
   * bytes read from this file when the trial runs, never the path.
   */
  weightsFile?: string;
  /** With weightsFile: skip unmatched weight keys instead of refusing them. */
  partialWeights?: boolean;
  /** With weightsFile: feature layers frozen for the first N epochs. */
  freezeEpochs?: number;
}

/** Where a trial runs: the device stays out of the key, a CPU trial's thread count is in it (see trial-key.ts). */
export interface TrialPlacement {
  device: string;
  threads: number;
}

export const TRIAL_DEFAULTS: Omit<TrialSettings, 'model' | 'activation' | 'optimizer'> = {
  epochs: 50,
  batchSize: 128,
  learningRate: 1e-4,
  weightDecay: 1e-4,
  augment: true,
  firstKernel: 0,
  seed: 1,
  folds: 1,
  validationFraction: 0.2,
  amp: false,
};

/**
 * Seed repeats (repeats.ts): repeat r trains with seed + r·1000 (a fold adds its index to the
 * seed, so repeats share no fold's seed below 1000 folds) on the split of repeat 0.
 */
export const REPEAT_SEED_STEP = 1000;

/** Repeat `r` of `settings` (0: the settings themselves). */
export function repeatSettings(settings: TrialSettings, r: number): TrialSettings {
  if (r === 0) return settings;
  return { ...settings, seed: settings.seed + r * REPEAT_SEED_STEP, splitSeed: settings.splitSeed ?? settings.seed };
}
