/** A grid study: every model × optimizer × activation as trials, sharing the trial cache with the GA. */
import type { PackedDataset } from './data/cache';
import type { ActivationName, ModelName, OptimizerName } from './names';
import type { Store } from './store/store';
import { runTrial, type TrialEvent, type TrialPlacement, type TrialSettings } from './trials';

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
}

/** Rows in the paper's order: model, then optimizer, then activation. */
export async function runGrid(
  store: Store,
  packed: PackedDataset,
  base: Omit<TrialSettings, 'model' | 'optimizer' | 'activation'>,
  choices: GridChoices,
  placement: TrialPlacement,
  control: { signal?: AbortSignal; onEvent?: (event: TrialEvent) => void } = {},
): Promise<GridRow[]> {
  const rows: GridRow[] = [];
  for (const model of choices.models) {
    for (const optimizer of choices.optimizers) {
      for (const activation of choices.activations) {
        const { trial, cached } = await runTrial(store, packed, { ...base, model, optimizer, activation }, placement, control);
        rows.push({ model, optimizer, activation, accuracy: trial.fitness, diverged: trial.diverged, cached });
      }
    }
  }
  return rows;
}
