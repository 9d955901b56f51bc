import type { CommandModule } from 'yargs';

import type { ActivationName, ModelName, OptimizerName } from '../../names';
import { Store } from '../../store/store';
import { accuracyEvidence, formatAccuracy, formatInterval } from '../../store/trial-accuracy';
import { BestCheckpoint } from '../../study/best-checkpoint';
import { runRepeats, trainFold } from '../../study/trials';
import { summariseRepeats } from '../../study/repeat-summary';
import { withInterrupt } from '../interrupt';
import type { GlobalArguments } from '../global-arguments';
import { printJson } from '../output';
import {
  activationFlag,
  checkTrainingInputs,
  loadDataset,
  logTrialEvent,
  modelFlag,
  optimizerFlag,
  placement,
  probeQueueFlag,
  trialSettings,
  withQueueTrainer,
  withTrainingOptions,
  type TrainingArguments,
} from '../training-options';

interface TrainArguments extends TrainingArguments {
  model: ModelName;
  activation: ActivationName;
  optimizer: OptimizerName;
  checkpoint?: string;
}

export const trainCommand: CommandModule<GlobalArguments, TrainArguments> = {
  command: 'train',
  describe: 'one trial: a network with an activation and an optimizer (answered from the trial cache when it was run before)',
  builder: (yargs) =>
    withTrainingOptions(yargs)
      .option('model', modelFlag())
      .option('activation', activationFlag())
      .option('optimizer', optimizerFlag())
      .option('checkpoint', { type: 'string', requiresArg: true, describe: 'save the trained network (first fold) here' }) as never,
  handler: async (args) => {
    await probeQueueFlag(args);
    await checkTrainingInputs(args, [args.model]);
    const packed = await loadDataset(args);
    const store = new Store(args.db);
    try {
      const settings = trialSettings(args, { model: args.model, activation: args.activation, optimizer: args.optimizer });
      const keeper = args['save-best'] ? new BestCheckpoint(args['save-best']) : undefined;
      // Repeat 0 is the trial itself; the others train with the next seeds on the same split.
      const outcomes = await withQueueTrainer(args, (trainer) =>
        withInterrupt((signal) =>
          runRepeats(store, packed, settings, placement(args), { signal, onEvent: logTrialEvent, checkpoint: args.checkpoint ?? keeper?.trialFile, trainer }, args.repeats),
        ),
      );
      const lost = outcomes.find((o) => o.failed !== undefined);
      if (lost) throw new Error(`trial ${lost.trial.key} failed on the queue: ${lost.failed}`);
      const { trial, cached } = outcomes[0];
      const summary = summariseRepeats(outcomes.map((o) => o.trial));
      // A trial answered from the cache, or trained by a queue's worker, has no network here: keep() trains its first fold again.
      const checkpoint = keeper
        ? await withInterrupt((signal) => keeper.keep(packed, settings, trial.fitness, placement(args), { signal }))
        : (args.checkpoint ?? null);
      if (args.checkpoint && (cached || args.queue !== undefined)) {
        await withInterrupt((signal) => trainFold(packed, settings, 0, placement(args), { signal, onEvent: logTrialEvent, checkpoint: args.checkpoint }));
      }
      const printed = {
        cached,
        key: trial.key,
        dataset: trial.dataset,
        model: trial.model,
        genes: trial.genes,
        ...summary,
        ...(args.repeats > 1 ? { trials: outcomes.map((o) => ({ key: o.trial.key, seed: o.trial.settings.seed, accuracy: o.trial.fitness, cached: o.cached, ...accuracyEvidence(o.trial) })) } : {}),
        diverged: outcomes.some((o) => o.trial.diverged),
        seconds: trial.seconds,
        device: trial.device,
        libtorch: trial.libtorch,
        settings: trial.settings,
        checkpoint,
      };
      if (args.json) printJson(printed);
      else {
        process.stdout.write(
          `${trial.model} ${trial.genes.activation} + ${trial.genes.optimizer}: validation accuracy ${formatAccuracy(summary.accuracy, summary.interval, 2)}` +
            `${args.repeats > 1 ? `, mean of ${args.repeats} seeds (sd ${(summary.sd * 100).toFixed(2)}, 95% over seeds ${formatInterval(summary.seedInterval)})` : ''}` +
            `${printed.diverged ? ' (diverged)' : ''}${outcomes.every((o) => o.cached) ? ' (from the trial cache)' : ''}\n`,
        );
        if (checkpoint) process.stdout.write(`checkpoint: ${checkpoint}\n`);
      }
    } finally {
      store.close();
    }
  },
};
