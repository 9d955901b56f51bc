/**
 * Rung states do not outlive their use: after a halving `evolve` on the queue, the worker
 * holds no state in its cache, and `fer-ga prune` removes every state no run can use from
 * the coordinator's CACHE/states/, the workers' caches and Redis, saying what it freed. A
 * run stopped before its end keeps the states it can continue from.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';
import type { Redis } from 'ioredis';

import { allBlobMetas } from '../src/queue/blobs';
import { connect } from '../src/queue/connection';
import { BIN, smallSet, type SmallSet } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';

let set: SmallSet;
let server: RedisServer;
let redis: Redis;
let worker: ChildProcess;
let workerLog = '';

beforeAll(async () => {
  set = await smallSet('prune');
  server = await startRedis();
  redis = connect(server.url);
  worker = spawn(process.execPath, [BIN, 'worker', '--queue', server.url, '--device', 'cpu', '--threads', '1', '--cache', path.join(set.tmp, 'worker'), '--lock-seconds', '3'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve) => {
    worker.stderr?.on('data', (chunk: Buffer) => {
      workerLog += chunk.toString();
      if (workerLog.includes('taking')) resolve();
    });
  });
});

afterAll(async () => {
  if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  redis.disconnect();
  await server.stop();
  fs.rmSync(set.tmp, { recursive: true, force: true });
});

const cache = () => path.join(set.tmp, 'cache');
const db = () => path.join(set.tmp, 'halving.db');

function stateFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.ferstate')) : [];
}

async function stateBlobs(): Promise<string[]> {
  return (await allBlobMetas(redis)).filter((meta) => meta.ext === '.ferstate' || meta.state !== undefined).map((meta) => meta.state ?? meta.sha256);
}

function prune(args: string[], results = db()): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, 'prune', '--db', results, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function setRunStatus(status: 'running' | 'done'): void {
  const handle = new Database(db());
  try {
    handle.prepare('UPDATE runs SET status = ?').run(status);
  } finally {
    handle.close();
  }
}

test('after a halving evolve on the queue, prune leaves no rung state that no run can use, and says what it freed', async () => {
  const evolve = spawn(process.execPath, [BIN, 'evolve', ...set.flags, '--model', 'googlenet', '--lr', '0.001', '--epochs', '4', '--fidelity', 'halving',
    '--min-epochs', '1', '--eta', '2', '--generations', '1', '--population', '4', '--seed', '3', '--db', db(), '--queue', server.url, '--json']);
  let stderr = '';
  evolve.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => evolve.on('close', resolve));
  expect(stderr).not.toMatch(/fer-ga:/);
  expect(code).toBe(0);

  // The worker dropped each state once the job that continued from it was done.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(stateFiles(path.join(set.tmp, 'worker', 'queue', 'states'))).toEqual([]);
  expect(stateFiles(path.join(set.tmp, 'worker', 'queue', 'reached'))).toEqual([]);
  // A promoted candidate's lower states are gone from Redis; the candidates left at a rung keep theirs until pruned.
  const before = await stateBlobs();
  const local = stateFiles(path.join(cache(), 'states'));
  expect(before.length).toBeGreaterThan(0);
  expect(local.length).toBeGreaterThan(0);
  // One state a worker killed mid-job left behind, in a name no version of this one reads.
  fs.writeFileSync(path.join(set.tmp, 'worker', 'queue', 'states', `${'a'.repeat(64)}.ferstate`), 'left behind');

  // A run stopped before its end (as Ctrl-C leaves it) can still continue from the furthest state of each candidate: kept.
  setRunStatus('running');
  const kept = prune(['--cache', cache(), '--queue', server.url, '--json']);
  expect(kept.stderr).toBe('');
  expect(kept.status).toBe(0);
  const keptReport = JSON.parse(kept.stdout) as { kept: number; freedBytes: number };
  expect(keptReport.kept).toBe(local.length + before.length);
  expect(stateFiles(path.join(cache(), 'states'))).toEqual(local);
  expect((await stateBlobs()).sort()).toEqual([...before].sort());

  // Done: nothing can use them.
  setRunStatus('done');
  const pruned = prune(['--cache', cache(), '--queue', server.url, '--json']);
  expect(pruned.status).toBe(0);
  const report = JSON.parse(pruned.stdout) as { states: { count: number; bytes: number }; redis: { count: number; bytes: number }; kept: number; freedBytes: number };
  expect(report.states.count).toBe(local.length);
  expect(report.redis.count).toBe(before.length);
  expect(report.kept).toBe(0);
  expect(report.freedBytes).toBe(report.states.bytes + report.redis.bytes);
  expect(report.freedBytes).toBeGreaterThan(0);
  expect(stateFiles(path.join(cache(), 'states'))).toEqual([]);
  expect(await stateBlobs()).toEqual([]);

  // A worker's cache, in words.
  const workerCache = prune(['--cache', path.join(set.tmp, 'worker')]);
  expect(workerCache.status).toBe(0);
  expect(workerCache.stdout).toMatch(/^freed 11 bytes of rung states: 0 files \(0 B\) in .*\/states, 1 file \(11 B\) in .*\/queue; kept 0 that unfinished runs can use\n$/);
  expect(stateFiles(path.join(set.tmp, 'worker', 'queue', 'states'))).toEqual([]);

  // Nothing is left to free.
  expect(prune(['--cache', cache(), '--queue', server.url]).stdout).toMatch(/^freed 0 bytes of rung states: 0 files \(0 B\) in .*, 0 files \(0 B\) in .*, 0 blobs \(0 B\) in Redis; kept 0/);
  expect(prune(['--cache', cache()], path.join(set.tmp, 'none.db')).stderr).toMatch(/^fer-ga: --db .*none\.db: no such results file/);
});
