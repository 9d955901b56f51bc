/** A grid study: every model × optimizer × activation as trials, sharing the trial cache with the GA. */
import type { PackedDataset } from './data/cache';
import type { ActivationName, ModelName, OptimizerName } from './names';
import { runPool } from './parallel';
import type { Store } from './store/store';
import { runAsha, type AshaCandidate } from './fidelity/asha';
import { runTrialToRung, type RungOutcome } from './fidelity/rung-trials';
import { rungSchedule } from './fidelity/rungs';
import type { HalvingSettings } from './ga/halving';
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
  /** Epochs the cell was trained to: the full schedule, or (halving) the rung where it stopped. */
  epochs: number;
  /** Epochs this invocation trained for the cell. */
  epochsTrained: number;
}

/** With halving: the schedule's halving, and where rung states are kept. */
export interface GridFidelity {
  halving?: HalvingSettings & { statesDir: string };
  /** Full fidelity trained here: a cell whose rung state a halving run left there continues from it instead of starting over. */
  statesDir?: string;
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
  control: TrialControl & GridFidelity & { onCell?: (row: GridRow) => void } = {},
): Promise<GridRow[]> {
  const slots = Array.isArray(placements) ? placements : [placements];
  const cells = choices.models.flatMap((model) =>
    choices.optimizers.flatMap((optimizer) => choices.activations.map((activation) => ({ model, optimizer, activation }))),
  );
  if (control.halving) return runGridByHalving(store, packed, base, cells, slots, { ...control, halving: control.halving });
  const statesDir = control.trainer ? undefined : control.statesDir;
  if (statesDir) {
    return runPool(cells, slots.length, async (cell, slot) => {
      const outcome = await runTrialToRung(store, packed, { ...base, ...cell }, base.epochs, slots[slot % slots.length], { ...control, statesDir });
      const row: GridRow = { ...cell, accuracy: outcome.accuracy, diverged: outcome.diverged, cached: outcome.cached, key: outcome.key, epochs: base.epochs, epochsTrained: outcome.epochsTrained };
      control.onCell?.(row);
      return row;
    });
  }
  return runPool(cells, control.trainer ? cells.length : slots.length, async (cell, slot) => {
    const { trial, cached, failed } = await runTrial(store, packed, { ...base, ...cell }, slots[slot % slots.length], control);
    const row: GridRow = {
      ...cell,
      accuracy: trial.fitness,
      diverged: trial.diverged,
      cached,
      key: trial.key,
      ...(failed !== undefined ? { failed } : {}),
      epochs: base.epochs,
      epochsTrained: cached || failed !== undefined ? 0 : base.epochs,
    };
    control.onCell?.(row);
    return row;
  });
}

type GridCell = Pick<GridRow, 'model' | 'optimizer' | 'activation'>;

/**
 * Every cell a candidate of asynchronous successive halving; ends with the leading cell
 * trained to the full schedule. `onCell` is told each cell's latest standing as it changes.
 */
async function runGridByHalving(
  store: Store,
  packed: PackedDataset,
  base: Omit<TrialSettings, 'model' | 'optimizer' | 'activation'>,
  cells: GridCell[],
  slots: TrialPlacement[],
  control: TrialControl & Required<Pick<GridFidelity, 'halving'>> & { onCell?: (row: GridRow) => void },
): Promise<GridRow[]> {
  const rungs = rungSchedule(base.epochs, control.halving);
  const candidates: AshaCandidate[] = cells.map((_, i) => ({ id: String(i), results: [] }));
  const latest = new Map<number, RungOutcome>();
  const epochsTrained = cells.map(() => 0);
  const rowOf = (i: number): GridRow => {
    const outcome = latest.get(i) as RungOutcome;
    return {
      ...cells[i],
      accuracy: outcome.accuracy,
      diverged: outcome.diverged,
      cached: epochsTrained[i] === 0,
      key: outcome.key,
      epochs: outcome.epochs,
      epochsTrained: epochsTrained[i],
    };
  };
  await runAsha({
    rungs: rungs.length,
    eta: control.halving.eta,
    slots: slots.length,
    candidates,
    finish: true,
    train: async (job, slot) => {
      const i = Number(job.id);
      const outcome = await runTrialToRung(store, packed, { ...base, ...cells[i] }, rungs[job.rung], slots[slot % slots.length], {
        ...control,
        statesDir: control.halving.statesDir,
      });
      latest.set(i, outcome);
      epochsTrained[i] += outcome.epochsTrained;
      return { rung: outcome.epochs >= base.epochs ? rungs.length - 1 : job.rung, accuracy: outcome.accuracy };
    },
    onResult: (candidate) => control.onCell?.(rowOf(Number(candidate.id))),
  });
  return cells.map((_, i) => rowOf(i));
}
