/** `--fidelity`, `--min-epochs` and `--eta`: multi-fidelity for evolve, grid and demo. */
import path from 'path';
import type { Argv } from 'yargs';

import { checkHalving, DEFAULT_ETA, defaultMinEpochs, FIDELITIES, type FidelityName } from '../fidelity/rungs';
import type { HalvingSettings } from '../ga/halving';
import { choiceFlag, integerFlag } from './arguments';
import { UsageError } from '../util/errors';

export interface FidelityArguments {
  fidelity: FidelityName;
  'min-epochs'?: number;
  eta: number;
}

export function withFidelityOptions<T>(yargs: Argv<T>, fallback: FidelityName) {
  return yargs
    .option('fidelity', {
      requiresArg: true,
      default: fallback,
      describe: 'full: every candidate trains all --epochs (the paper); halving: a few epochs first, the best promoted (asynchronous successive halving)',
      coerce: choiceFlag('fidelity', FIDELITIES),
    })
    .option('min-epochs', { requiresArg: true, describe: "with halving: epochs of the first rung (default: --epochs/8 rounded up)", coerce: integerFlag('min-epochs', 1, 100000) })
    .option('eta', { requiresArg: true, default: DEFAULT_ETA, describe: 'with halving: each rung trains ×eta the epochs of the one below and keeps the top 1/eta', coerce: integerFlag('eta', 2, 1000) });
}

/** The halving the flags ask for over `epochs`, or undefined for --fidelity full; a UsageError for a --min-epochs above --epochs. */
export function halvingOf(args: FidelityArguments, epochs: number): HalvingSettings | undefined {
  if (args.fidelity !== 'halving') return undefined;
  const halving = { epochs, minEpochs: args['min-epochs'] ?? defaultMinEpochs(epochs), eta: args.eta };
  checkHalving(epochs, halving);
  return halving;
}

/** Where rung states are kept: the cache folder's states/. */
export function statesDirOf(cache: string): string {
  return path.join(path.resolve(cache), 'states');
}

/** Halving ranks one training per candidate at each rung: seed repeats are for full-length runs. */
export function refuseRepeatsWithHalving(repeats: number, halving: HalvingSettings | undefined): void {
  if (repeats > 1 && halving) throw new UsageError(`--repeats ${repeats} needs --fidelity full: halving ranks one training per candidate`);
}
