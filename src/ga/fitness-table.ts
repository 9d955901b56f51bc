/**
 * Fitness from a table instead of training, to study the GA itself: rows of
 * (dataset, model, optimizer, activation, accuracy), as CSV with a header (the columns
 * of the paper's tables.csv) or as a JSON array of objects. Accuracies over 1 are
 * percents.
 */
import fs from 'fs';

import { UsageError } from '../errors';
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

function parseCsv(text: string, file: string): TableRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UsageError(`fitness table ${file} is empty`);
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const index = COLUMNS.map((c) => header.indexOf(c));
  const missing = COLUMNS.filter((_, i) => index[i] < 0);
  if (missing.length > 0) throw new UsageError(`fitness table ${file} lacks column(s) ${missing.join(', ')}`);
  return lines.slice(1).map((line, n) => {
    const cells = line.split(',').map((c) => c.trim());
    const accuracy = Number(cells[index[4]]);
    if (!Number.isFinite(accuracy)) throw new UsageError(`fitness table ${file} line ${n + 2}: accuracy '${cells[index[4]]}' is not a number`);
    return { dataset: cells[index[0]], model: cells[index[1]], optimizer: cells[index[2]], activation: cells[index[3]], accuracy };
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
  return rows.map((row: Record<string, unknown>, n) => {
    const accuracy = Number(row.accuracy);
    if (!Number.isFinite(accuracy)) throw new UsageError(`fitness table ${file} row ${n}: accuracy is not a number`);
    return { dataset: String(row.dataset), model: String(row.model), optimizer: String(row.optimizer), activation: String(row.activation), accuracy };
  });
}

export class TableFitness implements FitnessSource {
  private readonly lookup = new Map<string, number>();

  constructor(rows: TableRow[], dataset: string, model: string, source: string) {
    for (const row of rows) {
      if (row.dataset === dataset && row.model === model) {
        this.lookup.set(`${row.activation}|${row.optimizer}`, row.accuracy > 1 ? row.accuracy / 100 : row.accuracy);
      }
    }
    if (this.lookup.size === 0) throw new UsageError(`fitness table ${source} has no rows for dataset '${dataset}' and model '${model}'`);
  }

  async evaluate(genes: Genes): Promise<FitnessResult> {
    const value = this.lookup.get(`${genes.activation}|${genes.optimizer}`);
    if (value === undefined) throw new UsageError(`fitness table has no row for activation ${genes.activation}, optimizer ${genes.optimizer}`);
    return { fitness: value, trialKey: null, trained: false };
  }
}
