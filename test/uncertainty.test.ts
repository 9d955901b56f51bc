/**
 * Answers with their uncertainty, end to end through the CLI with the stand-in addon
 * (FER_GA_ADDON): grid rows carry correct counts and Wilson intervals, the tie set marks the
 * cells not significantly worse than the best, `compare` tests two trials image by image,
 * evolve says whether its pick ties with the best, and trials stored before per-image
 * predictions still show, with the paired test saying why it cannot run.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

import Database from 'better-sqlite3';

import { exactMcNemar } from '../src/statistics/mcnemar';
import { wilsonInterval } from '../src/statistics/wilson';
import { STAND_IN, synthFaces, cliIn, jsonIn } from './helpers/stand-in-cli';

/** Final accuracies: rmsprop and adam close to each other, sgdm far below. */
const CELLS: Record<string, number> = {
  'relu+rmsprop': 0.88,
  'leaky-relu+rmsprop': 0.9,
  'clipped-relu+rmsprop': 0.85,
  'relu+adam': 0.8,
  'leaky-relu+adam': 0.82,
  'clipped-relu+adam': 0.79,
  'relu+sgdm': 0.4,
  'leaky-relu+sgdm': 0.42,
  'clipped-relu+sgdm': 0.35,
};

let tmp: string;
let env: NodeJS.ProcessEnv;
let flags: string[];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-uncertainty-'));
  // 24 subjects × 7 classes: a 20% hold-out of 35 images.
  synthFaces(path.join(tmp, 'faces'), 24);
  const script = path.join(tmp, 'script.json');
  fs.writeFileSync(script, JSON.stringify({ cells: Object.fromEntries(Object.entries(CELLS).map(([cell, final]) => [cell, { final }])) }));
  env = { ...process.env, FER_GA_ADDON: STAND_IN, FER_GA_STAND_IN: script };
  flags = ['--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'), '--batch-size', '8', '--threads', '1', '--epochs', '3', '--db', path.join(tmp, 'results.db')];
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => cliIn(env, args);
const json = (...args: string[]) => jsonIn(env, args);

interface Row {
  activation: string;
  optimizer: string;
  accuracy: number;
  key: string;
  correct: number;
  total: number;
  interval: [number, number];
  tied: boolean | null;
  pValue: number | null;
}

const cellOf = (r: { activation: string; optimizer: string }) => `${r.activation}+${r.optimizer}`;

describe('grid', () => {
  let grid: Record<string, unknown>;
  let rows: Row[];
  beforeAll(() => {
    grid = json('grid', ...flags, '--models', 'googlenet');
    rows = grid.rows as Row[];
  });

  it('gives every row its correct count over the validation images and their Wilson interval', () => {
    for (const row of rows) {
      expect(row.total).toBe(35);
      // The stand-in gets round(final · n) images right.
      expect(row.correct).toBe(Math.round(CELLS[cellOf(row)] * 35));
      expect(row.interval).toEqual(wilsonInterval(row.correct, row.total));
      expect(row.interval[0]).toBeLessThan(row.correct / row.total);
      expect(row.interval[1]).toBeGreaterThan(row.correct / row.total);
    }
  });

  it('marks the cells tied with the best: none far below it, and says how many', () => {
    const best = grid.best as Row;
    expect(cellOf(best)).toBe('leaky-relu+rmsprop');
    expect(best.tied).toBe(true);
    expect(best.pValue).toBeNull();
    const tied = rows.filter((r) => r.tied).map(cellOf);
    // 14 images apart of 35: no Holm-corrected test calls these equal.
    for (const far of ['relu+sgdm', 'leaky-relu+sgdm', 'clipped-relu+sgdm']) expect(tied).not.toContain(far);
    // One image apart: no test calls these different.
    expect(tied).toContain('relu+rmsprop');
    expect(grid.tiedCells).toBe(tied.length);
    for (const row of rows.filter((r) => r.tied === false)) expect(row.pValue as number).toBeLessThan(0.05);
  });

  it("gives each gene's share of the variance between cells, the optimizer's the larger", () => {
    const importance = grid.importance as Array<{ gene: string; share: number; pValue: number }>;
    expect(importance.map((g) => g.gene).sort()).toEqual(['activation', 'optimizer']);
    const share = Object.fromEntries(importance.map((g) => [g.gene, g.share]));
    expect(share.optimizer).toBeGreaterThan(0.9);
    expect(share.optimizer + share.activation).toBeLessThanOrEqual(1);
    expect(importance.find((g) => g.gene === 'optimizer')?.pValue).toBeLessThan(0.01);
  });

  it('prints intervals, the tie marks and the importance line', () => {
    const text = cli('grid', ...flags, '--models', 'googlenet').stdout;
    expect(text).toMatch(/90\.0% \[\d+\.\d, \d+\.\d\] ≈/);
    expect(text.match(/≈/g)?.length).toBe((grid.tiedCells as number) + 1);
    expect(text).toMatch(new RegExp(`≈ ${String(grid.tiedCells)} of 9 cells tied with the best`));
    expect(text).toMatch(/importance: the optimizer explains \d+% of the variance between cells, p [<=]/);
  });

  it("compare agrees with the grid's p-values, and its discordant counts with the accuracies", () => {
    const best = grid.best as Row;
    // A tied cell, one far below, and one between.
    for (const other of rows.filter((r) => ['relu+rmsprop', 'relu+sgdm', 'clipped-relu+adam'].includes(cellOf(r)))) {
      const out = json('compare', best.key, other.key, '--db', flags[flags.length - 1]);
      expect(out).toMatchObject({ test: 'exact McNemar', a: { key: best.key, correct: best.correct }, b: { key: other.key, correct: other.correct } });
      const { onlyA, onlyB, pValue } = out as { onlyA: number; onlyB: number; pValue: number };
      expect(onlyA - onlyB).toBe(best.correct - other.correct);
      expect(pValue).toBe(other.pValue);
      expect(pValue).toBe(exactMcNemar(onlyA, onlyB).pValue);
    }
    const text = cli('compare', 'relu+rmsprop', 'googlenet/leaky-relu+rmsprop', '--db', flags[flags.length - 1]).stdout;
    // The accuracy printed is the trial's (the stand-in's script says 88%), its interval the count's.
    expect(text).toMatch(/^A googlenet relu \+ rmsprop: 88\.0% \[\d+\.\d, \d+\.\d\] \(31 of 35 images/m);
    expect(text).toMatch(/images only A got right, \d+ only B: exact McNemar .*, p = /);
  });

  it('the report gives every cell its count, interval and tie mark, as the grid did', () => {
    const db = flags[flags.length - 1];
    const [head, ...lines] = cli('report', '--db', db, '--format', 'csv').stdout.trim().split('\n');
    const columns = head.split(',');
    for (const row of rows) {
      const fields = (lines.find((l) => l.endsWith(row.key)) as string).split(',');
      // These come before the quoted condition column (which holds commas).
      const at = (name: string) => fields[columns.indexOf(name)];
      expect([Number(at('correct')), Number(at('total')), Number(at('interval_low')), Number(at('interval_high'))]).toEqual([row.correct, row.total, ...row.interval]);
    }
    const md = cli('report', '--db', db, '--format', 'md').stdout;
    const table = md.split('\n').filter((l) => l.startsWith('| googlenet |')).join('\n');
    expect(table.match(/≈/g)?.length).toBe(grid.tiedCells);
    expect(md).toContain(`≈ ${String(grid.tiedCells)} of 9 cells tied with the best`);
    const html = cli('report', '--db', db, '--format', 'html').stdout;
    expect(html).toMatch(/<figure><svg[^>]*aria-label="share of the variance between cells \(η²\)"/);
  });

  it("evolve's pick says whether it is tied with the best candidate trained", () => {
    const run = json('evolve', ...flags, '--model', 'googlenet', '--fidelity', 'full', '--population', '4', '--generations', '2', '--ga-seed', '3');
    const best = run.best as { accuracy: number; correct: number; total: number; interval: [number, number]; tiedWithBest: boolean; pValue: number | null };
    expect(best.total).toBe(35);
    expect(best.interval).toEqual(wilsonInterval(best.correct, best.total));
    // The GA's pick is its fittest candidate: the best it trained, so tied with itself.
    expect(best.tiedWithBest).toBe(true);
    expect(best.pValue).toBeNull();
  });

  it('trials stored before per-image predictions still show, and the paired test says why it cannot run', () => {
    const db = new Database(flags[flags.length - 1]);
    const other = rows.find((r) => cellOf(r) === 'relu+adam') as Row;
    const stored = JSON.parse((db.prepare('SELECT result FROM trials WHERE key = ?').get(other.key) as { result: string }).result) as { folds: Array<Record<string, unknown>> };
    for (const fold of stored.folds) {
      delete fold.predictions;
      delete fold.labels;
    }
    db.prepare('UPDATE trials SET result = ? WHERE key = ?').run(JSON.stringify(stored), other.key);
    db.close();
    const again = json('grid', ...flags, '--models', 'googlenet');
    const row = (again.rows as Row[]).find((r) => r.key === other.key) as Row;
    expect(row).toMatchObject({ correct: other.correct, total: 35, tied: null, pValue: null });
    const out = json('compare', (grid.best as Row).key, other.key, '--db', flags[flags.length - 1]);
    expect(out).toMatchObject({ onlyA: null, pValue: null, note: 'no paired test: trial B holds no per-image predictions (stored before they were recorded)' });
    expect(cli('grid', ...flags, '--models', 'googlenet').stdout).toMatch(/cells without per-image predictions are not marked/);
  });

  it('compare refuses names that match nothing, in one line', () => {
    const result = cli('compare', 'relu+adagrad', 'relu+adam', '--db', flags[flags.length - 1]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^fer-ga: trial relu\+adagrad: no such trial in .*results\.db\n$/);
  });
});
