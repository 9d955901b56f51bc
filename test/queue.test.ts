/**
 * Trials on a queue, end to end: a real redis-server, real `fer-ga worker` processes and a
 * coordinator (`evolve --queue`) whose study ends as the same evolve run on one machine —
 * also when a worker and the coordinator are SIGKILLed on the way.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import Database from 'better-sqlite3';

import { writeSyntheticDataset } from '../src/data/synthetic';
import { writeSafetensors } from '../src/weights/weights';
import { BIN } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';

let tmp: string;
let dataFlags: string[];
let evolve: string[];
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-queue-'));
  // Enough images that trials differ in accuracy (so equal results mean something), few enough for a trial in about a second.
  await writeSyntheticDataset(path.join(tmp, 'faces'), { subjects: 8, imagesPerClass: 2, seed: 4 });
  dataFlags = ['--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'),
    '--epochs', '1', '--batch-size', '8', '--lr', '0.01', '--seed', '3', '--threads', '1'];
  evolve = ['evolve', '--fidelity', 'full', ...dataFlags, '--model', 'googlenet', '--generations', '3', '--population', '4', '--json'];
});

const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Child {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Calls `when` on each stderr line as it comes. */
  onLine: (when: (line: string) => void) => void;
  exited: Promise<number | null>;
}

function start(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stdout = '';
  let stderr = '';
  const watchers: Array<(line: string) => void> = [];
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    const from = stderr.lastIndexOf('\n') + 1;
    stderr += chunk.toString();
    // Whole lines only: a chunk may end inside one.
    const lines = stderr.slice(from, stderr.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
    for (const line of lines) for (const watch of watchers) watch(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, onLine: (when) => watchers.push(when), exited };
}

/** `count` workers, one thread each, each with a cache of its own; resolves once every one takes trials. */
async function startWorkers(url: string, count: number, name: string): Promise<Child[]> {
  const workers = Array.from({ length: count }, (_, i) =>
    start(['worker', '--queue', url, '--device', 'cpu', '--threads', '1', '--cache', path.join(tmp, `${name}-${i}`), '--lock-seconds', '3']),
  );
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.onLine((line) => line.includes('taking trials') && resolve());
          void worker.exited.then(() => reject(new Error(`a worker exited before taking trials:\n${worker.stderr()}`)));
        }),
    ),
  );
  return workers;
}

/** Resolves once any of `children` has written a line holding `text` (at once if one has already). */
function untilLine(children: Child[], text: string): Promise<void> {
  return new Promise((resolve) => {
    if (children.some((child) => child.stderr().includes(text))) resolve();
    for (const child of children) child.onLine((line) => line.includes(text) && resolve());
  });
}

/** A graceful stop (SIGTERM): each worker finishes what it holds and exits 0. */
async function stopWorkers(workers: Child[]): Promise<void> {
  for (const worker of workers) worker.child.kill('SIGTERM');
  for (const worker of workers) if (worker.child.signalCode === null) expect(await worker.exited).toBe(0);
}

/** The trials each worker trained to the end, by the first 12 hex digits of their keys (its log's 'finished' lines). */
function finishedBy(worker: Child): string[] {
  return [...worker.stderr().matchAll(/^trial ([0-9a-f]{12}) .*: finished/gm)].map((m) => m[1]);
}

/** Reads a results file as a user's own tools would: straight through SQLite, read-only. */
function readDb<T>(db: string, read: (handle: Database.Database) => T): T {
  const handle = new Database(db, { readonly: true });
  try {
    return read(handle);
  } finally {
    handle.close();
  }
}

/** A results file's trials as they depend on the training: key, accuracy, and every epoch's losses and accuracies. */
function storedTrials(db: string): Array<{ key: string; fitness: number; history: unknown }> {
  const rows = readDb(db, (h) => h.prepare('SELECT key, fitness, result FROM trials ORDER BY key').all() as Array<{ key: string; fitness: number; result: string }>);
  return rows.map((row) => ({
    key: row.key,
    fitness: row.fitness,
    history: (JSON.parse(row.result) as { folds: Array<{ history: Array<Record<string, unknown>> }> }).folds.map((fold) =>
      fold.history.map(({ seconds: _time, ...epoch }) => epoch),
    ),
  }));
}

const runState = (db: string): unknown => readDb(db, (h) => JSON.parse((h.prepare('SELECT state FROM runs WHERE id = 1').get() as { state: string }).state));

interface EvolveJson {
  best: unknown;
  history: unknown[];
  distinct: number;
  evaluations: number;
}

/** A command run to its end without blocking this process, which reads the workers' logs meanwhile. */
async function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = start(args);
  const status = await child.exited;
  return { status, stdout: child.stdout(), stderr: child.stderr() };
}

async function finishedRun(coordinator: Child): Promise<EvolveJson> {
  const code = await coordinator.exited;
  expect(coordinator.stderr()).not.toMatch(/fer-ga:/);
  expect(code).toBe(0);
  return JSON.parse(coordinator.stdout()) as EvolveJson;
}

describe('evolve --queue', () => {
  let reference: EvolveJson;
  let referenceDb: string;
  beforeAll(() => {
    referenceDb = path.join(tmp, 'local.db');
    const local = spawnSync(process.execPath, [BIN, ...evolve, '--db', referenceDb], { encoding: 'utf8' });
    expect(local.stderr).not.toMatch(/fer-ga:/);
    reference = JSON.parse(local.stdout) as EvolveJson;
    // Trials that differ, or the comparisons below would prove little.
    expect(new Set(storedTrials(referenceDb).map((t) => t.fitness)).size).toBeGreaterThan(1);
  });

  interface Study {
    redis: RedisServer;
    workers: Child[];
    db: string;
    /** `evolve --queue`, started once the workers take trials. */
    coordinator: Child;
  }

  /** A fresh Redis with `count` workers and a coordinator running the study on it; Redis is stopped however `work` ends. */
  async function onQueue(name: string, count: number, work: (study: Study) => Promise<void>): Promise<void> {
    const redis = await startRedis();
    const study = { redis } as Study;
    try {
      study.workers = await startWorkers(redis.url, count, name);
      study.db = path.join(tmp, `${name}.db`);
      study.coordinator = start([...evolve, '--db', study.db, '--queue', redis.url]);
      await work(study);
    } finally {
      await study.redis.stop();
    }
  }

  /** What both runs must share: the GA's end and every trial it trained, number for number. */
  function expectSameStudy(db: string, run: EvolveJson): void {
    expect(run.best).toEqual(reference.best);
    expect(run.history).toEqual(reference.history);
    expect(run.evaluations).toBe(reference.evaluations);
    expect(run.distinct).toBe(reference.distinct);
    expect(storedTrials(db)).toEqual(storedTrials(referenceDb));
    expect(runState(db)).toEqual(runState(referenceDb));
  }

  test('three workers and a coordinator end the study as the same evolve run on one machine', () =>
    onQueue('calm', 3, async ({ workers, db, coordinator }) => {
      expectSameStudy(db, await finishedRun(coordinator));
      // Progress comes back as the same lines a local training writes.
      expect(coordinator.stderr()).toMatch(/^googlenet [a-z-]+\+[a-z]+: fold 1\/1 epoch 1\/1$/m);
      await stopWorkers(workers);
      const finished = workers.flatMap(finishedBy);
      expect(finished.sort()).toEqual(storedTrials(db).map((t) => t.key.slice(0, 12)));
      // A whole generation is queued at once: more than one worker trained.
      expect(workers.filter((w) => finishedBy(w).length > 0).length).toBeGreaterThan(1);
    }));

  test('a worker and the coordinator SIGKILLed mid-study: resumed, the same study, no trial trained twice, none lost', () =>
    onQueue('faulty', 3, async ({ redis, workers, db, coordinator }) => {
      // The first worker to start a trial is killed in the middle of it; when another finishes one, the coordinator.
      let victim: { worker: Child; key: string } | undefined;
      for (const worker of workers) {
        worker.onLine((line) => {
          const started = /^trial ([0-9a-f]{12}) .*: started/.exec(line);
          if (started && !victim) {
            worker.child.kill('SIGKILL');
            victim = { worker, key: started[1] };
          }
          if (/: finished/.test(line) && victim && worker !== victim.worker && coordinator.child.exitCode === null) coordinator.child.kill('SIGKILL');
        });
      }
      await coordinator.exited;
      expect(coordinator.child.signalCode).toBe('SIGKILL');
      expect(victim).toBeDefined();
      const killed = victim as { worker: Child; key: string };
      expect(killed.worker.child.signalCode).toBe('SIGKILL');
      // Stopped in its first generation: the resumed coordinator has trials to wait for again.
      expect(storedTrials(db).length).toBeLessThan(reference.distinct);

      const resumed = start([...evolve, '--db', db, '--resume', '1', '--queue', redis.url]);
      expectSameStudy(db, await finishedRun(resumed));
      const alive = workers.filter((w) => w !== killed.worker);
      await stopWorkers(alive);
      // Every trial trained to the end exactly once, the killed worker's by another worker.
      expect(finishedBy(killed.worker)).not.toContain(killed.key);
      expect(alive.flatMap(finishedBy)).toContain(killed.key);
      const finished = workers.flatMap(finishedBy).sort();
      expect(finished).toEqual(storedTrials(db).map((t) => t.key.slice(0, 12)));
    }));

  test('Ctrl-C stops the coordinator waiting, not the trials it queued: exit 130, and --resume with --queue ends the study', () =>
    onQueue('interrupted', 2, async ({ redis, workers, db, coordinator }) => {
      await untilLine(workers, ': started');
      coordinator.child.kill('SIGINT');
      expect(await coordinator.exited).toBe(130);
      expect(coordinator.stderr()).toContain(`fer-ga: stopped; the state is saved: resume with fer-ga evolve --resume 1 --db ${db} --queue ${redis.url}\n`);
      // The trial in hand goes on to the end with no coordinator waiting for it.
      await untilLine(workers, ': finished');
      expectSameStudy(db, await finishedRun(start([...evolve, '--db', db, '--resume', '1', '--queue', redis.url])));
      await stopWorkers(workers);
      expect(workers.flatMap(finishedBy).sort()).toEqual(storedTrials(db).map((t) => t.key.slice(0, 12)));
    }));

  test('Redis restarted mid-study with its data lost: the coordinator queues its trials again, the study ends the same', () =>
    onQueue('restart', 2, async (study) => {
      const { workers, db, coordinator } = study;
      await untilLine(workers, ': finished');
      await study.redis.stop();
      study.redis = await startRedis({ port: study.redis.port });
      expectSameStudy(db, await finishedRun(coordinator));
      expect(coordinator.stderr()).toMatch(/connection lost, reconnecting\n[^]*reconnected\n/);
      await stopWorkers(workers);
    }));
});

describe('trials that fail on the queue', () => {
  let redis: RedisServer;
  let worker: Child;
  let badWeights: string;
  beforeAll(async () => {
    redis = await startRedis();
    [worker] = await startWorkers(redis.url, 1, 'failing');
    // Weights no network has: every trial starting from them fails on the worker, and no retry can help.
    badWeights = path.join(tmp, 'foreign.safetensors');
    writeSafetensors(badWeights, [{ name: 'foreign.weight', shape: [2], data: new Float32Array(2) }]);
  });
  afterAll(async () => {
    await stopWorkers([worker]);
    await redis.stop();
  });

  function grid(db: string) {
    return run(['grid', ...dataFlags, '--models', 'googlenet', '--optimizers', 'adam', '--activations', 'relu,elu', '--weights', badWeights, '--db', db, '--json', '--queue', redis.url]);
  }

  test('are stored as failed with their error and scored 0; the run goes on, and a later run asks again', async () => {
    const db = path.join(tmp, 'failing.db');
    const first = await grid(db);
    expect(first.status).toBe(0);
    const out = JSON.parse(first.stdout) as { rows: Array<{ activation: string; accuracy: number; failed?: string }>; failed: number; trainings: number };
    expect(out.failed).toBe(2);
    expect(out.trainings).toBe(0);
    for (const row of out.rows) {
      expect(row.accuracy).toBe(0);
      expect(row.failed).toMatch(/foreign\.weight/);
    }
    expect(first.stderr).toMatch(/^googlenet relu\+adam: failed, scored 0 \(trial [0-9a-f]{64} failed after 1 attempt: .*foreign\.weight/m);
    expect(readDb(db, (h) => h.prepare('SELECT (SELECT COUNT(*) FROM trials) AS trials, (SELECT COUNT(*) FROM run_trials) AS links').get())).toEqual({ trials: 0, links: 0 });
    const failed = readDb(db, (h) => h.prepare('SELECT error, attempts FROM failed_trials').all() as Array<{ error: string; attempts: number }>);
    expect(failed).toHaveLength(2);
    for (const row of failed) {
      expect(row.error).toMatch(/foreign\.weight/);
      expect(row.attempts).toBe(1);
    }
    const report = await run(['report', '--db', db]);
    expect(report.status).toBe(0);
    expect(report.stdout).toMatch(/## Failed trials/);
    expect(report.stdout.match(/^\| [0-9a-f]{12} \| 1 \| .*foreign\.weight/gm)).toHaveLength(2);

    // The same grid again: the failed trials are queued again (and fail again), not taken as results.
    const starts = () => (worker.stderr().match(/: started/g) ?? []).length;
    const before = starts();
    expect((await grid(db)).status).toBe(0);
    expect(starts()).toBe(before + 2);

    // One trial on its own: its failure is the command's.
    const train = await run(['train', ...dataFlags, '--model', 'googlenet', '--weights', badWeights, '--db', db, '--queue', redis.url]);
    expect(train.status).toBe(1);
    expect(train.stderr).toMatch(/^fer-ga: trial [0-9a-f]{64} failed on the queue: .*foreign\.weight/m);
  });

  test('an unreachable --queue is one line naming it, exit 2, before any data set is prepared', () => {
    const cache = path.join(tmp, 'never-made');
    for (const command of ['train', 'grid', 'evolve']) {
      const args = [command, '--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--cache', cache, '--db', path.join(tmp, 'never.db')];
      const result = spawnSync(process.execPath, [BIN, ...args, '--queue', 'redis://127.0.0.1:1'], { encoding: 'utf8' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^fer-ga: --queue redis:\/\/127\.0\.0\.1:1: cannot reach Redis \(.+\)\n$/);
    }
    expect(fs.existsSync(cache)).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'never.db'))).toBe(false);
  });
});
