/**
 * Halving on a queue: a worker trains each rung, continuing from the state blob of the rung
 * below and sending the state it reached back as a blob; the coordinator's study ends as the
 * same halving evolve run on one machine, rung for rung.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { TRIAL_JOB_VERSION, trialJobId, validateTrialJob } from '../src/queue/trial-job';
import { TRIAL_DEFAULTS } from '../src/study/trials';
import { BIN, smallSet, type SmallSet } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';

let set: SmallSet;
let redis: RedisServer;
let worker: ChildProcess | undefined;
let workerLog = '';
beforeAll(async () => {
  set = await smallSet('queue-halving');
  redis = await startRedis();
});
afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await redis.stop();
  fs.rmSync(set.tmp, { recursive: true, force: true });
});

/** Rungs at 1, 2 and 4 epochs; two generations of four. Each study has a results file and cache folder of its own. */
const evolve = (name: string) => [
  'evolve', ...set.flags.map((flag) => (flag === path.join(set.tmp, 'cache') ? path.join(set.tmp, `cache-${name}`) : flag)),
  '--model', 'googlenet', '--lr', '0.001', '--epochs', '4', '--fidelity', 'halving', '--min-epochs', '1', '--eta', '2',
  '--generations', '2', '--population', '4', '--seed', '3', '--db', path.join(set.tmp, `${name}.db`), '--json',
];

function runAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

function rows<T>(name: string, query: string): T[] {
  const db = new Database(path.join(set.tmp, `${name}.db`), { readonly: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}

interface Fold {
  resumedFromEpoch: number;
  history: Array<Record<string, number>>;
}

/** Every stored result (rungs and full-length trials) as it depends on the training: key, epochs, accuracy, losses. */
function results(name: string) {
  const strip = (result: string) => (JSON.parse(result) as { folds: Fold[] }).folds.map((f) => f.history.map(({ seconds: _s, ...epoch }) => epoch));
  return [
    ...rows<{ key: string; epochs: number; fitness: number; result: string }>(name, 'SELECT key, epochs, fitness, result FROM trial_rungs ORDER BY key, epochs'),
    ...rows<{ key: string; fitness: number; result: string }>(name, 'SELECT key, fitness, result FROM trials ORDER BY key').map((t) => ({ ...t, epochs: 4 })),
  ].map((r) => ({ key: r.key, epochs: r.epochs, fitness: r.fitness, history: strip(r.result) }));
}

test('evolve --fidelity halving --queue: rungs trained by a worker from state blobs end as the same study run here', async () => {
  const local = spawnSync(process.execPath, [BIN, ...evolve('local')], { encoding: 'utf8' });
  expect(local.stderr).not.toMatch(/fer-ga:/);
  expect(local.status).toBe(0);

  worker = spawn(process.execPath, [BIN, 'worker', '--queue', redis.url, '--device', 'cpu', '--threads', '1', '--cache', path.join(set.tmp, 'worker'), '--lock-seconds', '3'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve) => {
    worker?.stderr?.on('data', (chunk: Buffer) => {
      workerLog += chunk.toString();
      if (workerLog.includes('taking trials')) resolve();
    });
  });
  // Not spawnSync: the worker's log is read while the coordinator runs.
  const queued = await runAsync([...evolve('queued'), '--queue', redis.url]);
  expect(queued.stderr).not.toMatch(/fer-ga:/);
  expect(queued.status).toBe(0);

  const here = JSON.parse(local.stdout) as { best: unknown; history: unknown; epochsTrained: number; trainings: number };
  const there = JSON.parse(queued.stdout) as typeof here;
  expect(there.best).toEqual(here.best);
  expect(there.history).toEqual(here.history);
  expect([there.epochsTrained, there.trainings]).toEqual([here.epochsTrained, here.trainings]);
  expect(there.epochsTrained).toBeLessThan(8 * 4);
  expect(results('queued')).toEqual(results('local'));

  // The worker trained every rung, the promotions from the rung below (epochs k+1 to n), never from scratch again.
  const promotions = [...workerLog.matchAll(/^trial [0-9a-f]{12} \S+ \S+ epochs (\d+)-(\d+): finished/gm)].map((m) => [Number(m[1]), Number(m[2])]);
  expect(promotions.length).toBe(there.trainings);
  expect(promotions.filter(([from]) => from > 1).length).toBeGreaterThan(0);
  const [full] = rows<{ result: string }>('queued', 'SELECT result FROM trials');
  expect((JSON.parse(full.result) as { folds: Fold[] }).folds[0].resumedFromEpoch).toBe(2);
  // Where a promotion continues from on the coordinator: the states the worker reached, fetched into its cache's states/.
  const states = fs.readdirSync(path.join(set.tmp, 'cache-queued', 'states')).filter((f) => f.endsWith('.ferstate'));
  expect(states.length).toBeGreaterThan(0);

  worker.kill('SIGTERM');
  await new Promise((resolve) => worker?.once('exit', resolve));
});

describe('a rung job is checked field by field before anything is fetched', () => {
  const hex = (c: string) => c.repeat(64);
  const job = (rung: unknown) => ({
    version: TRIAL_JOB_VERSION,
    key: hex('a'),
    dataset: { fingerprint: hex('b'), packSha256: hex('c'), bytes: 10, name: 'set' },
    weights: null,
    settings: { ...TRIAL_DEFAULTS, model: 'googlenet', activation: 'relu', optimizer: 'adam', epochs: 4 },
    cpuThreads: 1,
    rung,
  });

  test('a rung below the full schedule is its own job; the full schedule is the trial\'s', () => {
    const continued = validateTrialJob(job({ untilEpoch: 2, fromEpoch: 1, states: [{ sha256: hex('d'), bytes: 5 }] }));
    expect(trialJobId(continued)).toBe(`${hex('a')}-e2`);
    expect(trialJobId(validateTrialJob(job({ untilEpoch: 4, fromEpoch: 2, states: [{ sha256: hex('d'), bytes: 5 }] })))).toBe(hex('a'));
  });

  test.each([
    [{ untilEpoch: 5, fromEpoch: 0, states: [] }, /rung\.untilEpoch must be an integer from 1 to 4/],
    [{ untilEpoch: 2, fromEpoch: 2, states: [{ sha256: hex('d'), bytes: 5 }] }, /rung\.fromEpoch must be an integer from 0 to 1/],
    [{ untilEpoch: 2, fromEpoch: 1, states: [] }, /rung\.states must list one state per fold/],
    [{ untilEpoch: 2, fromEpoch: 1, states: [{ sha256: 'x', bytes: 5 }] }, /rung\.states\[0\]\.sha256 must be a SHA-256/],
    [{ untilEpoch: 2, fromEpoch: 0, states: [], resume: '/etc/passwd' }, /rung\.resume is not a field of a trial job/],
  ])('refused: %j', (rung, message) => {
    expect(() => validateTrialJob(job(rung))).toThrow(message);
  });
});
