/** fer-ga as a library: networks, training and checkpoints. */
export { MODELS, ACTIVATIONS, OPTIMIZERS } from './names';
export type { ModelName, ActivationName, OptimizerName } from './names';
export { trainNetwork } from './train';
export type { TrainingData, TrainNetworkOptions, TrainControl } from './train';
export { describeNetwork, summariseModels, minimumSize } from './networks';
export type { ModelSummary } from './networks';
export { TrainedModel } from './model';
export { environmentInfo } from './environment';
export type { EnvironmentInfo } from './environment';
export { UsageError, isUsageError, isAbortError } from './errors';
export type {
  NetworkSpec,
  ResolvedNetworkSpec,
  NetworkDescription,
  OptimizerSettings,
  LoopSettings,
  EpochRecord,
  TrainProgress,
  TrainResult,
  TrainSettings,
} from './native';
