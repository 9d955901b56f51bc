/**
 * Reports of halving runs: each candidate's epochs and rung reached, stopped cells marked in
 * the paper-layout table (never its best while a cell trained to the end), and stopped
 * trials drawn dashed in the learning-curve plot, ending in a cross and "stopped at k/n".
 */
import fs from 'fs';
import path from 'path';

import type { ReportCandidate, ReportTrial } from '../src/report/collect';
import { tablesOf } from '../src/report/tables';
import { runCli, smallSet, type SmallSet } from './helpers/cli';

interface GridJson {
  rows: Array<{ activation: string; optimizer: string; accuracy: number; epochs: number; key: string }>;
}

let set: SmallSet;
let db: string;
let grid: GridJson;
beforeAll(async () => {
  set = await smallSet('report-halving');
  db = path.join(set.tmp, 'results.db');
  // Rungs at 1, 2 and 4 epochs over four cells: some stop at 1, one at 2, the leader trains all 4.
  const result = runCli('grid', ...set.flags, '--models', 'googlenet', '--activations', 'relu,elu', '--optimizers', 'adam,sgdm', '--lr', '0.001',
    '--epochs', '4', '--fidelity', 'halving', '--min-epochs', '1', '--eta', '2', '--db', db, '--json');
  expect(result.stderr).not.toMatch(/fer-ga:/);
  expect(result.code).toBe(0);
  grid = JSON.parse(result.stdout) as GridJson;
}, 120000);
afterAll(() => fs.rmSync(set.tmp, { recursive: true, force: true }));

const cellName = (c: { activation: string; optimizer: string }) => `googlenet ${c.activation} + ${c.optimizer}`;

test('json: each candidate of the run with the epochs and rung it reached, as the grid ended it', () => {
  const report = JSON.parse(runCli('report', '--db', db, '--run', '1', '--json').stdout) as {
    runs: Array<{ fidelity: { rungs: number[] }; candidates: ReportCandidate[] }>;
    trials: ReportTrial[];
    stopped: ReportTrial[];
  };
  const [run] = report.runs;
  expect(run.fidelity.rungs).toEqual([1, 2, 4]);
  const stopped = grid.rows.filter((r) => r.epochs < 4);
  expect(stopped.length).toBeGreaterThanOrEqual(2);
  expect(run.candidates).toHaveLength(4);
  for (const row of grid.rows) {
    expect(run.candidates).toContainEqual(
      expect.objectContaining({ key: row.key, accuracy: row.accuracy, epochs: row.epochs, scheduledEpochs: 4, rung: [1, 2, 4].indexOf(row.epochs) + 1, rungs: 3, stopped: row.epochs < 4 }),
    );
  }
  // Ranked as the GA ranks: further first.
  expect(run.candidates.map((c) => c.epochs)).toEqual([...run.candidates.map((c) => c.epochs)].sort((a, b) => b - a));
  expect(report.trials.map((t) => t.key)).toEqual(grid.rows.filter((r) => r.epochs === 4).map((r) => r.key));
  expect(report.stopped.map((t) => [t.key, t.stoppedAt, t.curve.length]).sort()).toEqual(stopped.map((r) => [r.key, r.epochs, r.epochs]).sort());
});

test('markdown: stopped cells read "(k/4 ep)" with a note, and the run lists its candidates', () => {
  const { code, stdout } = runCli('report', '--db', db);
  expect(code).toBe(0);
  expect(stdout).toContain('> **Note:** Cells marked (k/n ep) were stopped by successive halving');
  for (const row of grid.rows) {
    const mark = row.epochs < 4 ? ` (${row.epochs}/4 ep)` : '';
    const cell = `${(row.accuracy * 100).toFixed(2)}${mark}`;
    // Columns relu, elu; rows by optimizer.
    const line = stdout.split('\n').find((l) => l.startsWith(`| googlenet | ${row.optimizer} |`)) as string;
    // The accuracy, its interval, how far it got, and ≈ where tied with the best.
    expect(line.split('|').map((c) => c.trim())[row.activation === 'relu' ? 3 : 4].replace(/ \[\d+\.\d, \d+\.\d\]/, '').replace(/ ≈$/, '')).toBe(cell);
    expect(stdout).toContain(`| ${cellName(row)} | ${(row.accuracy * 100).toFixed(2)} | ${row.epochs}/4 | ${[1, 2, 4].indexOf(row.epochs) + 1}/3 | ${row.epochs < 4 ? `stopped at ${row.epochs}/4` : ''} |`);
  }
  expect(stdout).toMatch(/^## Grid run 1: .* \(done\)$/m);
  expect(stdout).toContain('Candidates, successive halving: rungs at 1, 2, 4 epochs (eta 2);');
  // The table's best is the cell trained to the end.
  const full = grid.rows.find((r) => r.epochs === 4) as GridJson['rows'][number];
  expect(stdout).toContain(`Best: ${cellName(full)}, ${(full.accuracy * 100).toFixed(2)}%.`);
});

test('html: each stopped trial is a dashed curve ending in a cross labelled "stopped at k/4"; the full one is not', () => {
  const html = runCli('report', '--db', db, '--format', 'html').stdout;
  const plot = /<svg[^>]*aria-label="googlenet: validation accuracy per epoch">.*?<\/svg>/s.exec(html)?.[0] as string;
  expect(plot).toBeDefined();
  const stopped = grid.rows.filter((r) => r.epochs < 4);
  expect(plot.match(/class="stop-marker"/g)).toHaveLength(stopped.length);
  for (const row of stopped) {
    const name = `${row.activation}+${row.optimizer}`;
    expect(plot).toContain(`<title>${name}: stopped at ${row.epochs}/4</title>`);
    expect(plot).toContain(`class="legend">${name} (stopped at ${row.epochs}/4)</text>`);
  }
  expect(plot.match(/class="stop">stopped at \d\/4<\/text>/g)).toHaveLength(stopped.length);
  // Curves of two or more epochs are paths; the stopped ones are dashed.
  const paths = [...plot.matchAll(/<path d="[^"]*" stroke="[^"]*" class="line( dashed)?"\/>/g)];
  expect(paths.filter((p) => p[1]).length).toBe(stopped.filter((r) => r.epochs > 1).length);
  expect(paths.filter((p) => !p[1]).length).toBe(1);
});

test('csv: stopped trials follow the full ones, with the epoch they stopped at', () => {
  const [head, ...lines] = runCli('report', '--db', db, '--format', 'csv').stdout.trim().split('\n');
  const columns = head.split(',');
  const at = columns.indexOf('stopped_at_epoch');
  expect(at).toBeGreaterThan(0);
  const byKey = new Map(lines.map((l) => [l.slice(l.lastIndexOf(',') + 1), l]));
  expect(byKey.size).toBe(4);
  for (const row of grid.rows) {
    // The condition column is quoted (commas): count columns from the end.
    const fields = (byKey.get(row.key) as string).split(',');
    expect(fields[fields.length - (columns.length - at)]).toBe(row.epochs < 4 ? String(row.epochs) : '');
  }
});

/** A trial as the report holds it, `stoppedAt` epochs of 4 (null: all 4). */
function trial(activation: string, accuracy: number, stoppedAt: number | null): ReportTrial {
  return {
    key: `${activation}-${stoppedAt}`, dataset: 'd', fingerprint: 'f', model: 'googlenet', activation, optimizer: 'adam', genes: {}, accuracy, diverged: false,
    correct: 0, total: 0, interval: [0, 1], tied: null, pValue: null, seconds: 1, device: 'cpu', libtorch: '2.5.1', classes: [], curve: [], confusion: [], settings: { epochs: 4, seed: 1 }, stoppedAt,
  };
}

test('a stopped cell never is the best of a table that has a full-length cell, nor hides a full-length trial of its cell', () => {
  const [table] = tablesOf([trial('relu', 0.4, null), trial('elu', 0.9, 1), trial('relu', 0.95, 2)]);
  expect(table.best.key).toBe('relu-null');
  expect(table.cells.map((c) => c.key).sort()).toEqual(['elu-1', 'relu-null']);
  expect(table.superseded).toEqual([]);
  // With no full-length cell, the furthest-trained best stands in.
  expect(tablesOf([trial('relu', 0.4, 2), trial('elu', 0.9, 1)])[0].best.key).toBe('relu-2');
});
