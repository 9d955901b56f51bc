/** The paper's table layout, shared by every format: rows network × optimizer, columns activation. */
import type { ReportCandidate, ReportRun, ReportTable, ReportTrial } from './report-data';

export interface LayoutRow {
  model: string;
  optimizer: string;
  cells: Array<ReportTrial | undefined>;
}

export function paperLayout(table: ReportTable): LayoutRow[] {
  return table.models.flatMap((model) =>
    table.optimizers
      .map((optimizer) => ({
        model,
        optimizer,
        cells: table.activations.map((activation) =>
          table.cells.find((c) => c.model === model && c.optimizer === optimizer && c.activation === activation),
        ),
      }))
      .filter((row) => row.cells.some(Boolean)),
  );
}

export function percent(accuracy: number): string {
  return (accuracy * 100).toFixed(2);
}

/** "3/9 ep" for a trial halving stopped after 3 of its 9 epochs, else null. */
export function stoppedText(trial: Pick<ReportTrial, 'stoppedAt' | 'settings'>): string | null {
  return trial.stoppedAt === null ? null : `${trial.stoppedAt}/${String(trial.settings.epochs)} ep`;
}

/** `81.25`, or `14.29*` when the loss diverged. */
export function accuracyText(trial: ReportTrial): string {
  return `${percent(trial.accuracy)}${trial.diverged ? '*' : ''}`;
}

/** "[74.0, 95.5]": a trial's 95% interval over images, in percent; empty for a trial that scored no image. */
export function intervalText(trial: Pick<ReportTrial, 'interval' | 'total'>): string {
  return trial.total > 0 ? `[${(trial.interval[0] * 100).toFixed(1)}, ${(trial.interval[1] * 100).toFixed(1)}]` : '';
}

/**
 * A table cell: its accuracy and interval, `31.43 [20.1, 46.0] (3/9 ep)` when halving stopped
 * it, ` ≈` when tied with the table's best; empty when the cell was not trained.
 */
export function cellText(trial: ReportTrial | undefined): string {
  if (!trial) return '';
  const stopped = stoppedText(trial);
  const interval = intervalText(trial);
  return `${accuracyText(trial)}${interval ? ` ${interval}` : ''}${stopped ? ` (${stopped})` : ''}${trial.tied ? ' ≈' : ''}`;
}

/** What the tie marks and the intervals mean, and how many cells tie with the best. */
export function tieLine(table: ReportTable): string {
  const unknown = table.cells.some((c) => c.tied === null) ? ' Cells without per-image predictions (stored before they were recorded) are not marked.' : '';
  return `≈ ${table.tiedCount} of ${table.cells.length} cells tied with the best: not significantly worse (exact McNemar test against the best on the same validation images, Holm-corrected over the table's comparisons, α = 0.05). Brackets: 95% Wilson interval over the validation images.${unknown}`;
}

/** Epochs a trial's numbers come from: "9", or "3/9 (stopped)". */
export function epochsText(trial: ReportTrial): string {
  return trial.stoppedAt === null ? String(trial.curve.length) : `${trial.stoppedAt}/${String(trial.settings.epochs)} (stopped)`;
}

/** The table axes; the other settings (learning rate, batch, …) are in the table's condition line. */
export function describeTrial(trial: Pick<ReportTrial, 'model' | 'activation' | 'optimizer'>): string {
  return `${trial.model} ${trial.activation} + ${trial.optimizer}`;
}

/** What a reader of a table must know beyond its numbers: mixed versions, cells trained more than once. */
export function tableNotes(table: ReportTable): string[] {
  const notes: string[] = [];
  if (table.mixedVersions) notes.push(`This table ${table.mixedVersions}: its cells were not all computed by the same code.`);
  if (table.cells.some((c) => c.stoppedAt !== null)) {
    notes.push('Cells marked (k/n ep) were stopped by successive halving after k of their n epochs: their accuracy is at epoch k, not comparable with a full-length cell.');
  }
  const older = table.superseded.length;
  if (older > 0) {
    notes.push(`${older} older trial${older === 1 ? ' of a cell with this same setting is' : 's of cells with this same setting are'} left out: each cell shows the newest.`);
  }
  return notes;
}

/** A halving run's schedule in words: "successive halving: rungs at 1, 3, 9 epochs (eta 3); 3 of 4 candidates stopped early". */
export function halvingLine(run: ReportRun): string {
  if (!run.fidelity) return '';
  const stopped = run.candidates.filter((c) => c.stopped).length;
  return `successive halving: rungs at ${run.fidelity.rungs.join(', ')} epochs (eta ${run.fidelity.eta}); ${stopped} of ${run.candidates.length} candidates stopped early`;
}

export const CANDIDATE_HEAD = ['candidate', 'accuracy (%)', 'epochs', 'rung', 'stopped'];

/** One row per candidate of a halving run: the genes (those beyond the table axes only where its candidates differ in them), and how far it got. */
export function candidateRows(run: ReportRun): string[][] {
  const varying = [...new Set(run.candidates.flatMap((c) => Object.keys(c.genes)))].filter((gene) => new Set(run.candidates.map((c) => c.genes[gene])).size > 1);
  const label = (c: ReportCandidate) => [describeTrial(c), ...varying.map((gene) => `${gene} ${c.genes[gene] ?? ''}`)].join(', ');
  return run.candidates.map((c) => [label(c), percent(c.accuracy), `${c.epochs}/${c.scheduledEpochs}`, `${c.rung}/${c.rungs}`, c.stopped ? `stopped at ${c.epochs}/${c.scheduledEpochs}` : '']);
}
