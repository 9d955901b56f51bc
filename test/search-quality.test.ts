/**
 * Search quality per cost, at a small size: over two seeds, the cell `evolve --fidelity
 * halving` picks on the synthetic set is within 1.0 point of the exhaustive grid's best
 * (both scored at full length, from the grid), while the GA trains at most 40% of the
 * grid's epochs. The same script as `npm run bench:search` (its first part), smaller: the
 * demo's network and batch at 32 px and 4 epochs, where Adam and RMSprop learn and
 * SGD-momentum does not yet, so a pick can be wrong.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

const SCRIPT = path.resolve(__dirname, '../scripts/bench-search.js');

interface CellsRow {
  seed: number;
  gridBest: number;
  pickFullLength: number;
  gap: number;
  epochsTrained: number;
  share: number;
}
interface BenchOutput {
  cells: { fullEpochs: number; rows: CellsRow[]; meanGap: number; meanShare: number };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-search-quality-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('halving picks within 1.0 point of the grid’s best on average, training at most 40% of its epochs', () => {
  const json = path.join(tmp, 'search.json');
  const small = ['--part', 'cells', '--seeds', '1,2', '--size', '32', '--epochs', '4', '--threads', '1', '--parallel', '2'];
  const result = spawnSync(process.execPath, [SCRIPT, ...small, '--keep', path.join(tmp, 'work'), '--json', json], { encoding: 'utf8' });
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.status).toBe(0);
  const out = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchOutput;
  expect(out.cells.rows.map((r) => r.seed)).toEqual([1, 2]);
  expect(out.cells.fullEpochs).toBe(9 * 4);
  for (const row of out.cells.rows) {
    // The pick is scored by the grid's full-length trial, never above the grid's best.
    expect(row.pickFullLength).toBeLessThanOrEqual(row.gridBest);
    expect(row.gap).toBeCloseTo((row.gridBest - row.pickFullLength) * 100, 9);
    // Something learned: a study where every cell sits at chance (1/7) shows nothing.
    expect(row.gridBest).toBeGreaterThan(0.25);
  }
  expect(out.cells.meanGap).toBeLessThanOrEqual(1.0);
  expect(out.cells.meanShare).toBeLessThanOrEqual(0.4);
  for (const row of out.cells.rows) expect(row.epochsTrained).toBeGreaterThan(0);
}, 900_000);
