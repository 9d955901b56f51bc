import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { writeSyntheticDataset } from '../src/data/synthetic';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');
const TABLES = path.resolve(__dirname, '../data/paper-tables.csv');

let tmp: string;
let data: string[];
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-trials-'));
  await writeSyntheticDataset(path.join(tmp, 'faces'), { subjects: 5, imagesPerClass: 1, seed: 6 });
  data = ['--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'),
    '--epochs', '1', '--batch-size', '8', '--threads', '1', '--db', path.join(tmp, 'results.db')];
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) as Record<string, unknown> };
}

describe('trials are never trained twice', () => {
  test('train answers a repeated trial from the cache; grid reuses it', () => {
    const first = run('train', ...data, '--model', 'resnet50', '--activation', 'elu', '--optimizer', 'adam', '--json');
    expect(first.code).toBe(0);
    const trial = first.json();
    expect(trial).toMatchObject({ cached: false, model: 'resnet50', genes: { activation: 'elu', optimizer: 'adam' }, diverged: false });
    expect(trial.accuracy).toBeGreaterThanOrEqual(0);
    expect(trial.accuracy).toBeLessThanOrEqual(1);
    expect(trial.settings).toMatchObject({ epochs: 1, batchSize: 8, learningRate: 1e-4, weightDecay: 1e-4, folds: 1 });
    const again = run('train', ...data, '--model', 'resnet50', '--activation', 'elu', '--optimizer', 'adam', '--json');
    expect(again.json()).toMatchObject({ cached: true, key: trial.key, accuracy: trial.accuracy });

    const grid = run('grid', ...data, '--models', 'resnet50', '--optimizers', 'adam', '--activations', 'elu,relu', '--json');
    expect(grid.code).toBe(0);
    const table = grid.json() as { rows: Array<{ activation: string; cached: boolean; accuracy: number }>; trainings: number };
    expect(table.rows.map((r) => [r.activation, r.cached])).toEqual([['elu', true], ['relu', false]]);
    expect(table.rows[0].accuracy).toBe(trial.accuracy);
    expect(table.trainings).toBe(1);
  });

  test('a diverging trial is stored as diverged and does not fail the command', () => {
    const result = run('train', ...data, '--model', 'resnet50', '--optimizer', 'sgdm', '--lr', '1e11', '--json');
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ diverged: true, cached: false });
    expect(run('train', ...data, '--model', 'resnet50', '--optimizer', 'sgdm', '--lr', '1e11', '--json').json()).toMatchObject({ diverged: true, cached: true });
  });

  test('grid prints the paper’s layout: rows network × optimizer, columns activation', () => {
    const result = run('grid', ...data, '--models', 'resnet50', '--optimizers', 'adam,sgdm', '--activations', 'elu');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^network\s+optimizer\s+elu$/);
    // Each cell: accuracy, its 95% Wilson interval, * where diverged, ≈ where tied with the best.
    expect(lines[2]).toMatch(/^resnet50\s+adam\s+\d+\.\d% \[\d+\.\d, \d+\.\d\]\*?( ≈)?$/);
    expect(lines[3]).toMatch(/^resnet50\s+sgdm\s+\d+\.\d% \[\d+\.\d, \d+\.\d\]\*?( ≈)?$/);
  });
});

describe('genes beyond the paper', () => {
  test('evolve searches the genes --genes names, training each genome once', () => {
    const result = run('evolve', '--fidelity', 'full', ...data, '--model', 'resnet50', '--genes', 'optimizer,learningRate,firstKernel', '--generations', '2', '--population', '4', '--json');
    expect(result.stderr).not.toMatch(/fer-ga:/);
    expect(result.code).toBe(0);
    const json = result.json() as { best: { genes: Record<string, string> }; distinct: number; trainings: number; evaluations: number };
    expect(Object.keys(json.best.genes).sort()).toEqual(['firstKernel', 'learningRate', 'optimizer']);
    expect(['3', '5', '7', '11']).toContain(json.best.genes.firstKernel);
    expect(['sgdm', 'rmsprop', 'adam']).toContain(json.best.genes.optimizer);
    expect(['0.0001', '0.001', '0.00001', '0.01']).toContain(json.best.genes.learningRate);
    expect(json.evaluations).toBe(8);
    expect(json.trainings).toBeLessThanOrEqual(json.distinct);
  });

  test('a fitness table cannot answer other genes', () => {
    const result = run('evolve', '--fitness-table', TABLES, '--dataset', 'kdef', '--genes', 'activation,model', '--db', path.join(tmp, 'y.db'));
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('fer-ga: a fitness table holds activation × optimizer only: use --genes activation,optimizer with --fitness-table\n');
  });
});

describe('fer-ga evolve with a fitness table', () => {
  test('prints the documented JSON', () => {
    const result = run('evolve', '--fitness-table', TABLES, '--dataset', 'kdef', '--model', 'googlenet', '--seed', '10', '--db', path.join(tmp, 'table.db'), '--json');
    expect(result.code).toBe(0);
    const json = result.json();
    expect(json).toMatchObject({ run: 1, best: { genes: { activation: 'leaky-relu', optimizer: 'rmsprop' } }, generations: 20, evaluations: 160, trainings: 0 });
    expect((json.best as { accuracy: number }).accuracy).toBeCloseTo(0.8679, 10);
    expect(json.distinct).toBeLessThanOrEqual(9);
    expect(json.history).toHaveLength(20);
    expect((json.history as Array<Record<string, number>>)[0]).toEqual({ generation: 1, best: expect.any(Number), mean: expect.any(Number) });
  });

  test('bad input is one line', () => {
    const missing = run('evolve', '--fitness-table', path.join(tmp, 'none.csv'), '--dataset', 'kdef', '--db', path.join(tmp, 'x.db'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^fer-ga: fitness table .*none\.csv does not exist or cannot be read\n$/);
    const noRows = run('evolve', '--fitness-table', TABLES, '--dataset', 'affectnet', '--db', path.join(tmp, 'x.db'));
    expect(noRows.code).toBe(2);
    expect(noRows.stderr).toBe(`fer-ga: fitness table ${TABLES} has no rows for dataset 'affectnet' and model 'resnet50'\n`);
    const resume = run('evolve', '--resume', '7', '--db', path.join(tmp, 'x.db'));
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/^fer-ga: --resume 7: no evolve run with that id/);
  });
});
