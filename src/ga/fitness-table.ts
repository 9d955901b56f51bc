/**
 * Fitness from a table instead of training, to study the GA itself: rows of
 * (dataset, model, optimizer, activation, accuracy), as CSV with a header or as a JSON
 * array of objects. Other columns are ignored, so the paper's tables.csv and the CSV of
 * `report --format csv` (whose fields are quoted where they hold a comma, a quote or a
 * line break) both serve. Accuracies are percents when any row's is over 1, else
 * fractions.
 */
import fs from 'fs';

import { parse } from 'csv-parse/sync';

import { UsageError } from '../util/errors';
import type { FitnessResult, FitnessSource } from './evolve';
import type { Genes } from './genome';

export interface TableRow {
  dataset: string;
  model: string;
  optimizer: string;
  activation: string;
  accuracy: number;
}

const COLUMNS = ['dataset', 'model', 'optimizer', 'activation', 'accuracy'] as const;

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

function parseCsv(text: string, file: string): TableRow[] {
  let records: CsvRecord[];
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, info: true }) as unknown as CsvRecord[];
  } catch (error) {
    throw new UsageError(`fitness table ${file} is not valid CSV: ${(error as Error).message}`);
  }
  if (records.length === 0) throw new UsageError(`fitness table ${file} is empty`);
  const header = records[0].record.map((h) => h.toLowerCase());
  const index = COLUMNS.map((c) => header.indexOf(c));
  const missing = COLUMNS.filter((_, i) => index[i] < 0);
  if (missing.length > 0) throw new UsageError(`fitness table ${file} lacks column(s) ${missing.join(', ')}`);
  return records.slice(1).map(({ record, info }) => {
    const cell = record[index[4]];
    const accuracy = cell === '' ? NaN : Number(cell);
    if (!Number.isFinite(accuracy)) throw new UsageError(`fitness table ${file} line ${info.lines}: accuracy '${cell}' is not a number`);
    return { dataset: record[index[0]], model: record[index[1]], optimizer: record[index[2]], activation: record[index[3]], accuracy };
  });
}

export function readFitnessTable(file: string): TableRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`fitness table ${file} does not exist or cannot be read`);
  }
  if (!file.toLowerCase().endsWith('.json')) return parseCsv(text, file);
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    throw new UsageError(`fitness table ${file} is not valid JSON`);
  }
  if (!Array.isArray(rows)) throw new UsageError(`fitness table ${file} must hold a JSON array of rows`);
  return rows.map((row: unknown, n) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new UsageError(`fitness table ${file} row ${n} is not an object`);
    const cells = row as Record<string, unknown>;
    const accuracy = Number(cells.accuracy);
    if (!Number.isFinite(accuracy)) throw new UsageError(`fitness table ${file} row ${n}: accuracy is not a number`);
    return { dataset: String(cells.dataset), model: String(cells.model), optimizer: String(cells.optimizer), activation: String(cells.activation), accuracy };
  });
}

export class TableFitness implements FitnessSource {
  private readonly lookup = new Map<string, number>();

  constructor(rows: TableRow[], dataset: string, model: string, source: string) {
    // One scale for the whole table: a percent table may hold a collapsed cell under 1%.
    const scale = rows.some((row) => row.accuracy > 1) ? 100 : 1;
    for (const row of rows) {
      if (row.dataset !== dataset || row.model !== model) continue;
      const id = `${row.activation}|${row.optimizer}`;
      const accuracy = row.accuracy / scale;
      const earlier = this.lookup.get(id);
      if (earlier !== undefined && earlier !== accuracy) {
        throw new UsageError(
          `fitness table ${source} has two accuracies for ${dataset}, ${model}, ${row.activation}, ${row.optimizer} ` +
            `(${earlier * scale} and ${row.accuracy}): keep one row per combination`,
        );
      }
      this.lookup.set(id, accuracy);
    }
    if (this.lookup.size === 0) throw new UsageError(`fitness table ${source} has no rows for dataset '${dataset}' and model '${model}'`);
  }

  async evaluate(batch: readonly Genes[]): Promise<FitnessResult[]> {
    return Promise.all(batch.map((genes) => this.fitnessOf(genes)));
  }

  /** One genome's row of the table. */
  async fitnessOf(genes: Genes): Promise<FitnessResult> {
    const value = this.lookup.get(`${genes.activation}|${genes.optimizer}`);
    if (value === undefined) throw new UsageError(`fitness table has no row for activation ${genes.activation}, optimizer ${genes.optimizer}`);
    return { fitness: value, trialKey: null, trained: false };
  }
}
