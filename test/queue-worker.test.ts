/**
 * `fer-ga worker` against a real redis-server: real worker processes take real trials that
 * the test queues the way a coordinator does (BullMQ, job id = key, the data set uploaded
 * as a blob), and fail the ones that are not what they say.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import { prepareDataset, type PreparedDataset } from '../src/data/dataset';
import { TrainedModel } from '../src/binding/model';
import { blobMeta, fetchBlob, putBlob, putFileBlob } from '../src/queue/blobs';
import { connect, CUDA_TRIAL_QUEUE, KEY_PREFIX, TRIAL_QUEUE } from '../src/queue/connection';
import { QueueTrainer } from '../src/queue/queue-trainer';
import { stateTag } from '../src/queue/state-blobs';
import { TRIAL_JOB_VERSION, type TrialJob, type TrialJobResult } from '../src/queue/trial-job';
import { WORKERS_KEY } from '../src/queue/worker-registry';
import { keyOfTrial } from '../src/study/trial-key';
import { TRIAL_DEFAULTS, trainTrialRecord, type TrialSettings } from '../src/study/trials';
import { loadWeights } from '../src/weights/weights';
import { BIN, smallSet, type SmallSet } from './helpers/cli';
import { startRedis, type RedisServer } from './helpers/redis';

const LOCK_SECONDS = 2;

let server: RedisServer;
let set: SmallSet;
let packed: PreparedDataset;
let pack: { sha256: string; bytes: number };
let redis: Redis;
let queue: Queue;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  server = await startRedis();
  set = await smallSet('queue-worker');
  packed = await prepareDataset(`folder:${path.join(set.tmp, 'faces')}`, { size: 16, face: 'none', cacheDir: path.join(set.tmp, 'cache') });
  redis = connect(server.url);
  pack = await putFileBlob(redis, packed.file);
  queue = new Queue(TRIAL_QUEUE, { connection: redis, prefix: KEY_PREFIX });
});

afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await queue.close();
  redis.disconnect();
  await server.stop();
  fs.rmSync(set.tmp, { recursive: true, force: true });
});

function settingsWith(overrides: Partial<TrialSettings> = {}): TrialSettings {
  return { ...TRIAL_DEFAULTS, model: 'resnet50', activation: 'relu', optimizer: 'adam', epochs: 1, batchSize: 8, ...overrides };
}

/** A job as a coordinator builds it, for the prepared set. */
function trialJob(overrides: Partial<TrialSettings> = {}): TrialJob {
  const settings = settingsWith(overrides);
  return {
    version: TRIAL_JOB_VERSION,
    key: keyOfTrial(packed, settings, null, 1),
    dataset: { fingerprint: packed.header.fingerprint, packSha256: pack.sha256, bytes: pack.bytes, name: packed.header.dataset },
    weights: null,
    settings,
    cpuThreads: 1,
  };
}

/** Queues a job new to this test (an id that exists would be a no-op). */
async function add(data: unknown, jobId: string): Promise<Job> {
  expect(await Job.fromId(queue, jobId)).toBeUndefined();
  return queue.add('trial', data, { jobId, attempts: 3, backoff: { type: 'fixed', delay: 1000 } });
}

const randomSha = () => crypto.randomBytes(32).toString('hex');

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The job once it has completed or failed. */
async function finished(id: string, timeoutMs = 30000): Promise<Job> {
  await until(`job ${id} to finish`, async () => {
    const state = await queue.getJobState(id);
    return state === 'completed' || state === 'failed' ? true : undefined;
  }, timeoutMs);
  return (await Job.fromId(queue, id)) as Job;
}

interface WorkerProcess {
  child: ChildProcess;
  id: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startWorker(name: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', server.url, '--device', 'cpu', '--threads', '1',
    '--cache', path.join(set.tmp, `worker-${name}`), '--lock-seconds', String(LOCK_SECONDS)], { stdio: ['ignore', 'ignore', 'pipe'] });
  workers.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await until(`worker ${name} to start`, async () => (stderr.includes('taking trials') ? true : child.exitCode !== null ? true : undefined));
  expect(stderr).toContain('taking trials');
  return { child, id: `${os.hostname()}/${child.pid}`, stderr: () => stderr, exited };
}

/** Waits until the job has reported an epoch (the worker is mid-trial). */
async function training(id: string): Promise<void> {
  await until(`job ${id} to report progress`, async () => {
    const job = await Job.fromId(queue, id);
    return job && typeof job.progress === 'object' ? true : undefined;
  });
}

describe('blobs', () => {
  test('a file uploaded once is fetched whole and verified, with its extension', async () => {
    const meta = await blobMeta(redis, pack.sha256);
    expect(meta).toEqual({ sha256: pack.sha256, bytes: fs.statSync(packed.file).size, chunks: 1, ext: '.fergapack' });
    const copy = path.join(set.tmp, 'fetched', 'copy.fergapack');
    await fetchBlob(redis, pack.sha256, copy);
    expect(fs.readFileSync(copy).equals(fs.readFileSync(packed.file))).toBe(true);

    // Three chunks, the last one short.
    const bytes = crypto.randomBytes(2 * (1 << 20) + 5);
    const sha = await putBlob(redis, bytes);
    expect(sha).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect((await blobMeta(redis, sha))?.chunks).toBe(3);
    // A damaged chunk is refused, naming the hash, and leaves no file.
    await redis.set(`${KEY_PREFIX}:blob:${sha}:1`, 'damaged');
    const target = path.join(set.tmp, 'fetched', 'damaged.bin');
    await expect(fetchBlob(redis, sha, target)).rejects.toThrow(new RegExp(`blob ${sha}: its \\d+ bytes hash to`));
    expect(fs.readdirSync(path.dirname(target))).toEqual(['copy.fergapack']);
    await expect(fetchBlob(redis, randomSha(), target)).rejects.toThrow(/is not in Redis/);
  });
});

describe('fer-ga worker', () => {
  test('an unreachable --queue is one line naming it, exit 2, before anything else', () => {
    for (const args of [['worker'], ['queue', 'status']]) {
      const result = spawnSync(process.execPath, [BIN, ...args, '--queue', 'redis://127.0.0.1:1'], { encoding: 'utf8' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^fer-ga: --queue redis:\/\/127\.0\.0\.1:1: cannot reach Redis \(.+\)\n$/);
    }
  });

  test('a device this machine lacks is refused at start, in one line', () => {
    const result = spawnSync(process.execPath, [BIN, 'worker', '--queue', server.url, '--device', 'cuda:7'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^fer-ga: --device cuda:7(: this libtorch sees no CUDA device| does not exist \(\d+ CUDA device\(s\)\))\n$/);
  });

  let a: WorkerProcess;

  test('trains a queued trial from the data set it fetches by hash: the key, accuracy and history a local run gives', async () => {
    a = await startWorker('a');
    const job = trialJob();
    await add(job, job.key);
    const done = await finished(job.key);
    expect(await done.getState()).toBe('completed');
    const { trial, worker } = done.returnvalue as TrialJobResult;
    expect(worker).toBe(a.id);
    expect(trial.key).toBe(job.key);
    expect(trial.fingerprint).toBe(packed.header.fingerprint);
    expect(trial.dataset).toBe(packed.header.dataset);
    expect(trial.fitness).toBeGreaterThanOrEqual(0);
    expect(trial.fitness).toBeLessThanOrEqual(1);
    expect(trial.settings).toMatchObject({ device: 'cpu', threads: 1 });
    const folds = (trial.result as { folds: Array<{ history: unknown[] }> }).folds;
    expect(folds[0].history).toHaveLength(1);
    expect(fs.existsSync(path.join(set.tmp, 'worker-a', 'queue', 'packs', `${pack.sha256}.fergapack`))).toBe(true);
    expect(a.stderr()).toMatch(/trial [0-9a-f]{12} resnet50 relu\+adam: started[^\n]*\n[^]*finished, validation accuracy/);

    const local = await trainTrialRecord(job.key, packed, settingsWith(), null, { device: 'cpu', threads: 1 }, { checkpoint: path.join(set.tmp, 'local.ckpt') });
    expect(trial.fitness).toBe(local.fitness);
    const withoutTimes = (history: unknown[]) => history.map((epoch) => ({ ...(epoch as object), seconds: undefined }));
    expect(withoutTimes(folds[0].history)).toEqual(withoutTimes((local.result as { folds: Array<{ history: unknown[] }> }).folds[0].history));
  });

  test('a trial from weights: fetched by hash, kept in their format, in the key', async () => {
    const file = path.join(set.tmp, 'tuned.safetensors');
    await (await TrainedModel.load(path.join(set.tmp, 'local.ckpt'))).exportSafetensors(file);
    const weights = await putFileBlob(redis, file);
    const settings = settingsWith({ weightsFile: file, freezeEpochs: 1 });
    // Shipped by the file's bytes, keyed by its tensors.
    const tensors = (await loadWeights(file)).sha256;
    const job: TrialJob = { ...trialJob(), key: keyOfTrial(packed, settings, tensors, 1), weights, settings: { ...settingsWith(), freezeEpochs: 1 } };
    await add(job, job.key);
    const done = await finished(job.key);
    expect(done.failedReason).toBeUndefined();
    const { trial } = done.returnvalue as TrialJobResult;
    expect(trial.key).toBe(job.key);
    expect(trial.settings).toMatchObject({ weightsSha256: tensors, freezeEpochs: 1 });
    // The worker's copy is its own business: the record names the weights by hash only.
    expect(trial.settings.weightsFile).toBeUndefined();
    expect(fs.readdirSync(path.join(set.tmp, 'worker-a', 'queue', 'weights'))).toEqual([`${weights.sha256}.safetensors`]);
  });

  test('a job that is not what it says fails at once, without retries, naming what differs', async () => {
    const wrongKey = { ...trialJob(), key: randomSha() };
    const invalid = { ...trialJob(), settings: { ...trialJob().settings, activation: 'rm -rf /' } };
    const otherData = { ...trialJob({ seed: 2 }), dataset: { ...trialJob().dataset, fingerprint: randomSha() } };
    const missingPack = { ...trialJob({ seed: 3 }), dataset: { ...trialJob().dataset, packSha256: randomSha() } };
    const cases: Array<[unknown, string, RegExp]> = [
      [wrongKey, wrongKey.key, new RegExp(`key ${wrongKey.key} is not the key of its data set, settings and weights \\(${trialJob().key}\\); not trained`)],
      [invalid, randomSha(), /^trial job: settings\.activation must be one of /],
      [otherData, otherData.key, new RegExp(`pack ${pack.sha256} holds data set ${packed.header.fingerprint}, not ${otherData.dataset.fingerprint}; not trained`)],
      [missingPack, missingPack.key, new RegExp(`blob ${missingPack.dataset.packSha256} is not in Redis`)],
    ];
    for (const [data, id] of cases) await add(data, id);
    for (const [, id, reason] of cases) {
      const job = await finished(id);
      expect(await job.getState()).toBe('failed');
      expect(job.failedReason).toMatch(reason);
      expect(job.attemptsMade).toBe(1);
    }
  });

  test('queue status shows the counts and the workers', () => {
    const result = spawnSync(process.execPath, [BIN, 'queue', 'status', '--queue', server.url, '--json'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    const status = JSON.parse(result.stdout) as { counts: Record<string, number>; workers: Array<Record<string, unknown>> };
    expect(status.counts).toEqual({ waiting: 0, active: 0, completed: 2, failed: 4, delayed: 0 });
    expect(status.workers).toEqual([
      expect.objectContaining({ id: a.id, pid: a.child.pid, device: 'cpu', slots: 1, threads: 1, current: [], trialsDone: 2, trialsFailed: 4, lost: false }),
    ]);
    const text = spawnSync(process.execPath, [BIN, 'queue', 'status', '--queue', server.url], { encoding: 'utf8' });
    expect(text.stdout).toMatch(/: 0 waiting, 0 active, 2 completed, 4 failed, 0 delayed/);
    expect(text.stdout).toContain(a.id);
  });

  test('SIGTERM: the worker finishes its trial, leaves the registry and exits 0', async () => {
    const job = trialJob({ epochs: 4, seed: 5 });
    await add(job, job.key);
    await training(job.key);
    a.child.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    // It heard the signal mid-trial, and finished the trial after.
    expect(a.stderr().indexOf('stopping once')).toBeLessThan(a.stderr().lastIndexOf('finished'));
    const done = await Job.fromId(queue, job.key);
    expect(await done?.getState()).toBe('completed');
    expect((done?.returnvalue as TrialJobResult).worker).toBe(a.id);
    expect(await redis.hexists(WORKERS_KEY, a.id)).toBe(0);
  });

  let c: WorkerProcess;

  test('a worker killed mid-trial: another takes the trial once its lock lapses, and completes it', async () => {
    const b = await startWorker('b');
    const job = trialJob({ epochs: 3, seed: 6 });
    await add(job, job.key);
    await training(job.key);
    c = await startWorker('c');
    expect(b.stderr()).toContain('started');
    expect(b.stderr()).not.toContain('finished');
    b.child.kill('SIGKILL');
    const done = await finished(job.key);
    expect(await done.getState()).toBe('completed');
    expect((done.returnvalue as TrialJobResult).worker).toBe(c.id);
    expect(done.stalledCounter).toBe(1);
    expect((done.returnvalue as TrialJobResult).trial.key).toBe(job.key);
  });

  test('Redis restarted: the worker reconnects and takes new trials', async () => {
    await server.stop();
    await until('the worker to see Redis gone', async () => (c.stderr().includes('lost Redis') ? true : undefined), 10000);
    server = await startRedis({ port: server.port });
    // Redis came back empty (nothing saved): the coordinator uploads the data set again.
    pack = await putFileBlob(redis, packed.file);
    const job = trialJob({ seed: 8 });
    await add(job, job.key);
    const done = await finished(job.key);
    expect(await done.getState()).toBe('completed');
    expect((done.returnvalue as TrialJobResult).worker).toBe(c.id);
    expect(c.stderr()).toContain('reconnected to Redis');
  });

  test('a second signal stops at once: exit 130, the trial left to the stalled-job check', async () => {
    const job = trialJob({ epochs: 20, seed: 7 });
    await add(job, job.key);
    await training(job.key);
    c.child.kill('SIGINT');
    await until('the first signal to be heard', async () => (c.stderr().includes('stopping once') ? true : undefined), 5000);
    c.child.kill('SIGINT');
    expect(await c.exited).toEqual({ code: 130, signal: null });
    expect(await (await Job.fromId(queue, job.key))?.getState()).toBe('active');
  });
});

describe('jobs a CPU worker does not train', () => {
  test('is never trained by a CPU worker: the coordinator queues it for CUDA workers, and one put on the CPU queue is refused', async () => {
    // The trial the stopped worker left active would keep this one busy: a fresh queue.
    await queue.obliterate({ force: true });
    const d = await startWorker('d');
    const settings = settingsWith({ seed: 9 });
    const cudaJob: TrialJob = { ...trialJob({ seed: 9 }), key: keyOfTrial(packed, settings, null, null), cpuThreads: null };

    // The coordinator queues it where CUDA workers take trials from; the CPU worker never sees it.
    const trainer = await QueueTrainer.open(server.url);
    const cudaQueue = new Queue(CUDA_TRIAL_QUEUE, { connection: redis, prefix: KEY_PREFIX });
    try {
      const stop = new AbortController();
      const waiting = trainer.train(cudaJob.key, packed, settings, null, null, { signal: stop.signal });
      await until('the job on the CUDA queue', async () => ((await cudaQueue.getJobState(cudaJob.key)) === 'waiting' ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 3 * LOCK_SECONDS * 1000));
      expect(await cudaQueue.getJobState(cudaJob.key)).toBe('waiting');
      stop.abort();
      await expect(waiting).rejects.toThrow(/abort/i);
    } finally {
      await trainer.close();
      await cudaQueue.close();
    }

    // Put on the CPU trials' queue all the same: refused at once, not trained.
    await add(cudaJob, cudaJob.key);
    const refused = await finished(cudaJob.key);
    expect(await refused.getState()).toBe('failed');
    expect(refused.failedReason).toBe('trial job: keyed for CUDA, and this worker trains CPU trials only; not trained');
    expect(refused.attemptsMade).toBe(1);
    expect(d.stderr()).toContain('(CPU trials;');
    expect(d.stderr()).not.toMatch(/: started/);
  });

  test('a rung state bound to another trial: refused, not trained from', async () => {
    const settings = settingsWith({ seed: 10, epochs: 2 });
    const key = keyOfTrial(packed, settings, null, 1);
    const other = 'c'.repeat(64);
    const file = path.join(set.tmp, 'other.ferstate');
    fs.writeFileSync(file, 'the state of another trial');
    const state = await putFileBlob(redis, file, { state: stateTag({ key: other, epochs: 1, fold: 1 }) });
    const job: TrialJob = { ...trialJob({ seed: 10, epochs: 2 }), key, rung: { untilEpoch: 2, fromEpoch: 1, states: [state] } };
    await add(job, key);
    const refused = await finished(key);
    expect(await refused.getState()).toBe('failed');
    expect(refused.failedReason).toBe(`rung state of trial ${key.slice(0, 12)}: state ${state.sha256} is the state of ${other}-e1-fold1, not of ${key}-e1-fold1; not trained`);
    expect(refused.attemptsMade).toBe(1);
  });
});
