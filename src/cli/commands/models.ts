import type { CommandModule } from 'yargs';

import { UsageError } from '../../util/errors';
import { MODELS, type ModelName } from '../../names';
import { summariseModels } from '../../binding/networks';
import { choiceListFlag, integerFlag } from '../arguments';
import type { GlobalArguments } from '../global-arguments';
import { engineering, groupDigits, printJson, printTable } from '../output';

interface ModelsArguments extends GlobalArguments {
  'num-classes'?: number;
  /** The old name of --num-classes (elsewhere --classes names classes, not a count). */
  classes?: number;
  channels: number;
  size: number;
  models: ModelName[];
}

const DEFAULT_CLASSES = 7;

export const modelsCommand: CommandModule<GlobalArguments, ModelsArguments> = {
  command: 'models',
  describe: "each network's parameters, MACs per image and minimum input size",
  builder: (yargs) =>
    yargs
      // No default of its own, so that naming both it and the old --classes is refused.
      .option('num-classes', { requiresArg: true, defaultDescription: String(DEFAULT_CLASSES), describe: 'output classes', coerce: integerFlag('num-classes', 2, 1000) })
      .option('classes', { requiresArg: true, hidden: true, deprecated: 'use --num-classes', coerce: integerFlag('classes', 2, 1000) })
      .conflicts('classes', 'num-classes')
      .option('channels', { requiresArg: true, default: 3, describe: '1 (grey) or 3 (colour)', coerce: integerFlag('channels', 1, 3) })
      .option('size', { requiresArg: true, default: 224, describe: 'square input size in pixels', coerce: integerFlag('size', 1, 4096) })
      .option('models', {
        type: 'string',
        default: MODELS.join(','),
        describe: 'networks to list, comma-separated',
        coerce: choiceListFlag('models', MODELS),
      }),
  handler: async (args) => {
    const channels = args.channels === 1 ? 1 : args.channels === 3 ? 3 : undefined;
    if (channels === undefined) throw new UsageError(`--channels must be 1 or 3 (got '${args.channels}')`);
    const classes = args['num-classes'] ?? args.classes ?? DEFAULT_CLASSES;
    const models = await summariseModels({ classes, channels, size: args.size }, args.models);
    if (args.json) {
      printJson({ numClasses: classes, channels, size: args.size, models });
      return;
    }
    printTable(
      ['model', 'parameters', 'MACs/image', 'min size'],
      models.map((m) => [m.name, groupDigits(m.parameters), m.macs === null ? `size < ${m.minSize}` : engineering(m.macs), String(m.minSize)]),
      [false, true, true, true],
    );
  },
};
