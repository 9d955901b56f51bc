/**
 * A queued trial survives its workers: as many deaths as it has attempts. Two workers are
 * SIGKILLed in turn in the middle of one trial; a third completes it, and the coordinator
 * (`train --queue`) stores the record a local `train` of the same trial stores.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { BIN, smallSet, type SmallSet } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';

let set: SmallSet;
let redis: RedisServer;
const running: ChildProcess[] = [];

beforeAll(async () => {
  set = await smallSet('queue-survival');
  redis = await startRedis();
});

afterAll(async () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await redis.stop();
  fs.rmSync(set.tmp, { recursive: true, force: true });
});

interface Child {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the process has written `text` (at once when it has). */
  until: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
  exited: Promise<number | null>;
}

function start(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  const waiters: Array<() => void> = [];
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = async (text: string | RegExp, timeoutMs = 60000): Promise<void> => {
    const seen = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
    const deadline = Date.now() + timeoutMs;
    while (!seen()) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before writing ${String(text)}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`no ${String(text)} after ${timeoutMs} ms:\n${output}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { child, output: () => output, until, exited };
}

/** A worker; `--slots`, the old name of `--parallel`, still works. */
function startWorker(name: string, parallel = ['--parallel', '1']): Child {
  return start(['worker', '--queue', redis.url, '--device', 'cpu', '--threads', '1', ...parallel, '--cache', path.join(set.tmp, name), '--lock-seconds', '2']);
}

/** The stored trials as they depend on the training: key, accuracy, every epoch's numbers. */
function storedTrials(db: string): Array<{ key: string; fitness: number; history: unknown }> {
  const handle = new Database(db, { readonly: true });
  try {
    const rows = handle.prepare('SELECT key, fitness, result FROM trials ORDER BY key').all() as Array<{ key: string; fitness: number; result: string }>;
    return rows.map((row) => ({
      key: row.key,
      fitness: row.fitness,
      history: (JSON.parse(row.result) as { folds: Array<{ history: Array<Record<string, unknown>> }> }).folds.map((fold) =>
        fold.history.map(({ seconds: _time, ...epoch }) => epoch),
      ),
    }));
  } finally {
    handle.close();
  }
}

const trial = ['train', '--model', 'googlenet', '--activation', 'elu', '--optimizer', 'adam', '--epochs', '10', '--lr', '0.01', '--seed', '4'];

test('two workers SIGKILLed in turn during one trial: a third completes it, and the stored result is a local run\'s', async () => {
  const first = startWorker('first');
  await first.until('taking trials');
  const db = path.join(set.tmp, 'queued.db');
  const coordinator = start([...trial, ...set.flags, '--db', db, '--queue', redis.url]);

  // Each worker dies in the middle of the trial, once it has trained an epoch.
  await first.until(/: started/);
  await coordinator.until(/epoch 1\/10/);
  const second = startWorker('second');
  await second.until('taking trials');
  first.child.kill('SIGKILL');
  await second.until(/: started \(attempt/);
  await coordinator.until(/epoch 1\/10\n[^]*epoch 1\/10/);
  const third = startWorker('third', ['--slots', '1']);
  await third.until('taking trials');
  second.child.kill('SIGKILL');

  const code = await coordinator.exited;
  expect(coordinator.output()).not.toMatch(/fer-ga:/);
  expect(code).toBe(0);
  await third.until(/: finished/);
  expect(second.output()).not.toMatch(/: finished/);
  third.child.kill('SIGTERM');
  expect(await third.exited).toBe(0);

  const local = spawnSync(process.execPath, [BIN, ...trial, ...set.flags, '--db', path.join(set.tmp, 'local.db')], { encoding: 'utf8' });
  expect(local.status).toBe(0);
  const stored = storedTrials(db);
  expect(stored).toHaveLength(1);
  expect(stored).toEqual(storedTrials(path.join(set.tmp, 'local.db')));
});

/**
 * A worker on a Redis of its own, with `before` run once it takes trials; then Redis is
 * stopped and, once the worker has seen it go, the worker gets SIGTERM. Resolves with its
 * exit code and how long it took to exit.
 */
async function sigtermWithRedisGone(name: string, before: (url: string) => Promise<void> = async () => undefined) {
  const lost = await startRedis();
  const worker = start(['worker', '--queue', lost.url, '--device', 'cpu', '--threads', '1', '--cache', path.join(set.tmp, name), '--lock-seconds', '2']);
  await worker.until('taking trials');
  await before(lost.url);
  await lost.stop();
  await worker.until('lost Redis');
  const sent = Date.now();
  worker.child.kill('SIGTERM');
  const code = await worker.exited;
  return { code, ms: Date.now() - sent, output: worker.output() };
}

test('a worker whose Redis is gone stops on SIGTERM within seconds', async () => {
  const stopped = await sigtermWithRedisGone('orphan');
  expect(stopped.code).toBe(0);
  expect(stopped.ms).toBeLessThan(5000);
  expect(stopped.output).toContain('stopping once its current trials are done');
});

test('a worker whose Redis is gone in the middle of a trial stops on SIGTERM within seconds, leaving the trial to the queue', async () => {
  let coordinator: Child | undefined;
  const stopped = await sigtermWithRedisGone('cut-off', async (url) => {
    coordinator = start([...trial.map((flag) => (flag === '10' ? '200' : flag)), ...set.flags, '--db', path.join(set.tmp, 'cut-off.db'), '--queue', url]);
    await coordinator.until(/epoch 1\/200/);
  });
  coordinator?.child.kill('SIGKILL');
  // The first signal's exit code: stopped with a trial unfinished, as a second signal stops it.
  expect(stopped.code).toBe(143);
  expect(stopped.ms).toBeLessThan(8000);
  expect(stopped.output).toMatch(/Redis unreachable: stopping now; its unfinished trials go back to the queue when their locks lapse/);
  expect(stopped.output).not.toMatch(/: finished/);
});
