/**
 * A halving evolve SIGKILLed while a promoted candidate trains on from its saved rung:
 * resumed, it continues that candidate from the same rung state, trains no stored rung
 * again, and ends exactly as a run that was never stopped.
 */
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { BIN, smallSet, type SmallSet } from './helpers/cli';

let set: SmallSet;
beforeAll(async () => {
  set = await smallSet('fidelity-resume');
});
afterAll(() => fs.rmSync(set.tmp, { recursive: true, force: true }));

/** Rungs at 1, 3 and 9 epochs; one generation of four: every candidate trains 1 epoch, the best goes on to 3, the leader to 9. */
const evolveFlags = (name: string) => [
  'evolve', ...set.flags.map((flag) => (flag === path.join(set.tmp, 'cache') ? path.join(set.tmp, `cache-${name}`) : flag)),
  '--model', 'resnet50', '--lr', '0.001', '--epochs', '9', '--fidelity', 'halving', '--min-epochs', '1', '--eta', '3',
  '--generations', '1', '--population', '4', '--seed', '3', '--db', path.join(set.tmp, `${name}.db`), '--json',
];

interface EvolveJson {
  best: { genes: Record<string, string>; accuracy: number; epochs: number };
  history: unknown[];
  epochsTrained: number;
  distinct: number;
}

interface RungRow {
  key: string;
  epochs: number;
  fitness: number;
  created_at: string;
}

interface Fold {
  resumedFromEpoch: number;
  epochsTrained: number;
  history: Array<Record<string, number>>;
}

function read<T>(name: string, query: (db: Database.Database) => T): T {
  const db = new Database(path.join(set.tmp, `${name}.db`), { readonly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

const rungs = (name: string) => read(name, (db) => db.prepare('SELECT key, epochs, fitness, created_at FROM trial_rungs ORDER BY key, epochs').all() as RungRow[]);
const runRungs = (name: string) => read(name, (db) => db.prepare('SELECT trial_key, epochs, trained FROM run_rungs ORDER BY trial_key, epochs').all());
const state = (name: string) => read(name, (db) => JSON.parse((db.prepare('SELECT state FROM runs WHERE id = 1').get() as { state: string }).state) as { halving: unknown; history: unknown });
const fullTrials = (name: string) =>
  read(name, (db) =>
    (db.prepare('SELECT key, fitness, result FROM trials ORDER BY key').all() as Array<{ key: string; fitness: number; result: string }>).map((t) => ({
      key: t.key,
      fitness: t.fitness,
      folds: (JSON.parse(t.result) as { folds: Fold[] }).folds,
    })),
  );
const withoutTimes = (folds: Fold[]) => folds.map((f) => f.history.map(({ seconds: _seconds, ...numbers }) => numbers));

test('SIGKILL during a promoted trial: the resumed run continues it from its last saved rung, trains nothing twice, and ends as an uninterrupted run', async () => {
  const reference = spawnSync(process.execPath, [BIN, ...evolveFlags('reference')], { encoding: 'utf8' });
  expect(reference.stderr).not.toMatch(/fer-ga:/);
  expect(reference.status).toBe(0);
  const whole = JSON.parse(reference.stdout) as EvolveJson;
  expect(whole.best.epochs).toBe(9);

  // Epoch 4 is only ever trained by a candidate promoted from its 3-epoch rung to the full 9: kill it there.
  const child = spawn(process.execPath, [BIN, ...evolveFlags('killed')]);
  let continued: string | undefined;
  let log = '';
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /^resnet50 (\S+)\+(\S+): fold 1\/1 epoch 4\/9$/m.exec(log);
      if (match && !continued) {
        continued = `${match[1]}+${match[2]}`;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', () => resolve());
  });
  expect(child.signalCode).toBe('SIGKILL');
  expect(continued).toBe(`${whole.best.genes.activation}+${whole.best.genes.optimizer}`);

  // What the killed run had stored: the leader's 3-epoch rung and its saved state, no full-length result.
  const before = rungs('killed');
  expect(fullTrials('killed')).toEqual([]);
  const leader = before.find((r) => r.epochs === 3) as RungRow;
  expect(leader).toBeDefined();
  const states = path.join(set.tmp, 'cache-killed', 'states');
  expect(fs.readdirSync(states)).toContain(`${leader.key}-e3.ferstate`);

  const resumed = spawnSync(process.execPath, [BIN, ...evolveFlags('killed'), '--resume', '1'], { encoding: 'utf8' });
  expect(resumed.stderr).not.toMatch(/fer-ga:/);
  expect(resumed.status).toBe(0);
  const end = JSON.parse(resumed.stdout) as EvolveJson;

  // The resumed run trained only what no stored rung covers: each key from its furthest stored rung.
  const storedEpochs = new Map<string, number>();
  for (const r of before) storedEpochs.set(r.key, Math.max(storedEpochs.get(r.key) ?? 0, r.epochs));
  const alreadyTrained = [...storedEpochs.values()].reduce((a, b) => a + b, 0);
  expect(end.epochsTrained).toBe(whole.epochsTrained - alreadyTrained);
  expect(end.epochsTrained).toBe(6);
  // Every rung stored before the kill is still the same row: none was trained again.
  const after = rungs('killed');
  for (const row of before) expect(after).toContainEqual(row);
  expect(runRungs('killed')).toEqual(runRungs('reference'));

  // The continued trial picked up at epoch 3 from the saved state, and its state files are gone.
  const [trial] = fullTrials('killed');
  expect(trial.key).toBe(leader.key);
  expect(trial.folds.map((f) => [f.resumedFromEpoch, f.epochsTrained])).toEqual([[3, 6]]);
  expect(fs.readdirSync(states).filter((f) => f.startsWith(leader.key))).toEqual([]);

  // The same end as the run that was never stopped: pick, history, every candidate's rungs, the full trial's numbers.
  expect(end.best).toEqual(whole.best);
  expect(end.history).toEqual(whole.history);
  expect(state('killed')).toEqual(state('reference'));
  expect(after.map(({ created_at: _c, ...r }) => r)).toEqual(rungs('reference').map(({ created_at: _c, ...r }) => r));
  const [uninterrupted] = fullTrials('reference');
  expect(trial.fitness).toBe(uninterrupted.fitness);
  expect(withoutTimes(trial.folds)).toEqual(withoutTimes(uninterrupted.folds));
});
