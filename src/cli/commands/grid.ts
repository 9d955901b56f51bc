import type { CommandModule } from 'yargs';

import { ACTIVATIONS, MODELS, OPTIMIZERS, type ActivationName, type ModelName, type OptimizerName } from '../../names';
import { Store } from '../../store/store';
import { runGrid, type GridRow } from '../../grid';
import { choiceListFlag } from '../arguments';
import { withInterrupt } from '../interrupt';
import type { GlobalArguments } from '../main';
import { printJson, printTable } from '../output';
import { loadDataset, logTrialEvent, placements, trialSettings, withTrainingOptions, type TrainingArguments } from '../training-options';

interface GridArguments extends TrainingArguments {
  models: ModelName[];
  activations: ActivationName[];
  optimizers: OptimizerName[];
}

const PAPER_ACTIVATIONS: ActivationName[] = ['relu', 'leaky-relu', 'clipped-relu'];
const PAPER_OPTIMIZERS: OptimizerName[] = ['sgdm', 'rmsprop', 'adam'];

export const gridCommand: CommandModule<GlobalArguments, GridArguments> = {
  command: 'grid',
  describe: "every network × optimizer × activation, in the paper's table layout (trials shared with evolve)",
  builder: (yargs) =>
    withTrainingOptions(yargs)
      .option('models', { type: 'string', requiresArg: true, default: 'resnet50', describe: 'comma-separated networks', coerce: choiceListFlag('models', MODELS) })
      .option('activations', { type: 'string', requiresArg: true, default: PAPER_ACTIVATIONS.join(','), describe: 'comma-separated activations', coerce: choiceListFlag('activations', ACTIVATIONS) })
      .option('optimizers', { type: 'string', requiresArg: true, default: PAPER_OPTIMIZERS.join(','), describe: 'comma-separated optimizers', coerce: choiceListFlag('optimizers', OPTIMIZERS) }) as never,
  handler: async (args) => {
    const packed = await loadDataset(args);
    const store = new Store(args.db);
    let rows: GridRow[] = [];
    try {
      rows = await withInterrupt((signal) =>
        runGrid(store, packed, trialSettings(args, { model: args.models[0], activation: args.activations[0], optimizer: args.optimizers[0] }), args, placements(args), {
          signal,
          onEvent: logTrialEvent,
        }),
      );
    } finally {
      store.close();
    }
    const best = rows.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    if (args.json) {
      printJson({ dataset: packed.header.dataset, rows, best, trainings: rows.filter((r) => !r.cached).length });
      return;
    }
    printTable(
      ['network', 'optimizer', ...args.activations],
      args.models.flatMap((model) =>
        args.optimizers.map((optimizer) => [
          model,
          optimizer,
          ...args.activations.map((activation) => {
            const row = rows.find((r) => r.model === model && r.optimizer === optimizer && r.activation === activation);
            return row ? `${(row.accuracy * 100).toFixed(2)}${row.diverged ? '*' : ''}` : '';
          }),
        ]),
      ),
      [false, false, ...args.activations.map(() => true)],
    );
    process.stdout.write(`\nbest: ${best.model} ${best.activation} + ${best.optimizer} (${(best.accuracy * 100).toFixed(2)}%)${rows.some((r) => r.diverged) ? '; * diverged' : ''}\n`);
  },
};
