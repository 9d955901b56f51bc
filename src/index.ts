/** fer-ga as a library: networks, training, data sets, the GA and its store. */
import { Store } from './store/store';

export { MODELS, ACTIVATIONS, OPTIMIZERS, LEARNING_RATE_SCHEDULES } from './names';
export type { ModelName, ActivationName, OptimizerName, LearningRateScheduleName } from './names';
export { trainNetwork } from './binding/train';
export type { TrainingData, TrainNetworkOptions, TrainControl } from './binding/train';
export { describeNetwork, summariseModels, minimumSize } from './binding/networks';
export type { ModelSummary } from './binding/networks';
export { TrainedModel } from './binding/model';
export { environmentInfo } from './binding/environment';
export type { EnvironmentInfo } from './binding/environment';
export { UsageError, isUsageError, isAbortError } from './util/errors';
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
  NamedWeight,
  NamedWeights,
  WeightReport,
} from './binding/native';

// Data sets: index, preprocess and cache; subject-independent splits.
export { prepareDataset, parseDatasetSpec, DATASET_KINDS } from './data/dataset';
export type { PrepareOptions, PreparedDataset, DatasetSpec } from './data/dataset';
export { holdOutSplit, kFoldSplits } from './data/splits';
export type { Split } from './data/splits';
export { writeSyntheticDataset } from './data/synthetic';
export { readCache } from './data/cache';
export type { PackedDataset, CacheHeader } from './data/cache';

// The GA, trials and their store.
export { Genome, PAPER_GENOME } from './ga/genome';
export type { Gene, Genes, Chromosome } from './ga/genome';
export { runEvolution, gaSettings } from './ga/evolve';
export type { EvolveSettings, GaSettings, EvolveResult, EvolveEvent, FitnessSource, FitnessResult } from './ga/evolve';
export { DEFAULT_OPERATORS, OPERATOR_SET_NAMES } from './ga/operator-sets';
export type { OperatorSetName } from './ga/operator-sets';
export { keyOfTrial, TRAINER_VERSION } from './study/trial-key';
export { TableFitness, readFitnessTable } from './ga/fitness-table';
export { randomSearch, randomSearchDraws } from './ga/random-search';
export type { RandomSearchOptions, RandomSearchResult } from './ga/random-search';
export { runTrial, TrainingFitness, trialKey, TRIAL_DEFAULTS } from './study/trials';
export type { TrialSettings, TrialOutcome } from './study/trials';
export { Store } from './store/store';
export { runGrid } from './study/grid';
export type { GridChoices, GridRow } from './study/grid';
// The short names: evolve (the GA), grid (every combination), train (one cached trial).
export { runEvolution as evolve } from './ga/evolve';
export { runGrid as grid } from './study/grid';
export { runTrial as train } from './study/trials';
export { Random } from './util/random';
export { runPool, slotPlacements } from './study/parallel';
export { BestCheckpoint } from './study/best-checkpoint';

// Results: reports, inference, the demo.
export { collectReport } from './report/collect';
export type { ReportData, ReportTable, ReportTrial, ReportRun } from './report/collect';
export { renderReport, REPORT_FORMATS } from './report/render';
export type { ReportFormat } from './report/render';
export { predictImages } from './binding/predict';
export type { Prediction, PredictOptions } from './binding/predict';
export { checkpointToOnnx, checkpointToWebPage } from './onnx/checkpoint-export';
export { OnnxModel } from './onnx/onnx-session';
export { predictImagesOnnx } from './onnx/predict-onnx';
export { serveFolder } from './onnx/web/serve';
export type { ExportedModelInfo } from './onnx/metadata';
export { runDemo, DEMO_DEFAULTS } from './study/demo';
export { loadWeights, readWeights, readSafetensors, writeSafetensors, weightsHash } from './weights/weights';
export type { LoadedWeights } from './weights/weights';
export type { DemoOptions, DemoResult } from './study/demo';
export { wilsonInterval } from './statistics/wilson';
export { exactMcNemar } from './statistics/mcnemar';
export type { PairedTest } from './statistics/mcnemar';
export { holmAdjust } from './statistics/holm';
export { tInterval } from './statistics/t-interval';
export type { SampleSummary } from './statistics/t-interval';
export { factorialAnova } from './statistics/anova';
export type { AnovaOutcome, AnovaTable, AnovaTerm, Observation } from './statistics/anova';
export { pairTrials, pairRepeats } from './study/paired-trials';

/** Opens (creating and migrating when needed) the SQLite results file. */
export function openStore(file = 'fer-ga.db'): Store {
  return new Store(file);
}
