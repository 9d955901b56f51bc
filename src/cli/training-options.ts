/** Flags shared by the commands that train (train, grid, evolve), and turning them into settings. */
import fs from 'fs';
import path from 'path';
import type { Argv } from 'yargs';

import { ACTIVATIONS, LEARNING_RATE_SCHEDULES, MODELS, OPTIMIZERS, type ActivationName, type LearningRateScheduleName, type ModelName, type OptimizerName } from '../names';
import { native } from '../binding/native';
import { slotPlacements } from '../study/parallel';
import { minimumSize } from '../binding/networks';
import { UsageError } from '../util/errors';
import { checkQueueUrl, probeQueue } from '../queue/connection';
import { QueueTrainer } from '../queue/queue-trainer';
import { scheduleSetting } from '../study/trial-key';
import { TRIAL_DEFAULTS, weightsOf, type TrialEvent, type TrialPlacement, type TrialSettings } from '../study/trials';
import { choiceFlag, integerFlag, numberFlag, writingFlag } from './arguments';
import { withDatasetOptions, type DatasetArguments } from './dataset-options';
import type { GlobalArguments } from './global-arguments';
import { queueFlag } from './queue-flag';
import { resultsFileFlag } from './results-file';

export { loadDataset } from './dataset-options';

export interface TrainingArguments extends GlobalArguments, DatasetArguments {
  epochs: number;
  'batch-size': number;
  lr: number;
  'lr-schedule': LearningRateScheduleName;
  'weight-decay': number;
  augment: boolean;
  'first-kernel': number;
  folds: number;
  validation: number;
  seed: number;
  /** The split's seed; absent: --seed. */
  'split-seed'?: number;
  /** Training seeds per configuration (see study/repeats.ts). */
  repeats: number;
  device: string;
  threads: number;
  amp: boolean;
  db: string;
  'save-best'?: string;
  weights?: string;
  'freeze-epochs': number;
  'partial-weights': boolean;
  /** Redis URL of the queue whose workers train the trials (instead of this process). */
  queue?: string;
}

/** `--parallel`: only grid and evolve train several trials at once. */
export interface ParallelArguments {
  parallel: number;
}

export function withTrainingOptions<T>(yargs: Argv<T>) {
  return withDatasetOptions(yargs)
    .option('epochs', { requiresArg: true, default: TRIAL_DEFAULTS.epochs, describe: 'epochs a trial', coerce: integerFlag('epochs', 1, 100000) })
    .option('batch-size', { requiresArg: true, default: TRIAL_DEFAULTS.batchSize, describe: 'mini-batch', coerce: integerFlag('batch-size', 2, 65536) })
    .option('lr', { requiresArg: true, default: TRIAL_DEFAULTS.learningRate, describe: 'learning rate', coerce: numberFlag('lr', 0, 1e11) })
    .option('lr-schedule', lrScheduleFlag())
    .option('weight-decay', { requiresArg: true, default: TRIAL_DEFAULTS.weightDecay, describe: 'L2 weight decay', coerce: numberFlag('weight-decay', 0, 1, true) })
    .option('augment', { type: 'boolean', default: TRIAL_DEFAULTS.augment, describe: 'random crop and flip (--no-augment: off)' })
    .option('first-kernel', { requiresArg: true, default: 0, describe: 'first convolution kernel, odd 1-15 (0: the network’s own)', coerce: integerFlag('first-kernel', 0, 15) })
    .option('folds', { requiresArg: true, default: TRIAL_DEFAULTS.folds, describe: 'k-fold cross-validation by subject (1: one hold-out split)', coerce: integerFlag('folds', 1, 100) })
    .option('validation', { requiresArg: true, default: TRIAL_DEFAULTS.validationFraction, describe: 'hold-out fraction of subjects (with --folds 1)', coerce: numberFlag('validation', 0, 1) })
    .option('seed', { requiresArg: true, default: TRIAL_DEFAULTS.seed, describe: 'random seed', coerce: integerFlag('seed', 0, 2 ** 32 - 1) })
    .option('split-seed', { requiresArg: true, describe: 'seed of the split into training and validation subjects (default: --seed)', coerce: integerFlag('split-seed', 0, 2 ** 32 - 1) })
    .option('repeats', { requiresArg: true, default: 1, describe: 'training seeds per configuration, on one split (each a trial; fitness is their mean)', coerce: integerFlag('repeats', 1, 100) })
    .option('device', { type: 'string', requiresArg: true, default: 'auto', describe: 'auto, cpu, cuda or cuda:N' })
    .option('threads', { requiresArg: true, default: 1, describe: "libtorch threads a trial trains with on the CPU (part of a CPU trial's key; not shared out by --parallel)", coerce: integerFlag('threads', 1, 1024) })
    .option('amp', { type: 'boolean', default: false, describe: 'bf16 mixed precision (autocast) for forward and loss' })
    .option('db', resultsFileFlag())
    .option('save-best', { type: 'string', requiresArg: true, describe: "keep the best trial's network as DIR/best.ckpt (for predict)" })
    .option('weights', { type: 'string', requiresArg: true, describe: "start from these weights (torchvision's names): torch.save(state_dict) file or .safetensors" })
    .option('freeze-epochs', { requiresArg: true, default: 0, describe: 'with --weights: feature layers frozen for the first N epochs', coerce: integerFlag('freeze-epochs', 0, 100000) })
    .option('partial-weights', { type: 'boolean', default: false, describe: 'with --weights: skip missing, unexpected or mis-shaped keys instead of refusing' })
    .option('queue', { ...queueFlag(), describe: `trained by the workers of a queue (fer-ga worker): ${queueFlag().describe}`, coerce: (url: string) => checkQueueUrl(url) });
}

/** `--queue`: reached once before anything else is done (no data prepared), or one line naming it, exit 2. */
export async function probeQueueFlag(args: Pick<TrainingArguments, 'queue'>): Promise<void> {
  if (args.queue !== undefined) await probeQueue(args.queue);
}

/** Runs `work` with the trainer of the --queue given (closed when it ends), or with none: trials train here. */
export async function withQueueTrainer<T>(args: Pick<TrainingArguments, 'queue'>, work: (trainer: QueueTrainer | undefined) => Promise<T>): Promise<T> {
  if (args.queue === undefined) return work(undefined);
  const trainer = await QueueTrainer.open(args.queue, { onNotice: (line) => process.stderr.write(`${line}\n`) });
  try {
    return await work(trainer);
  } finally {
    await trainer.close();
  }
}

/** For the commands that train several trials (grid, evolve); `train` refuses the flag. */
export function withParallelOption<T>(yargs: Argv<T>) {
  return yargs.option('parallel', { requiresArg: true, default: 1, describe: 'trials trained at once: on one GPU together, or one per GPU', coerce: integerFlag('parallel', 1, 64) });
}

/** `--lr-schedule`: over the whole `--epochs`, so a trial continued from a rung follows the same rates. */
export function lrScheduleFlag() {
  return {
    requiresArg: true,
    default: 'constant' as LearningRateScheduleName,
    describe: 'learning rate over the epochs: constant (the paper) or cosine (half a cosine down to 0)',
    coerce: choiceFlag('lr-schedule', LEARNING_RATE_SCHEDULES),
  } as const;
}

export function modelFlag(name = 'model') {
  return { requiresArg: true, default: 'resnet50' as ModelName, describe: 'network', coerce: choiceFlag(name, MODELS) } as const;
}
export function activationFlag() {
  return { requiresArg: true, default: 'relu' as ActivationName, describe: 'activation', coerce: choiceFlag('activation', ACTIVATIONS) } as const;
}
export function optimizerFlag() {
  return { requiresArg: true, default: 'adam' as OptimizerName, describe: 'optimizer', coerce: choiceFlag('optimizer', OPTIMIZERS) } as const;
}

/**
 * What can be refused before the data set is prepared (which can take minutes): an input
 * size below a network's minimum, a weights file that cannot be read, --freeze-epochs or
 * --partial-weights without one, a --save-best folder that cannot be made.
 */
export async function checkTrainingInputs(
  args: Pick<TrainingArguments, 'size' | 'weights' | 'save-best'> & Partial<Pick<TrainingArguments, 'freeze-epochs' | 'partial-weights'>>,
  models: readonly ModelName[],
): Promise<void> {
  // Without weights they would change nothing a trial's key knows of: refused, not ignored.
  if (!args.weights && (args['freeze-epochs'] ?? 0) > 0) throw new UsageError('--freeze-epochs needs --weights (there is nothing pretrained to keep)');
  if (!args.weights && args['partial-weights']) throw new UsageError('--partial-weights needs --weights');
  for (const model of models) {
    const smallest = minimumSize(model);
    if (args.size < smallest) throw new UsageError(`--size ${args.size} is below ${model}'s smallest input (${smallest} pixels)`);
  }
  if (args.weights) await weightsOf(path.resolve(args.weights));
  const keep = args['save-best'];
  if (keep) await writingFlag('save-best', keep, () => fs.mkdirSync(keep, { recursive: true }));
}

export function trialSettings(args: TrainingArguments, choice: { model: ModelName; activation: ActivationName; optimizer: OptimizerName }): TrialSettings {
  return {
    ...choice,
    epochs: args.epochs,
    batchSize: args['batch-size'],
    learningRate: args.lr,
    ...scheduleSetting(args['lr-schedule']),
    weightDecay: args['weight-decay'],
    augment: args.augment,
    firstKernel: args['first-kernel'],
    seed: args.seed,
    // Equal to the training seed it is no setting of its own: the trial keeps the key it had before split seeds.
    ...(args['split-seed'] !== undefined && args['split-seed'] !== args.seed ? { splitSeed: args['split-seed'] } : {}),
    folds: args.folds,
    validationFraction: args.validation,
    amp: args.amp,
    ...(args.weights ? { weightsFile: path.resolve(args.weights) } : {}),
    ...(args['partial-weights'] ? { partialWeights: true } : {}),
    ...(args['freeze-epochs'] > 0 ? { freezeEpochs: args['freeze-epochs'] } : {}),
  };
}

export function placement(args: TrainingArguments): TrialPlacement {
  return { device: args.device, threads: args.threads };
}

/** One placement per `--parallel` slot (one without the flag). */
export function placements(args: TrainingArguments & Partial<ParallelArguments>): TrialPlacement[] {
  return slotPlacements(placement(args), args.parallel ?? 1, native().info());
}

/** One stderr line per finished epoch (and when another process trains a trial first): long work stays visible without a TTY. */
export function logTrialEvent(event: TrialEvent): void {
  const s = event.settings;
  const what =
    event.kind === 'waiting'
      ? `waiting for another process, which is training it (${event.holder})`
      : event.kind === 'failed'
        ? `failed, scored 0 (${event.error})`
        : `fold ${event.fold}/${event.folds} epoch ${event.epoch}/${event.epochs}`;
  process.stderr.write(`${s.model} ${s.activation}+${s.optimizer}: ${what}\n`);
}
