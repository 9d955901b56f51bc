/**
 * Loads the native addon and declares the shapes it speaks. Everything else in src/
 * goes through this file, so a missing or broken build is reported in one place.
 */
import fs from 'fs';
import path from 'path';

import type { ActivationName, LearningRateScheduleName, ModelName, OptimizerName } from '../names';

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
  /** Over the whole `epochs` (a call stopping at `untilEpoch` follows the same rates); default constant. */
  learningRateSchedule?: LearningRateScheduleName;
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
  /** Weights to start from, by torchvision's names (see readWeights). */
  initialWeights?: NamedWeights;
  /** Skip missing, unexpected and mis-shaped keys instead of refusing them. */
  partialWeights?: boolean;
  /** The file the weights came from, for messages. */
  weightsSource?: string;
  /** Feature layers (all but the classifier) frozen for the first N epochs. */
  freezeEpochs?: number;
  /**
   * Stop after this epoch (1…epochs; default: epochs). `epochs` stays the whole schedule,
   * so a trial trained in stages computes what one trained at once does.
   */
  untilEpoch?: number;
  /** A training-state file (saveState) to continue from: weights, optimizer, random state, history. */
  resumeState?: string;
  /** Where to write the training state after the last epoch of this call (not when it diverged). */
  saveState?: string;
  /** The trial's own key, stored in a saved state; a state is continued only under the same one. */
  stateIdentity?: string;
}

/** One tensor by name: float32 values (integer buffers as float64), row-major. */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array | Float64Array;
  dtype?: 'float32' | 'int64';
}
export type NamedWeights = NamedWeight[];

export interface WeightReport {
  loaded: number;
  /** The classifier, for another class count. */
  reinitialised: string[];
  /** The first convolution, RGB summed for grey input. */
  adapted: string[];
  /** GoogLeNet's unused aux heads, or (partial loads) unmatched keys. */
  skipped: string[];
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

/** The optimizer's hyperparameters appear only where the chosen optimizer reads them. */
export interface TrainSettings
  extends ResolvedNetworkSpec,
    Required<Omit<OptimizerSettings, 'momentum' | 'alpha' | 'beta1' | 'beta2' | 'epsilon'>>,
    Pick<OptimizerSettings, 'momentum' | 'alpha' | 'beta1' | 'beta2' | 'epsilon'> {
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
  /** The epoch a resumeState continued from; 0 when the trial started fresh. */
  resumedFromEpoch: number;
  /** Epochs trained by this call (the history also holds the restored ones). */
  epochsTrained: number;
  bestValidationAccuracy: number;
  finalValidationAccuracy: number;
  /** confusion[trueClass][predictedClass] after the last finished epoch. */
  confusion: number[][];
  /**
   * The predicted class of each validation image after the last finished epoch, in the
   * order of validationIndices (one byte an image; empty above 256 classes or before any epoch).
   */
  predictions: Uint8Array;
  seconds: number;
  imagesPerSecond: number;
  device: string;
  threads: number;
  parameters: number;
  /** How the trial ran once the device-dependent defaults were applied (foreachOptimizer: the multi-tensor update really ran). */
  execution: { amp: boolean; channelsLast: boolean; foreachOptimizer: boolean; dataOnDevice: boolean };
  /** What loading `initialWeights` did; null when the network started fresh. */
  weights: WeightReport | null;
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
  /** Raw logits of inputs already normalised (Float32Array N×C×S×S). */
  logits(input: Float32Array): Promise<Float32Array>;
  stateDict(): Promise<NamedWeights>;
  /** Frees the network at once; later use throws "model was disposed". */
  dispose(): void;
}

export interface NativeBinding {
  info(): NativeInfo;
  describeNetwork(spec: NetworkSpec): Promise<NetworkDescription>;
  startTraining(
    options: NativeTrainOptions,
    onProgress: (event: TrainProgress) => void,
  ): { promise: Promise<TrainResult>; cancel(): void };
  loadCheckpoint(path: string): Promise<NativeModel>;
  loadNetwork(options: NetworkSpec & { weights: NamedWeights; partial?: boolean; source?: string }): Promise<{ model: NativeModel; report: WeightReport }>;
}

export interface LoadedBinding {
  binding: NativeBinding;
  /** The file that was loaded. */
  file: string;
  /** A local build (`npm run build:addon`, or the install step's build from source), a prebuild shipped in the package, or FER_GA_ADDON. */
  source: 'build' | 'prebuild' | 'FER_GA_ADDON';
}

interface Candidate {
  file: string;
  source: LoadedBinding['source'];
}

interface PrebuildEntry {
  file: string;
  libtorch: string;
  flavour: 'cpu' | 'cuda';
}

const PACKAGE_ROOT = path.resolve(__dirname, '../..');
const LOCAL_BUILDS = ['build/Release/fer_ga.node', 'build/Debug/fer_ga.node'];

let loaded: LoadedBinding | undefined;

/** In the order they are tried: an explicit file, a local build, then the prebuilds for this platform. */
export function addonCandidates(root = PACKAGE_ROOT): Candidate[] {
  const candidates: Candidate[] = [];
  if (process.env.FER_GA_ADDON) return [{ file: path.resolve(process.env.FER_GA_ADDON), source: 'FER_GA_ADDON' }];
  for (const build of LOCAL_BUILDS) {
    const file = path.join(root, build);
    if (fs.existsSync(file)) candidates.push({ file, source: 'build' });
  }
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const manifest = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifest)) {
    for (const entry of JSON.parse(fs.readFileSync(manifest, 'utf8')) as PrebuildEntry[]) {
      candidates.push({ file: path.join(dir, entry.file), source: 'prebuild' });
    }
  }
  return candidates;
}

/** The first line of a dlopen failure, with what fixes the usual causes. */
function explainLoadFailure(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const missing = /(lib(?:torch\w*|c10\w*)\.so[.\d]*): cannot open shared object file/.exec(message);
  if (missing) return `${missing[1]} not found`;
  return message.replace(/^.*\.node: /, '');
}

const REMEDY =
  'install libtorch (`sudo apt-get install libtorch-dev libopenblas0-openmp` for Debian\'s CPU build, or `pip install torch`), ' +
  'then build for it with `npm rebuild fer-ga --build-from-source` (in a checkout: `npm run build:addon`)';

/** Loads the addon once; throws one clear line saying what was tried and why each failed. */
export function loadBinding(): LoadedBinding {
  if (loaded) return loaded;
  const candidates = addonCandidates();
  if (candidates.length === 0) {
    throw new Error(`the native addon is not built and no prebuild ships for ${process.platform}-${process.arch}: ${REMEDY}`);
  }
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { binding: require(candidate.file) as NativeBinding, ...candidate };
      return loaded;
    } catch (error) {
      failures.push(`${path.relative(PACKAGE_ROOT, candidate.file) || candidate.file}: ${explainLoadFailure(error)}`);
    }
  }
  throw new Error(`no fer-ga native addon loads (${failures.join('; ')}): ${REMEDY}`);
}

export function native(): NativeBinding {
  return loadBinding().binding;
}
