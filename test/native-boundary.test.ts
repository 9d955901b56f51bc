/**
 * What JS can do to a trial while it trains, and what it must never cause: a crash, a
 * result computed from other bytes than those given, a false claim about how it ended.
 */
import { spawn, spawnSync } from 'child_process';
import path from 'path';

import { trainNetwork } from '../src';
import type { TrainNetworkOptions } from '../src';
import { native } from '../src/binding/native';
import { makePatterns, PATTERN_CLASSES, range } from './helpers/patterns';

const CHILD = path.join(__dirname, 'helpers', 'training-child.js');

/** How a child ended: a signal here means the process crashed. */
function endOfChild(mode: string): Promise<{ signal: NodeJS.Signals | null; status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', CHILD, mode], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ signal, status, stderr }));
  });
}

const SIZE = 32;
const base: TrainNetworkOptions = {
  model: 'googlenet',
  classes: PATTERN_CLASSES,
  channels: 1,
  size: SIZE,
  batchSize: 16,
  epochs: 2,
  threads: 1,
  seed: 11,
};
const split = { trainIndices: range(0, 48), validationIndices: range(48, 64) };
const losses = (history: Array<{ trainLoss: number; validationLoss: number }>) => history.map((e) => [e.trainLoss, e.validationLoss]);

describe('the images a trial trains on are its own', () => {
  test('images transferred away (structuredClone) and collected, or read through a getter that returns another array each time: no crash, and the trial trains on the bytes it was given', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', CHILD, 'transfer,getter'], { encoding: 'utf8', timeout: 120_000 });
    expect({ signal: child.signal, status: child.status, stderr: child.stderr }).toEqual({ signal: null, status: 0, stderr: '' });
    const { undisturbed, transfer, getter } = JSON.parse(child.stdout) as Record<string, number[][]>;
    expect(undisturbed).toHaveLength(2);
    expect(transfer).toEqual(undisturbed);
    expect(getter).toEqual(undisturbed);
  });

  test('bytes changed by JS after the trial started do not change its result', async () => {
    const make = () => makePatterns(64, SIZE, 3);
    const undisturbed = await trainNetwork({ ...make(), ...split }, base);
    const patterns = make();
    const training = trainNetwork({ ...patterns, ...split }, base);
    patterns.images.fill(0);
    const disturbed = await training;
    expect(losses(disturbed.history)).toEqual(losses(undisturbed.history));
  });
});

describe('a trial that ends badly says so', () => {
  test('an onProgress handler throwing an Error with an empty message rejects as a throwing handler, not as an abort', async () => {
    const patterns = makePatterns(64, SIZE, 3);
    const thrown = trainNetwork({ ...patterns, ...split }, { ...base, progressEveryBatches: 1 }, {
      onProgress: () => {
        throw new Error('');
      },
    });
    await expect(thrown).rejects.toThrow(/^onProgress threw/);
    await expect(thrown).rejects.not.toMatchObject({ name: 'AbortError' });
  });

  test('process.exit() while a trial trains ends the process with its exit code, never a signal (10 runs)', async () => {
    const outcomes = [];
    // Five at a time: the crash came from a race, and load makes its timing vary.
    for (let round = 0; round < 2; round++) outcomes.push(...(await Promise.all(Array.from({ length: 5 }, () => endOfChild('exit')))));
    expect(outcomes).toEqual(Array.from({ length: 10 }, () => ({ signal: null, status: 0, stderr: '' })));
  });

  test('a worker thread terminated while its trial trains: the process carries on and ends cleanly', () => {
    const child = spawnSync(process.execPath, [CHILD, 'terminate-worker'], { encoding: 'utf8', timeout: 60_000 });
    expect({ signal: child.signal, status: child.status, stdout: child.stdout, stderr: child.stderr }).toEqual({
      signal: null,
      status: 0,
      stdout: 'terminated\n',
      stderr: '',
    });
  });

  test('a training thread that cannot start rejects the promise, and the process still ends by itself', () => {
    const child = spawnSync(process.execPath, [CHILD, 'no-thread'], { encoding: 'utf8', timeout: 60_000 });
    expect({ signal: child.signal, status: child.status, stdout: child.stdout }).toEqual({
      signal: null,
      status: 0,
      stdout: expect.stringMatching(/^rejected: could not start the training thread: \S/) as unknown as string,
    });
  });

  test('the Model constructor refuses anything but a loaded checkpoint', () => {
    const { Model } = native() as unknown as { Model: new (...args: unknown[]) => unknown };
    expect(() => new Model()).toThrow(/use loadCheckpoint/);
    expect(() => new Model({})).toThrow(/use loadCheckpoint/);
  });
});
