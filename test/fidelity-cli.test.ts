/** Multi-fidelity through the CLI on a tiny set: what is refused, and halving against full on real training. */
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { runCli, smallSet, type SmallSet } from './helpers/cli';

const TABLES = path.resolve(__dirname, '../data/paper-tables.csv');
let set: SmallSet;
beforeAll(async () => {
  set = await smallSet('fidelity');
});
afterAll(() => fs.rmSync(set.tmp, { recursive: true, force: true }));

describe('refused with one line, exit 2', () => {
  test('--queue with halving names --queue and --fidelity', () => {
    const result = runCli('evolve', ...set.flags, '--epochs', '4', '--db', path.join(set.tmp, 'q.db'), '--queue', 'redis://127.0.0.1:1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^fer-ga: --queue trains whole trials only: use --fidelity full with --queue/);
  });

  test('--fidelity halving with a fitness table, and a first rung beyond --epochs', () => {
    const table = runCli('evolve', '--fitness-table', TABLES, '--dataset', 'kdef', '--model', 'googlenet', '--fidelity', 'halving', '--db', path.join(set.tmp, 't.db'));
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/^fer-ga: --fidelity halving needs training: a --fitness-table has no epochs/);
    const rung = runCli('grid', ...set.flags, '--fidelity', 'halving', '--epochs', '4', '--min-epochs', '5', '--db', path.join(set.tmp, 'r.db'));
    expect(rung.code).toBe(2);
    expect(rung.stderr).toMatch(/^fer-ga: --min-epochs must be an integer from 1 to --epochs \(4\) \(got 5\)\n$/);
  });

  test('a fitness table without --fidelity runs as before (full)', () => {
    const result = runCli('evolve', '--fitness-table', TABLES, '--dataset', 'kdef', '--model', 'googlenet', '--generations', '2', '--population', '4', '--db', path.join(set.tmp, 'f.db'), '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ fidelity: 'full', epochsTrained: 0 });
  });
});

interface GridJson {
  rows: Array<{ activation: string; optimizer: string; accuracy: number; epochs: number; epochsTrained: number; key: string }>;
  best: { activation: string; optimizer: string; accuracy: number; epochs: number; key: string };
  epochsTrained: number;
  fullGridEpochs: number;
}

describe('halving trains real trials part-way and continues them', () => {
  const grid = ['grid', '--models', 'alexnet', '--size', '63', '--activations', 'relu,elu', '--optimizers', 'adam,sgdm', '--epochs', '4'];

  test('a halving grid trains fewer epochs; its best cell, continued rung by rung, equals the same trial trained at once', () => {
    const flags = set.flags.filter((f, i, all) => f !== '--size' && all[i - 1] !== '--size');
    const halving = runCli(...grid, ...flags, '--fidelity', 'halving', '--min-epochs', '1', '--eta', '2', '--db', path.join(set.tmp, 'halving.db'), '--json');
    expect(halving.stderr).not.toMatch(/fer-ga:/);
    expect(halving.code).toBe(0);
    const h = JSON.parse(halving.stdout) as GridJson;
    expect(h.fullGridEpochs).toBe(16);
    expect(h.epochsTrained).toBe(h.rows.reduce((sum, r) => sum + r.epochsTrained, 0));
    expect(h.epochsTrained).toBeLessThan(16);
    expect(h.best.epochs).toBe(4);
    expect(h.rows.some((r) => r.epochs < 4)).toBe(true);

    // The same cells, full: a separate results file (no shared cache), the best cell trained 4 epochs at once.
    const full = runCli(...grid, ...flags, '--fidelity', 'full', '--db', path.join(set.tmp, 'full.db'), '--json');
    expect(full.code).toBe(0);
    const f = JSON.parse(full.stdout) as GridJson;
    expect(f.epochsTrained).toBe(16);
    const same = f.rows.find((r) => r.activation === h.best.activation && r.optimizer === h.best.optimizer);
    expect(same?.key).toBe(h.best.key);
    expect(same?.accuracy).toBe(h.best.accuracy);
    const history = (db: string) => {
      const file = new Database(path.join(set.tmp, db), { readonly: true });
      try {
        const row = file.prepare('SELECT result FROM trials WHERE key = ?').get(h.best.key) as { result: string };
        return (JSON.parse(row.result) as { folds: Array<{ history: Array<Record<string, number>> }> }).folds.map((fold) =>
          fold.history.map(({ seconds: _seconds, ...numbers }) => numbers),
        );
      } finally {
        file.close();
      }
    };
    expect(history('halving.db')).toEqual(history('full.db'));
  });
});
