import path from 'path';

import type { CommandModule } from 'yargs';

import { SYNTHETIC_DEFAULTS, writeSyntheticDataset } from '../../data/synthetic';
import { integerFlag } from '../arguments';
import type { GlobalArguments } from '../global-arguments';
import { printJson } from '../output';

interface SynthArguments extends GlobalArguments {
  out: string;
  subjects: number;
  seed: number;
  'per-class': number;
}

export const synthCommand: CommandModule<GlobalArguments, SynthArguments> = {
  command: 'synth',
  describe: 'write the built-in synthetic facial-expression set (folder layout, PNG)',
  builder: (yargs) =>
    yargs
      .option('out', { type: 'string', demandOption: true, requiresArg: true, describe: 'folder to write (absent or empty)' })
      .option('subjects', { requiresArg: true, default: SYNTHETIC_DEFAULTS.subjects, describe: 'people', coerce: integerFlag('subjects', 2, 10000) })
      .option('per-class', { requiresArg: true, default: SYNTHETIC_DEFAULTS.imagesPerClass, describe: 'images per person and class', coerce: integerFlag('per-class', 1, 1000) })
      .option('seed', { requiresArg: true, default: SYNTHETIC_DEFAULTS.seed, describe: 'random seed', coerce: integerFlag('seed', 0, 2 ** 32 - 1) }),
  handler: async (args) => {
    const summary = await writeSyntheticDataset(path.resolve(args.out), { subjects: args.subjects, seed: args.seed, imagesPerClass: args['per-class'] });
    if (args.json) printJson(summary);
    else process.stdout.write(`wrote ${summary.images} images of ${summary.subjects} subjects (${summary.classes.join(', ')}) to ${summary.root}\nuse it as --dataset folder:${summary.root}\n`);
  },
};
