/**
 * Seed repeats through the CLI with the stand-in addon (whose accuracy moves with the
 * training seed by `seedJitter`): each repeat is a trial of its own on one split, repeat 0
 * is the trial a run without repeats trains (same key), the split seed joins the key only
 * when it differs from the training seed, and a cell's numbers are its repeats' mean, sd and
 * t interval.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

import Database from 'better-sqlite3';

import { tInterval } from '../src/statistics/t-interval';
import { STAND_IN, synthFaces, cliIn, jsonIn } from './helpers/stand-in-cli';

let tmp: string;
let env: NodeJS.ProcessEnv;
let flags: string[];
let db: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-repeats-'));
  synthFaces(path.join(tmp, 'faces'), 24);
  const script = path.join(tmp, 'script.json');
  const cells = { 'relu+rmsprop': 0.88, 'leaky-relu+rmsprop': 0.9, 'relu+sgdm': 0.4, 'leaky-relu+sgdm': 0.42 };
  fs.writeFileSync(script, JSON.stringify({ cells: Object.fromEntries(Object.entries(cells).map(([cell, final]) => [cell, { final, seedJitter: 0.05 }])) }));
  env = { ...process.env, FER_GA_ADDON: STAND_IN, FER_GA_STAND_IN: script };
  db = path.join(tmp, 'results.db');
  flags = ['--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'), '--batch-size', '8', '--threads', '1', '--epochs', '3', '--db', db];
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => cliIn(env, args);
const json = (...args: string[]) => jsonIn(env, args);

const GRID = ['--models', 'googlenet', '--activations', 'relu,leaky-relu', '--optimizers', 'sgdm,rmsprop'];
const TRAIN = ['--model', 'googlenet', '--activation', 'relu', '--optimizer', 'rmsprop'];

interface Row {
  activation: string;
  optimizer: string;
  accuracy: number;
  key: string;
  repeats: number;
  repeatKeys: string[];
  sd: number;
  seedInterval: [number, number];
  correct: number;
  total: number;
  tied: boolean | null;
}

test('a split seed equal to the training seed keeps the key; another is another trial on another split', () => {
  const plain = json('train', ...flags, ...TRAIN);
  expect(json('train', ...flags, ...TRAIN, '--split-seed', '1').key).toBe(plain.key);
  const other = json('train', ...flags, ...TRAIN, '--split-seed', '2');
  expect(other.key).not.toBe(plain.key);
  expect(other.cached).toBe(false);
});

test('grid --repeats 3: each cell three trials on one split, the first the trial without repeats; mean, sd and t interval over seeds', () => {
  const single = json('grid', ...flags, ...GRID);
  const grid = json('grid', ...flags, ...GRID, '--repeats', '3');
  const rows = grid.rows as Row[];
  const store = new Database(db, { readonly: true });
  try {
    for (const row of rows) {
      const alone = (single.rows as Row[]).find((r) => r.activation === row.activation && r.optimizer === row.optimizer) as Row;
      expect(row.repeatKeys).toHaveLength(3);
      expect(new Set(row.repeatKeys).size).toBe(3);
      // Repeat 0 is the cached trial of the run without repeats.
      expect(row.repeatKeys[0]).toBe(alone.key);
      expect(row.key).toBe(alone.key);
      const stored = row.repeatKeys.map((key) => store.prepare('SELECT fitness, settings FROM trials WHERE key = ?').get(key) as { fitness: number; settings: string });
      const seeds = stored.map((s) => JSON.parse(s.settings) as { seed: number; splitSeed?: number });
      expect(seeds.map((s) => s.seed)).toEqual([1, 1001, 2001]);
      // Every repeat on the split of the first.
      expect(seeds.slice(1).map((s) => s.splitSeed)).toEqual([1, 1]);
      const summary = tInterval(stored.map((s) => s.fitness));
      expect(row.accuracy).toBeCloseTo(summary.mean, 12);
      expect(row.sd).toBeCloseTo(summary.sd, 12);
      expect(row.sd).toBeGreaterThan(0);
      expect(row.seedInterval).toEqual(summary.interval && [Math.max(0, summary.interval[0]), Math.min(1, summary.interval[1])]);
      expect(row).toMatchObject({ repeats: 3, total: 3 * 35 });
    }
  } finally {
    store.close();
  }
  expect((grid.rows as Row[]).filter((r) => r.tied).map((r) => `${r.activation}+${r.optimizer}`).sort()).toEqual(['leaky-relu+rmsprop', 'relu+rmsprop']);
  // With repeats the interaction of the two genes gets its own line.
  expect((grid.importance as Array<{ gene: string }>).map((g) => g.gene).sort()).toEqual(['optimizer', 'optimizer:activation', 'activation'].sort());
  const text = cli('grid', ...flags, ...GRID, '--repeats', '3').stdout;
  expect(text).toMatch(/\d+\.\d% \[\d+\.\d, \d+\.\d\], sd \d+\.\d, seeds \[\d+\.\d, \d+\.\d\]/);
  expect(text).toMatch(/exact McNemar against the best, pooled over seeds/);
});

test('compare of two configurations with the same seeds pools their discordant images over the seeds, as the grid did', () => {
  const grid = json('grid', ...flags, ...GRID, '--repeats', '3');
  const rows = grid.rows as Array<Row & { pValue: number | null }>;
  const best = grid.best as Row;
  const other = rows.find((r) => r.optimizer === best.optimizer && r.activation !== best.activation) as Row & { pValue: number };
  const out = json('compare', `${best.activation}+${best.optimizer}`, `${other.activation}+${other.optimizer}`, '--db', db) as {
    a: { repeats: number; keys: string[]; correct: number }; b: { correct: number }; onlyA: number; onlyB: number; pValue: number; test: string;
  };
  expect(out.test).toBe('exact McNemar, pooled over seeds');
  expect(out.a.repeats).toBe(3);
  expect(out.a.keys).toEqual(best.repeatKeys);
  expect(out.onlyA - out.onlyB).toBe(out.a.correct - out.b.correct);
  expect(out.pValue).toBe(other.pValue);
});

test('train --repeats reports the mean over seeds and each repeat; halving refuses repeats in one line', () => {
  const out = json('train', ...flags, ...TRAIN, '--repeats', '3');
  const trials = out.trials as Array<{ accuracy: number; seed: number; cached: boolean }>;
  expect(trials.map((t) => t.seed)).toEqual([1, 1001, 2001]);
  // The grid trained them: the cache answers.
  expect(trials.every((t) => t.cached)).toBe(true);
  expect(out.accuracy).toBeCloseTo(tInterval(trials.map((t) => t.accuracy)).mean, 12);
  expect(out).toMatchObject({ repeats: 3 });
  const refused = cli('grid', ...flags, ...GRID, '--repeats', '2', '--fidelity', 'halving');
  expect(refused.code).toBe(2);
  expect(refused.stderr).toBe('fer-ga: --repeats 2 needs --fidelity full: halving ranks one training per candidate\n');
});

test("evolve --repeats: a genome's fitness is its repeats' mean, and the pick carries sd and both intervals", () => {
  const run = json('evolve', ...flags, '--model', 'googlenet', '--fidelity', 'full', '--repeats', '3', '--population', '4', '--generations', '1', '--ga-seed', '4');
  const best = run.best as { genes: Record<string, string>; accuracy: number; repeats: number; sd: number; seedInterval: [number, number]; tiedWithBest: boolean | null };
  const grid = json('grid', ...flags, ...GRID, '--repeats', '3');
  const cell = (grid.rows as Row[]).find((r) => r.activation === best.genes.activation && r.optimizer === best.genes.optimizer) as Row;
  expect(best.accuracy).toBeCloseTo(cell.accuracy, 12);
  expect(best).toMatchObject({ repeats: 3, sd: cell.sd, seedInterval: cell.seedInterval });
  expect(typeof best.tiedWithBest).toBe('boolean');
});
