/** `fer-ga runs`: the runs in a results file, findable by id, with their state, best and trials. */
import fs from 'fs';
import path from 'path';

import { newClaimOwner } from '../src/store/claims';
import { Store } from '../src/store/store';
import { runCli as run, smallSet } from './helpers/cli';

const TABLES = path.resolve(__dirname, '../data/paper-tables.csv');

let tmp: string;
let data: string[];
let db: string;
beforeAll(async () => {
  const set = await smallSet('runs');
  tmp = set.tmp;
  db = path.join(tmp, 'results.db');
  data = [...set.flags, '--epochs', '1', '--db', db];
}, 60000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Listed {
  run: number;
  kind: string;
  dataset: string;
  model: string | null;
  state: string;
  best: { accuracy: number; correct?: number; total?: number; interval?: [number, number]; genes: Record<string, string>; key: string | null } | null;
  started: string;
  trials: number;
  trained: number | null;
  cached: number | null;
}

function listed(file = db): Listed[] {
  const result = run('runs', '--db', file, '--json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const json = JSON.parse(result.stdout) as { db: string; runs: Listed[] };
  expect(json.db).toBe(path.resolve(file));
  return json.runs;
}

describe('fer-ga runs', () => {
  test('a results file that does not exist is one line, and is not created', () => {
    const missing = path.join(tmp, 'missing.db');
    const result = run('runs', '--db', missing);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`fer-ga: --db ${missing}: no such results file (train, grid, evolve or demo write one)\n`);
    expect(fs.existsSync(missing)).toBe(false);
  });

  test('a grid: its best cell, and the trials it trained and found cached', () => {
    const trial = JSON.parse(run('train', ...data, '--activation', 'elu', '--optimizer', 'adam', '--json').stdout) as { key: string };
    const grid = run('grid', ...data, '--models', 'resnet50', '--optimizers', 'adam', '--activations', 'elu,relu', '--json');
    expect(grid.code).toBe(0);
    const table = JSON.parse(grid.stdout) as { best: { key: string; accuracy: number; activation: string; correct: number; total: number; interval: [number, number] } };

    const [listing] = listed();
    expect(listing).toMatchObject({ run: 1, kind: 'grid', dataset: `folder:${path.join(tmp, 'faces')}`, model: 'resnet50', state: 'done', trials: 2, trained: 1, cached: 1 });
    // The best's correct count and Wilson interval, as the grid gave them.
    const { correct, total, interval } = table.best;
    expect(listing.best).toEqual({ accuracy: table.best.accuracy, correct, total, interval, genes: { model: 'resnet50', activation: table.best.activation, optimizer: 'adam' }, key: table.best.key });
    expect(Date.parse(listing.started)).toBeGreaterThan(Date.now() - 600000);
    expect(trial.key).toHaveLength(64);
  });

  test('an evolve run: the genes it searched, its best accuracy, every trial it used', () => {
    const evolve = run('evolve', '--fidelity', 'full', ...data, '--genes', 'optimizer,learning-rate', '--generations', '1', '--population', '4', '--json');
    expect(evolve.code).toBe(0);
    const result = JSON.parse(evolve.stdout) as { run: number; best: { genes: Record<string, string>; accuracy: number }; distinct: number; trainings: number };
    const listing = listed().find((r) => r.run === result.run) as Listed;
    expect(listing).toMatchObject({ kind: 'evolve', model: 'resnet50', state: 'done', trials: result.distinct, trained: result.trainings, cached: result.distinct - result.trainings });
    expect(listing.best?.accuracy).toBe(result.best.accuracy);
    expect(listing.best?.interval).toEqual((result.best as { interval?: [number, number] }).interval);
    expect(Object.keys(listing.best?.genes ?? {}).sort()).toEqual(['learningRate', 'optimizer']);
  });

  test('an evolve run on a fitness table: its best without any trial', () => {
    const file = path.join(tmp, 'table.db');
    const evolve = JSON.parse(run('evolve', '--fitness-table', TABLES, '--dataset', 'kdef', '--model', 'googlenet', '--seed', '10', '--db', file, '--json').stdout) as {
      best: { genes: Record<string, string>; accuracy: number };
    };
    const [listing] = listed(file);
    expect(listing).toMatchObject({ run: 1, kind: 'evolve', dataset: 'kdef', state: 'done', trials: 0, trained: null, cached: null });
    expect(listing.best).toEqual({ accuracy: evolve.best.accuracy, genes: evolve.best.genes, key: null });
  });

  test('an unfinished run is running while a process holds it, stopped once none does', () => {
    const file = path.join(tmp, 'unfinished.db');
    const store = new Store(file);
    try {
      const id = store.createRun('grid', 'synthetic', 'googlenet', {});
      expect(listed(file)).toEqual([expect.objectContaining({ run: id, state: 'stopped', best: null, trials: 0, trained: null, cached: null })]);
      store.acquireRun(id, newClaimOwner());
      expect(listed(file)[0].state).toBe('running');
    } finally {
      store.close();
    }
  });

  test('the table: one row per run, and an empty file says so', () => {
    const table = run('runs', '--db', db);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run\s+kind\s+dataset\s+model\s+state\s+accuracy\s+best genes\s+trials\s+trained\s+cached\s+started \(UTC\)$/);
    expect(lines[2]).toMatch(/^\s*1\s+grid\s+folder:\S+\s+resnet50\s+done\s+\d+\.\d\d% \[\d+\.\d\d, \d+\.\d\d\]\s+model resnet50, activation \S+, optimizer adam\s+2\s+1\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(lines[3]).toMatch(/^\s*2\s+evolve\s/);
    expect(lines).toHaveLength(4);

    const empty = path.join(tmp, 'empty.db');
    new Store(empty).close();
    expect(run('runs', '--db', empty).stdout).toBe(`no runs in ${empty} yet (grid, evolve and demo make them)\n`);
  });
});
