/** A grid study: every model × optimizer × activation as trials, sharing the trial cache with the GA. */
import type { PackedDataset } from './data/cache';
import type { ActivationName, ModelName, OptimizerName } from './names';
import { runPool } from './parallel';
import type { Store } from './store/store';
import { runTrial, type TrialControl, type TrialPlacement, type TrialSettings } from './trials';

export interface GridChoices {
  models: readonly ModelName[];
  optimizers: readonly OptimizerName[];
  activations: readonly ActivationName[];
}

export interface GridRow {
  model: ModelName;
  optimizer: OptimizerName;
  activation: ActivationName;
  accuracy: number;
  diverged: boolean;
  cached: boolean;
  /** The trial's key in the store. */
  key: string;
}

/**
 * Rows in the paper's order: model, then optimizer, then activation. With several
 * placements, that many cells train at once, cell i in whichever slot is free.
 */
export async function runGrid(
  store: Store,
  packed: PackedDataset,
  base: Omit<TrialSettings, 'model' | 'optimizer' | 'activation'>,
  choices: GridChoices,
  placements: TrialPlacement | TrialPlacement[],
  control: TrialControl & { onCell?: (row: GridRow) => void } = {},
): Promise<GridRow[]> {
  const slots = Array.isArray(placements) ? placements : [placements];
  const cells = choices.models.flatMap((model) =>
    choices.optimizers.flatMap((optimizer) => choices.activations.map((activation) => ({ model, optimizer, activation }))),
  );
  return runPool(cells, slots.length, async (cell, slot) => {
    const { trial, cached } = await runTrial(store, packed, { ...base, ...cell }, slots[slot], control);
    const row = { ...cell, accuracy: trial.fitness, diverged: trial.diverged, cached, key: trial.key };
    control.onCell?.(row);
    return row;
  });
}
