/**
 * A rung that fails for good on the queue is a failed candidate, as a failed cell is under
 * --fidelity full: the run goes on, says so, records it among the failed trials, exits 0,
 * and picks among what trained. Workers run the stand-in addon (FER_GA_ADDON), whose
 * scripted cell fails on every attempt.
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { BIN, smallSet, type SmallSet } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';

const STAND_IN = path.resolve(__dirname, 'helpers/stand-in-addon.js');

let set: SmallSet;
let redis: RedisServer;
let worker: ChildProcess | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  set = await smallSet('halving-failures');
  redis = await startRedis();
  const script = path.join(set.tmp, 'script.json');
  fs.writeFileSync(
    script,
    JSON.stringify({
      cells: {
        'relu+adam': { final: 0.9, start: 0.5 },
        'relu+rmsprop': { fail: 'native: out of memory' },
        'relu+sgdm': { final: 0.4, start: 0.2 },
      },
    }),
  );
  env = { ...process.env, FER_GA_ADDON: STAND_IN, FER_GA_STAND_IN: script };
  worker = spawn(process.execPath, [BIN, 'worker', '--queue', redis.url, '--device', 'cpu', '--cache', path.join(set.tmp, 'worker'), '--lock-seconds', '3'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  let log = '';
  await new Promise<void>((resolve) => {
    worker?.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('taking trials')) resolve();
    });
  });
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await redis.stop();
  fs.rmSync(set.tmp, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

function failedKeys(db: string): string[] {
  const file = new Database(db, { readonly: true });
  try {
    return (file.prepare('SELECT key FROM failed_trials').all() as Array<{ key: string }>).map((r) => r.key);
  } finally {
    file.close();
  }
}

const study = (db: string) => [...set.flags, '--epochs', '4', '--fidelity', 'halving', '--min-epochs', '1', '--eta', '2', '--queue', redis.url, '--db', db, '--json'];

test('halving grid on the queue: the failed cell is a failed row, the best is among the rest, exit 0', async () => {
  const db = path.join(set.tmp, 'grid.db');
  const result = await run(['grid', ...study(db), '--models', 'googlenet', '--activations', 'relu', '--optimizers', 'sgdm,rmsprop,adam']);
  expect(result.stderr).not.toMatch(/^fer-ga:/m);
  expect(result.status).toBe(0);
  expect(result.stderr).toMatch(/failed/);
  const grid = JSON.parse(result.stdout) as { rows: Array<{ optimizer: string; failed?: string; key: string }>; best: { optimizer: string; epochs: number }; failed: number };
  const failed = grid.rows.find((r) => r.optimizer === 'rmsprop');
  expect(failed?.failed).toMatch(/out of memory/);
  expect(grid.failed).toBe(1);
  expect(grid.best).toMatchObject({ optimizer: 'adam', epochs: 4 });
  expect(failedKeys(db)).toEqual([failed?.key]);
}, 120000);

test('halving evolve on the queue: a genome that fails is not the pick and the run ends normally', async () => {
  const db = path.join(set.tmp, 'evolve.db');
  const result = await run(['evolve', ...study(db), '--model', 'googlenet', '--genes', 'optimizer', '--activation', 'relu', '--population', '4', '--generations', '2']);
  expect(result.stderr).not.toMatch(/^fer-ga:/m);
  expect(result.status).toBe(0);
  const evolved = JSON.parse(result.stdout) as { best: { genes: Record<string, string>; accuracy: number; epochs: number } };
  expect(evolved.best.genes.optimizer).toBe('adam');
  expect(evolved.best.accuracy).toBeCloseTo(0.9, 12);
  expect(failedKeys(db).length).toBeGreaterThan(0);
}, 120000);
