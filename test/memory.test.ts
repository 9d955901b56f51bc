/**
 * A study runs hundreds of trials in one process: what a trial or a model allocates natively
 * must be given back when it ends, and dispose() must free a model at once.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { TrainedModel, trainNetwork } from '../src';
import { makePatterns, range } from './helpers/patterns';

const BENCH = path.join(__dirname, '..', 'scripts', 'bench-memory.js');

interface Steps {
  steps: number;
  rssAtBaselineMb: number;
  rssAtEndMb: number;
  ratio: number;
}

interface Dropped {
  loads: number;
  checkpointMb: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

test('RSS over the last of 30 trials and of 120 load/predict/dispose cycles is within 10% of RSS from the 10th on (medians of 9 readings); models dropped without dispose() are collected', () => {
  const args = ['--trials', '30', '--cycles', '120', '--dropped', '40', '--dropped-model', 'googlenet'];
  const child = spawnSync(process.execPath, ['--expose-gc', BENCH, ...args], { encoding: 'utf8', timeout: 600_000 });
  expect({ signal: child.signal, status: child.status, stderr: child.stderr }).toEqual({ signal: null, status: 0, stderr: '' });
  const { trials, cycles, dropped } = JSON.parse(child.stdout) as { trials: Steps; cycles: Steps; dropped: Dropped };
  expect(trials.steps).toBe(30);
  expect(cycles.steps).toBe(120);
  expect(trials.ratio).toBeLessThanOrEqual(1.1);
  expect(cycles.ratio).toBeLessThanOrEqual(1.1);
  // V8 runs no GC for a 4 MB heap unless it is told of the models' native bytes: then all 40 stay.
  expect(dropped.loads).toBe(40);
  expect(dropped.rssAfterMb - dropped.rssBeforeMb).toBeLessThan((dropped.loads * dropped.checkpointMb) / 2);
});

describe('Model.dispose()', () => {
  let tmp: string;
  let checkpoint: string;
  const patterns = makePatterns(24, 15, 5);
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-memory-'));
    checkpoint = path.join(tmp, 'model.ckpt');
    const data = { ...patterns, trainIndices: range(0, 16), validationIndices: range(16, 24) };
    await trainNetwork(data, { model: 'googlenet', classes: 4, channels: 1, size: 15, epochs: 1, batchSize: 8, threads: 1, checkpoint });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a disposed model refuses every later use with "model was disposed"; disposing twice is harmless', async () => {
    const model = await TrainedModel.load(checkpoint);
    const image = patterns.images.subarray(0, 15 * 15);
    expect(await model.predict(image)).toHaveLength(1);
    model.dispose();
    model.dispose();
    expect(() => model.spec).toThrow('model was disposed');
    expect(() => model.normalisation).toThrow('model was disposed');
    expect(() => model.metadata).toThrow('model was disposed');
    await expect(model.stateDict()).rejects.toThrow('model was disposed');
    await expect(model.logits(new Float32Array(15 * 15))).rejects.toThrow('model was disposed');
  });

  test('a prediction started before dispose() still finishes', async () => {
    const model = await TrainedModel.load(checkpoint);
    const running = model.predict(patterns.images);
    model.dispose();
    const rows = await running;
    expect(rows).toHaveLength(24);
    for (const row of rows) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
