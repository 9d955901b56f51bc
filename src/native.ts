/**
 * Loads the native addon and declares the shapes it speaks. Everything else in src/
 * goes through this file, so a missing or broken build is reported in one place.
 */
import fs from 'fs';
import path from 'path';

import type { ActivationName, ModelName, OptimizerName } from './names';

export interface NetworkSpec {
  model: ModelName;
  classes: number;
  channels: 1 | 3;
  size: number;
  activation?: ActivationName;
  /** leaky-relu slope (0.01), clipped-relu ceiling (10), elu alpha (1). */
  activationParameter?: number;
  /** GoogLeNet's auxiliary heads, weighted 0.3 in the loss while training. */
  auxLogits?: boolean;
  /** Kernel of the first convolution (odd, 1–15); 0 or absent keeps the network's own. */
  firstKernel?: number;
}

export interface ResolvedNetworkSpec extends Required<NetworkSpec> {
  activation: ActivationName;
}

export interface NetworkDescription {
  name: ModelName;
  parameters: number;
  /** Multiply-accumulates of convolutions and linear layers for one image. */
  macs: number;
  minSize: number;
  /** Module type name → how many the network holds. */
  modules: Record<string, number>;
  /** Parameters and buffers in torchvision's state-dict names. */
  stateDict: Array<{ name: string; shape: number[] }>;
}

export interface OptimizerSettings {
  optimizer?: OptimizerName;
  learningRate?: number;
  weightDecay?: number;
  momentum?: number;
  alpha?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface LoopSettings {
  batchSize?: number;
  epochs?: number;
  seed?: number;
  /** auto | cpu | cuda | cuda:N */
  device?: string;
  /** libtorch intra-op threads; 0 = one per core. */
  threads?: number;
  augment?: boolean;
  cropPadding?: number;
  flip?: boolean;
  progressEveryBatches?: number;
  checkpoint?: string;
  checkpointMetadata?: string;
  /** bf16 autocast for forward and loss (default off). */
  amp?: boolean;
  /** The next three default to on for CUDA and off for the CPU. */
  /** NHWC weights and inputs. */
  channelsLast?: boolean;
  /** SGD-momentum, Adam and AdamW update all parameters in multi-tensor kernels. */
  foreachOptimizer?: boolean;
  /** The whole uint8 set copied to the device once, when it fits. */
  residentData?: boolean;
}

export interface NativeTrainOptions extends NetworkSpec, OptimizerSettings, LoopSettings {
  images: Uint8Array;
  labels: Int32Array;
  trainIndices: Int32Array;
  validationIndices: Int32Array;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss: number;
  validationAccuracy: number;
  seconds: number;
}

export type TrainProgress =
  | { kind: 'epoch'; epoch: number; epochs: number; record: EpochRecord; imagesPerSecond: number }
  | { kind: 'batch'; epoch: number; epochs: number; batch: number; batches: number; loss: number };

export interface TrainSettings extends ResolvedNetworkSpec, Required<OptimizerSettings> {
  augment: boolean;
  cropPadding: number;
  flip: boolean;
  batchSize: number;
  epochs: number;
  seed: number;
}

export interface TrainResult {
  history: EpochRecord[];
  /** The loss became NaN or infinite; the history holds the epochs finished before. */
  diverged: boolean;
  bestEpoch: number;
  bestValidationAccuracy: number;
  finalValidationAccuracy: number;
  /** confusion[trueClass][predictedClass] after the last finished epoch. */
  confusion: number[][];
  seconds: number;
  imagesPerSecond: number;
  device: string;
  threads: number;
  parameters: number;
  /** How the trial ran once the device-dependent defaults were applied. */
  execution: { amp: boolean; channelsLast: boolean; foreachOptimizer: boolean; dataOnDevice: boolean };
  mean: number[];
  std: number[];
  libtorch: string;
  checkpoint: string | null;
  settings: TrainSettings;
}

export interface NativeInfo {
  libtorch: string;
  cuda: { available: boolean; devices: number; cudnn: boolean };
  cores: number;
  defaultThreads: number;
  mkldnn: boolean;
  openmp: boolean;
  parallel: string;
  models: Array<{ name: ModelName; minSize: number }>;
  activations: ActivationName[];
  optimizers: OptimizerName[];
}

export interface NativeModel {
  readonly spec: ResolvedNetworkSpec;
  readonly metadata: string;
  readonly normalisation: { mean: number[]; std: number[] };
  predict(images: Uint8Array): Promise<Float32Array>;
}

export interface NativeBinding {
  info(): NativeInfo;
  describeNetwork(spec: NetworkSpec): Promise<NetworkDescription>;
  startTraining(
    options: NativeTrainOptions,
    onProgress: (event: TrainProgress) => void,
  ): { promise: Promise<TrainResult>; cancel(): void };
  loadCheckpoint(path: string): Promise<NativeModel>;
}

export interface LoadedBinding {
  binding: NativeBinding;
  /** The file that was loaded. */
  file: string;
}

const PACKAGE_ROOT = path.resolve(__dirname, '..');
const CANDIDATES = ['build/Release/fer_ga.node', 'build/Debug/fer_ga.node'];

let loaded: LoadedBinding | undefined;

function explainLoadFailure(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/libtorch|libc10|libtorch_cpu/.test(message)) {
    return (
      `the native addon ${file} cannot find libtorch (${message.split('\n')[0]}); ` +
      'install it with `sudo apt-get install libtorch-dev libopenblas0-openmp`, or `pip install torch`, then `npm run build:addon`'
    );
  }
  return `the native addon ${file} failed to load: ${message.split('\n')[0]}`;
}

/** Loads the addon once; throws one clear line when it is missing or cannot load. */
export function loadBinding(): LoadedBinding {
  if (loaded) return loaded;
  const file = CANDIDATES.map((c) => path.join(PACKAGE_ROOT, c)).find((f) => fs.existsSync(f));
  if (!file) {
    throw new Error('the native addon is not built: run `npm run setup` (or `npm run build:addon` when libtorch is installed)');
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { binding: require(file) as NativeBinding, file };
  } catch (error) {
    throw new Error(explainLoadFailure(error, file));
  }
  return loaded;
}

export function native(): NativeBinding {
  return loadBinding().binding;
}
