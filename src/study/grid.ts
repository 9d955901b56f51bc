/** A grid study: every model × optimizer × activation as trials, sharing the trial cache with the GA. */
import type { PackedDataset } from '../data/cache';
import type { ActivationName, ModelName, OptimizerName } from '../names';
import { runPool } from './parallel';
import type { Store } from '../store/store';
import { runAsha, type AshaCandidate } from '../fidelity/asha';
import { runTrialToRung, type RungOutcome } from '../fidelity/rung-trials';
import { rungSchedule } from '../fidelity/rungs';
import type { HalvingSettings } from '../ga/halving';
import { repeatSettings, runTrial, type TrialControl, type TrialPlacement, type TrialSettings } from './trials';
import { summariseRepeats } from './repeat-summary';
import { UsageError } from '../util/errors';

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
  /** With --repeats N above 1: N, the keys of the repeats' trials (the first is `key`), the sd of their accuracies and the t interval of their mean. */
  repeats?: number;
  repeatKeys?: string[];
  sd?: number;
  seedInterval?: [number, number] | null;
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
  control: TrialControl & GridFidelity & { onCell?: (row: GridRow) => void; repeats?: number } = {},
): Promise<GridRow[]> {
  const slots = Array.isArray(placements) ? placements : [placements];
  const cells = choices.models.flatMap((model) =>
    choices.optimizers.flatMap((optimizer) => choices.activations.map((activation) => ({ model, optimizer, activation }))),
  );
  if (control.halving && (control.repeats ?? 1) > 1) throw new UsageError('--repeats needs --fidelity full: halving ranks one training per candidate');
  if (control.halving) return runGridByHalving(store, packed, base, cells, slots, { ...control, halving: control.halving });
  if ((control.repeats ?? 1) > 1) return runGridOfRepeats(store, packed, base, cells, slots, { ...control, repeats: control.repeats as number });
  const statesDir = control.trainer ? undefined : control.statesDir;
  if (statesDir) {
    return runPool(cells, slots.length, async (cell, slot) => {
      const outcome = await runTrialToRung(store, packed, { ...base, ...cell }, base.epochs, slots[slot % slots.length], { ...control, statesDir });
      const row = rowOfOutcome(cell, outcome, outcome.epochsTrained);
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

/**
 * The grid's best cell: one that trained beats a failed one, one that did not diverge
 * beats one that did, (halving) one trained further beats one stopped earlier, then the
 * most accurate; ties go to the earlier cell.
 */
export function bestGridRow(rows: readonly GridRow[]): GridRow {
  const rank = (row: GridRow) => [row.failed === undefined ? 1 : 0, row.diverged ? 0 : 1, row.epochs, row.accuracy];
  const better = (a: GridRow, b: GridRow) => {
    const [x, y] = [rank(a), rank(b)];
    const at = x.findIndex((v, i) => v !== y[i]);
    return at >= 0 && y[at] > x[at];
  };
  return rows.reduce((a, b) => (better(a, b) ? b : a));
}

type GridCell = Pick<GridRow, 'model' | 'optimizer' | 'activation'>;

/** Every cell trained with each of `repeats` seeds on one split (study/repeats.ts); a row's accuracy is their mean. */
async function runGridOfRepeats(
  store: Store,
  packed: PackedDataset,
  base: Omit<TrialSettings, 'model' | 'optimizer' | 'activation'>,
  cells: GridCell[],
  slots: TrialPlacement[],
  control: TrialControl & { onCell?: (row: GridRow) => void; repeats: number },
): Promise<GridRow[]> {
  const jobs = cells.flatMap((cell, i) => Array.from({ length: control.repeats }, (_, r) => ({ i, settings: repeatSettings({ ...base, ...cell }, r) })));
  const outcomes = await runPool(jobs, control.trainer ? jobs.length : slots.length, (job, slot) => runTrial(store, packed, job.settings, slots[slot % slots.length], control));
  return cells.map((cell, i) => {
    const mine = outcomes.filter((_, n) => jobs[n].i === i);
    const failed = mine.find((o) => o.failed !== undefined)?.failed;
    const summary = summariseRepeats(mine.map((o) => o.trial));
    const trained = mine.filter((o) => !o.cached && o.failed === undefined).length;
    const row: GridRow = {
      ...cell,
      accuracy: failed !== undefined ? 0 : summary.accuracy,
      diverged: mine.some((o) => o.trial.diverged),
      cached: trained === 0 && failed === undefined,
      key: mine[0].trial.key,
      ...(failed !== undefined ? { failed } : {}),
      epochs: base.epochs,
      epochsTrained: trained * base.epochs,
      repeats: control.repeats,
      repeatKeys: mine.map((o) => o.trial.key),
      sd: summary.sd,
      seedInterval: summary.seedInterval,
    };
    control.onCell?.(row);
    return row;
  });
}

/** A cell's row from its latest outcome (a rung, the full schedule, or a failure). */
function rowOfOutcome(cell: GridCell, outcome: RungOutcome, epochsTrained: number): GridRow {
  return {
    ...cell,
    accuracy: outcome.accuracy,
    diverged: outcome.diverged,
    cached: epochsTrained === 0 && outcome.failed === undefined,
    key: outcome.key,
    ...(outcome.failed !== undefined ? { failed: outcome.failed } : {}),
    epochs: outcome.epochs,
    epochsTrained,
  };
}

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
  const rowOf = (i: number): GridRow => rowOfOutcome(cells[i], latest.get(i) as RungOutcome, epochsTrained[i]);
  await runAsha({
    rungs: rungs.length,
    eta: control.halving.eta,
    // On a queue every cell that can start is queued at once: its workers decide how many train together.
    slots: control.trainer ? cells.length : slots.length,
    candidates,
    finish: true,
    train: async (job, slot) => {
      const i = Number(job.id);
      const outcome = await runTrialToRung(store, packed, { ...base, ...cells[i] }, rungs[job.rung], slots[slot % slots.length], {
        ...control,
        statesDir: control.halving.statesDir,
      });
      // A failure does not replace the rung the cell reached before it.
      if (outcome.failed === undefined || !latest.has(i)) latest.set(i, outcome);
      epochsTrained[i] += outcome.epochsTrained;
      return outcome.failed !== undefined ? { failed: outcome.failed } : { accuracy: outcome.accuracy, diverged: outcome.diverged };
    },
    onResult: (candidate) => control.onCell?.(rowOf(Number(candidate.id))),
    onFailed: (job) => control.onCell?.(rowOf(Number(job.id))),
  });
  return cells.map((_, i) => rowOf(i));
}
