/**
 * Successive halving cannot pick the wrong candidate: with the stand-in addon
 * (FER_GA_ADDON, scripted learning curves whose ranks never cross), `evolve` and a halving
 * `grid` must pick what the full grid ranks first when a candidate diverges in epoch 1,
 * when one fold of a candidate diverges at a rung, and when a full-length trial is in the
 * cache before the run (the pick must not change because of it).
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

import { BIN, smallSet, type SmallSet } from './helpers/cli';

const STAND_IN = path.resolve(__dirname, 'helpers/stand-in-addon.js');

/** Final accuracy and accuracy after epoch 1 of each cell: ordered the same at every epoch. */
const CURVES: Record<string, { final: number; start: number }> = {
  'relu+rmsprop': { final: 0.99, start: 0.4 },
  'leaky-relu+adam': { final: 0.9075, start: 0.35 },
  'clipped-relu+adam': { final: 0.85, start: 0.3 },
  'relu+adam': { final: 0.8, start: 0.28 },
  'leaky-relu+rmsprop': { final: 0.75, start: 0.26 },
  'clipped-relu+rmsprop': { final: 0.7, start: 0.24 },
  'relu+sgdm': { final: 0.4, start: 0.15 },
  'leaky-relu+sgdm': { final: 0.38, start: 0.14 },
  'clipped-relu+sgdm': { final: 0.36, start: 0.13 },
};

let set: SmallSet;
let case_ = 0;

beforeAll(async () => {
  set = await smallSet('halving-picks');
});

afterAll(() => fs.rmSync(set.tmp, { recursive: true, force: true }));

interface Scenario {
  db: string;
  cache: string;
  /** One JSON line per training call (see stand-in-addon.js). */
  log: string;
  env: NodeJS.ProcessEnv;
}

/** A fresh results file and rung-state cache, training by the given script. */
function scenario(overrides: Record<string, object> = {}): Scenario {
  const dir = path.join(set.tmp, `case-${++case_}`);
  fs.mkdirSync(dir);
  const script = path.join(dir, 'script.json');
  fs.writeFileSync(script, JSON.stringify({ cells: Object.fromEntries(Object.entries(CURVES).map(([cell, curve]) => [cell, { ...curve, ...overrides[cell] }])) }));
  const log = path.join(dir, 'trainings.jsonl');
  return { db: path.join(dir, 'results.db'), cache: path.join(dir, 'cache'), log, env: { ...process.env, FER_GA_ADDON: STAND_IN, FER_GA_STAND_IN: script, FER_GA_STAND_IN_LOG: log } };
}

function cli(s: Scenario, ...args: string[]): Record<string, unknown> {
  // The thread count is left at its default: the key must not depend on --parallel with it.
  const flags = set.flags.filter((flag, i, all) => flag !== '--threads' && all[i - 1] !== '--threads');
  flags[flags.indexOf('--cache') + 1] = s.cache;
  const model = args[0] === 'grid' ? '--models' : '--model';
  const result = spawnSync(process.execPath, [BIN, ...args, ...flags, model, 'googlenet', '--epochs', '9', '--db', s.db, '--json'], { encoding: 'utf8', env: s.env });
  if (result.status !== 0) throw new Error(`fer-ga ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

const HALVING = ['--fidelity', 'halving', '--min-epochs', '1', '--eta', '3'];
const EVOLVE = ['evolve', ...HALVING, '--population', '16', '--generations', '2', '--ga-seed', '2'];

type Row = { activation: string; optimizer: string; accuracy: number; diverged: boolean; epochs: number };
const cellOf = (genes: { activation: unknown; optimizer: unknown }) => `${String(genes.activation)}+${String(genes.optimizer)}`;

/** The full grid's first cell (every cell trained to the end), by the grid's own ranking. */
function fullGridBest(s: Scenario, ...extra: string[]): string {
  const grid = cli({ ...s, db: `${s.db}.full` }, 'grid', '--fidelity', 'full', ...extra);
  return cellOf(grid.best as Row);
}

function picks(s: Scenario, ...extra: string[]): { evolve: string; grid: string; evolveRun: Record<string, unknown> } {
  const evolveRun = cli(s, ...EVOLVE, ...extra);
  // Every combination was a candidate, so the pick must be the grid's best, not merely the best seen.
  expect(evolveRun.candidates).toBe(9);
  const grid = cli({ ...s, db: `${s.db}.grid` }, 'grid', ...HALVING, ...extra);
  return { evolve: cellOf((evolveRun.best as { genes: Row }).genes), grid: cellOf(grid.best as Row), evolveRun };
}

test('a candidate diverging in epoch 1 is never the pick', () => {
  const s = scenario({ 'clipped-relu+sgdm': { divergeAt: 1 } });
  expect(fullGridBest(s)).toBe('relu+rmsprop');
  const { evolve, grid, evolveRun } = picks(s);
  expect(evolve).toBe('relu+rmsprop');
  expect(grid).toBe('relu+rmsprop');
  expect((evolveRun.best as { accuracy: number; epochs: number }).accuracy).toBeCloseTo(0.99, 12);
  expect((evolveRun.best as { epochs: number }).epochs).toBe(9);
});

test('a 2-cell halving grid does not report its diverged cell as best', () => {
  const s = scenario({ 'relu+sgdm': { divergeAt: 1 } });
  const grid = cli(s, 'grid', ...HALVING, '--activations', 'relu', '--optimizers', 'rmsprop,sgdm');
  expect(cellOf(grid.best as Row)).toBe('relu+rmsprop');
  const rows = grid.rows as Row[];
  expect(rows.find((r) => r.optimizer === 'sgdm')).toMatchObject({ diverged: true, epochs: 1 });
});

test('one fold diverging at a rung stops the candidate there and stores no full-length record', () => {
  // Fold 2 (training seed 2) of the best cell diverges in epoch 2, inside the second rung (epochs 2-3).
  const s = scenario({ 'relu+rmsprop': { divergeAt: 2, divergeSeeds: [2] } });
  const folds = ['--folds', '2'];
  expect(fullGridBest(s, ...folds)).toBe('leaky-relu+adam');
  const { evolve, grid } = picks(s, ...folds);
  expect(evolve).toBe('leaky-relu+adam');
  expect(grid).toBe('leaky-relu+adam');
  // What the results file holds for the diverged cell, once asked for in full, equals a fresh training.
  const here = cli(s, 'train', '--activation', 'relu', '--optimizer', 'rmsprop', ...folds);
  const fresh = cli({ ...s, db: `${s.db}.fresh` }, 'train', '--activation', 'relu', '--optimizer', 'rmsprop', ...folds);
  expect(here.cached).toBe(false);
  expect(here.key).toBe(fresh.key);
  expect(here.accuracy).toBe(fresh.accuracy);
  expect(here.accuracy).toBeCloseTo((0.99 + 0.4) / 2, 12);
});

test('a full-length trial cached before the run answers each rung from its history: the pick does not change', () => {
  const without = scenario();
  const expected = picks(without);
  expect(expected.evolve).toBe('relu+rmsprop');
  const s = scenario();
  const cached = cli(s, 'train', '--activation', 'leaky-relu', '--optimizer', 'adam');
  expect(cached.accuracy).toBeCloseTo(0.9075, 12);
  fs.copyFileSync(s.db, `${s.db}.grid`);
  const withCached = picks(s);
  expect(withCached.evolve).toBe(expected.evolve);
  expect(withCached.grid).toBe(expected.grid);
  expect((withCached.evolveRun.best as { accuracy: number }).accuracy).toBeCloseTo(0.99, 12);
});

test('train and grid --parallel 2 of the same cell are one trial: one key, one report table', () => {
  const s = scenario();
  const trained = cli(s, 'train', '--activation', 'relu', '--optimizer', 'adam');
  const grid = cli(s, 'grid', '--fidelity', 'full', '--parallel', '2', '--activations', 'relu', '--optimizers', 'adam,rmsprop');
  const row = (grid.rows as Array<Row & { key: string; cached: boolean }>).find((r) => r.optimizer === 'adam');
  expect(row?.key).toBe(trained.key);
  expect(row?.cached).toBe(true);
  const report = spawnSync(process.execPath, [BIN, 'report', '--db', s.db, '--format', 'json'], { encoding: 'utf8', env: s.env });
  expect(report.status).toBe(0);
  const tables = (JSON.parse(report.stdout) as { tables: Array<{ cells: unknown[] }> }).tables;
  expect(tables).toHaveLength(1);
  expect(tables[0].cells).toHaveLength(2);
});

/** The issue's own repro: a 4-genome, 1-generation halving GA, whose candidates do not depend on fitness. */
const SMALL_EVOLVE = ['evolve', ...HALVING, '--population', '4', '--generations', '1', '--ga-seed', '1'];

/** The cells a small GA trains, best first by the scripted final accuracy. */
function smallCandidates(): string[] {
  const probe = scenario();
  cli(probe, ...SMALL_EVOLVE);
  const cells = new Set(fs.readFileSync(probe.log, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { cell: string }).cell));
  return [...cells].sort((a, b) => CURVES[b].final - CURVES[a].final);
}

test('a small GA never picks its candidate that diverged in epoch 1, nor lets a cached full trial take a promotion', () => {
  const candidates = smallCandidates();
  expect(candidates.length).toBeGreaterThanOrEqual(3);
  const [best, second, third] = candidates;

  const diverging = scenario({ [third]: { divergeAt: 1 } });
  const picked = cli(diverging, ...SMALL_EVOLVE).best as { genes: Row; accuracy: number; epochs: number };
  expect(cellOf(picked.genes)).toBe(best);
  expect(picked.accuracy).toBeCloseTo(CURVES[best].final, 12);
  expect(picked.epochs).toBe(9);

  const cached = scenario();
  const [activation, optimizer] = second.split('+');
  cli(cached, 'train', '--activation', activation, '--optimizer', optimizer);
  expect(cellOf((cli(cached, ...SMALL_EVOLVE).best as { genes: Row }).genes)).toBe(best);
});

test('a resume that would key its trials otherwise (--threads, --device) is refused in one line', () => {
  const s = scenario();
  const first = cli(s, ...SMALL_EVOLVE);
  const resume = (...extra: string[]) => {
    const flags = set.flags.filter((flag, i, all) => flag !== '--threads' && all[i - 1] !== '--threads');
    flags[flags.indexOf('--cache') + 1] = s.cache;
    return spawnSync(process.execPath, [BIN, ...SMALL_EVOLVE, ...flags, '--model', 'googlenet', '--epochs', '9', '--db', s.db, '--resume', String(first.run), ...extra], { encoding: 'utf8', env: s.env });
  };
  const threads = resume('--threads', '2');
  expect(threads.status).toBe(2);
  expect(threads.stderr.trim()).toBe(
    `fer-ga: --resume ${String(first.run)}: its trials are keyed as trained on the CPU with 1 thread; --device auto --threads 2 would train them on the CPU with 2 threads, as other trials (give --device cpu --threads 1, or start a new run)`,
  );
  const same = resume('--threads', '1', '--parallel', '2');
  expect(same.stderr).not.toMatch(/fer-ga:/);
  expect(same.status).toBe(0);
});
