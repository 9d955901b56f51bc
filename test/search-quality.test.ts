/**
 * The search-quality benchmark's own arithmetic (`npm run bench:search`, its first part), on
 * the stand-in addon: every cell follows a scripted learning curve whose order holds from the
 * first epoch on, so the cell `evolve --fidelity halving` picks must be the grid's best (a gap
 * of 0 points) while the GA trains at most 40% of the grid's epochs, and the script must score
 * the pick by the grid's full-length trial. The figures on real training (five seeds at the
 * demo's size, gaps within about a point) are in BENCHMARKS.md, "Search quality per cost";
 * halving's picks under divergence, failures and cached trials are in halving-picks.test.ts.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

const SCRIPT = path.resolve(__dirname, '../scripts/bench-search.js');
const STAND_IN = path.resolve(__dirname, 'helpers/stand-in-addon.js');

/** Nine cells, each linear from a third of its final accuracy: one clear best, the rest spread below it. */
const CURVES = {
  cells: {
    'leaky-relu+rmsprop': { final: 0.9, start: 0.3 },
    'relu+rmsprop': { final: 0.84, start: 0.28 },
    'clipped-relu+rmsprop': { final: 0.78, start: 0.26 },
    'relu+adam': { final: 0.72, start: 0.24 },
    'leaky-relu+adam': { final: 0.66, start: 0.22 },
    'clipped-relu+adam': { final: 0.6, start: 0.2 },
  },
  default: { final: 0.3, start: 0.1 },
};

interface CellsRow {
  seed: number;
  gridBestCell: string;
  pick: string;
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

test('on curves whose order holds, halving picks the grid’s best cell, training at most 40% of its epochs', () => {
  const json = path.join(tmp, 'search.json');
  const small = ['--part', 'cells', '--seeds', '1', '--size', '24', '--epochs', '10', '--threads', '1', '--parallel', '2'];
  const script = path.join(tmp, 'curves.json');
  fs.writeFileSync(script, JSON.stringify(CURVES));
  const env = { ...process.env, FER_GA_ADDON: STAND_IN, FER_GA_STAND_IN: script };
  const result = spawnSync(process.execPath, [SCRIPT, ...small, '--keep', path.join(tmp, 'work'), '--json', json], { encoding: 'utf8', env });
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.status).toBe(0);
  const out = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchOutput;
  expect(out.cells.rows.map((r) => r.seed)).toEqual([1]);
  expect(out.cells.fullEpochs).toBe(9 * 10);
  const [row] = out.cells.rows;
  expect(row.gridBest).toBeCloseTo(0.9, 9);
  expect(row.gridBestCell).toBe('leaky-relu + rmsprop');
  // The pick is scored by the grid's full-length trial of the same cell.
  expect(row.pick).toBe(row.gridBestCell);
  expect(row.pickFullLength).toBe(row.gridBest);
  expect(row.gap).toBe(0);
  expect(row.epochsTrained).toBeGreaterThan(0);
  expect(row.share).toBeCloseTo(row.epochsTrained / out.cells.fullEpochs, 9);
  expect(row.share).toBeLessThanOrEqual(0.4);
  expect(out.cells.meanGap).toBe(0);
  expect(out.cells.meanShare).toBe(row.share);
}, 120_000);
