/**
 * The same grid again on the same results file continues its run (finished or stopped)
 * instead of leaving another; a grid with other settings is a run of its own.
 */
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { runCli as run, smallSet } from './helpers/cli';

let tmp: string;
let grid: string[];
let db: string;
beforeAll(async () => {
  const set = await smallSet('grid-rerun');
  tmp = set.tmp;
  db = path.join(tmp, 'results.db');
  grid = ['grid', ...set.flags, '--epochs', '1', '--db', db, '--models', 'resnet50', '--optimizers', 'adam', '--activations', 'relu,elu', '--json'];
}, 60000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runsListed(): Array<{ run: number; state: string; trials: number; trained: number | null; cached: number | null }> {
  const listed = run('runs', '--db', db, '--json');
  expect(listed.code).toBe(0);
  return (JSON.parse(listed.stdout) as { runs: ReturnType<typeof runsListed> }).runs;
}

test('a rerun of a finished grid reuses its run, a stopped one is continued to done, other settings make a new run', () => {
  const first = run(...grid);
  expect(first.stderr).toMatch(/^grid run 1 in .*results\.db$/m);
  expect(JSON.parse(first.stdout)).toMatchObject({ run: 1, trainings: 2 });

  const again = run(...grid);
  expect(again.stderr).toMatch(/^grid run 1 in .*results\.db \(continued\)$/m);
  expect(JSON.parse(again.stdout)).toMatchObject({ run: 1, trainings: 0 });
  expect(runsListed()).toEqual([expect.objectContaining({ run: 1, state: 'done', trials: 2, trained: 2, cached: 0 })]);

  // A grid killed part-way: its run is left unfinished, and the same command finishes it.
  const handle = new Database(db);
  handle.prepare("UPDATE runs SET status = 'running' WHERE id = 1").run();
  handle.close();
  expect(runsListed()[0].state).toBe('stopped');
  const continued = run(...grid);
  expect(JSON.parse(continued.stdout)).toMatchObject({ run: 1, trainings: 0 });
  expect(runsListed()).toEqual([expect.objectContaining({ run: 1, state: 'done' })]);

  // Another cell set, or another setting, is another grid.
  const wider = run(...grid.map((arg) => (arg === 'relu,elu' ? 'relu' : arg)));
  expect(JSON.parse(wider.stdout)).toMatchObject({ run: 2, trainings: 0 });
  const longer = run(...grid.map((arg, i) => (grid[i - 1] === '--epochs' ? '2' : arg)));
  expect(JSON.parse(longer.stdout)).toMatchObject({ run: 3, trainings: 2 });
  expect(runsListed().map((r) => [r.run, r.state])).toEqual([[1, 'done'], [2, 'done'], [3, 'done']]);
});
