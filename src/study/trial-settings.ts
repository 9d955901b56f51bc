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
  seed: number;
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
