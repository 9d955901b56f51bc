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
  /** The trial's key in the store (a failed trial's is not stored). */
  key: string;
  /** Why the trial failed on the queue; its accuracy is then 0. */
  failed?: string;
}

/**
 * Rows in the paper's order: model, then optimizer, then activation. With several
 * placements, that many cells train at once, cell i in whichever slot is free; with a
 * queue's trainer, every cell is queued at once.
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
  return runPool(cells, control.trainer ? cells.length : slots.length, async (cell, slot) => {
    const { trial, cached, failed } = await runTrial(store, packed, { ...base, ...cell }, slots[slot % slots.length], control);
    const row: GridRow = { ...cell, accuracy: trial.fitness, diverged: trial.diverged, cached, key: trial.key, ...(failed !== undefined ? { failed } : {}) };
    control.onCell?.(row);
    return row;
  });
}
