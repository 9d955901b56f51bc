/** The paper's table layout, shared by every format: rows network × optimizer, columns activation. */
import type { ReportTable, ReportTrial } from './collect';

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

/** `81.25`, `14.29*` when the loss diverged, empty when the cell was not trained. */
export function cellText(trial: ReportTrial | undefined): string {
  return trial ? `${percent(trial.accuracy)}${trial.diverged ? '*' : ''}` : '';
}

/** The table axes; the other settings (learning rate, batch, …) are in the table's condition line. */
export function describeTrial(trial: ReportTrial): string {
  return `${trial.model} ${trial.activation} + ${trial.optimizer}`;
}

/** What a reader of a table must know beyond its numbers: mixed versions, cells trained more than once. */
export function tableNotes(table: ReportTable): string[] {
  const notes: string[] = [];
  if (table.mixedVersions) notes.push(`This table ${table.mixedVersions}: its cells were not all computed by the same code.`);
  const older = table.superseded.length;
  if (older > 0) {
    notes.push(`${older} older trial${older === 1 ? ' of a cell with this same setting is' : 's of cells with this same setting are'} left out: each cell shows the newest.`);
  }
  return notes;
}
