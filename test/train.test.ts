import fs from 'fs';
import os from 'os';
import path from 'path';

import { isAbortError, TrainedModel, trainNetwork } from '../src';
import type { TrainNetworkOptions, TrainProgress } from '../src';
import { makePatterns, PATTERN_CLASSES, range } from './helpers/patterns';

const SIZE = 32;
const patterns = makePatterns(480, SIZE, 7);
const data = { images: patterns.images, labels: patterns.labels, trainIndices: range(0, 320), validationIndices: range(320, 480) };
const base: TrainNetworkOptions = {
  model: 'googlenet',
  classes: PATTERN_CLASSES,
  channels: 1,
  size: SIZE,
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 32,
  threads: 2,
  seed: 3,
};

describe('native training', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-train-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('GoogLeNet learns visual patterns well above chance on held-out images, and its checkpoint predicts the same', async () => {
    const epochs: TrainProgress[] = [];
    const checkpoint = path.join(tmp, 'patterns.ckpt');
    const result = await trainNetwork(
      data,
      { ...base, epochs: 6, checkpoint, checkpointMetadata: JSON.stringify({ classes: ['h', 'v', 'd', 'c'] }) },
      { onProgress: (e) => epochs.push(e) },
    );
    expect(result.diverged).toBe(false);
    expect(result.history).toHaveLength(6);
    expect(epochs.map((e) => e.kind === 'epoch' && e.record.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    // Chance is 0.25.
    expect(result.bestValidationAccuracy).toBeGreaterThan(0.7);
    expect(result.history[result.bestEpoch - 1].validationAccuracy).toBe(result.bestValidationAccuracy);
    const confusionTotal = result.confusion.flat().reduce((a, b) => a + b, 0);
    expect(confusionTotal).toBe(160);
    const diagonal = result.confusion.reduce((sum, row, i) => sum + row[i], 0);
    expect(diagonal / 160).toBeCloseTo(result.finalValidationAccuracy, 10);
    expect(result.settings).toMatchObject({ model: 'googlenet', optimizer: 'adam', learningRate: 1e-3, weightDecay: 1e-4, seed: 3 });
    expect(result.checkpoint).toBe(checkpoint);

    const model = await TrainedModel.load(checkpoint);
    expect(model.spec).toMatchObject({ model: 'googlenet', classes: 4, channels: 1, size: SIZE, activation: 'relu' });
    expect(model.metadata).toEqual({ classes: ['h', 'v', 'd', 'c'] });
    expect(model.normalisation.mean).toEqual(result.mean);
    const validation = patterns.images.subarray(320 * SIZE * SIZE);
    const probabilities = await model.predict(validation);
    expect(probabilities).toHaveLength(160);
    let correct = 0;
    probabilities.forEach((row, i) => {
      expect(row).toHaveLength(4);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      if (row.indexOf(Math.max(...row)) === patterns.labels[320 + i]) correct++;
    });
    expect(Math.abs(correct / 160 - result.finalValidationAccuracy)).toBeLessThanOrEqual(1 / 160);
  });

  test('the same seed gives the same history; another seed does not', async () => {
    const small = { images: data.images, labels: data.labels, trainIndices: range(0, 96), validationIndices: range(96, 160) };
    const options = { ...base, model: 'resnet50' as const, size: SIZE, epochs: 1, batchSize: 16 };
    const first = await trainNetwork(small, options);
    const second = await trainNetwork(small, options);
    const other = await trainNetwork(small, { ...options, seed: 4 });
    const strip = (h: typeof first.history) => h.map(({ seconds: _seconds, ...rest }) => rest);
    expect(strip(second.history)).toEqual(strip(first.history));
    expect(second.confusion).toEqual(first.confusion);
    expect(strip(other.history)).not.toEqual(strip(first.history));
  });

  test('a diverging configuration comes back as diverged, not as an exception', async () => {
    const result = await trainNetwork(data, { ...base, optimizer: 'sgdm', learningRate: 1e11, epochs: 3, batchSize: 16, checkpoint: path.join(tmp, 'never.ckpt') });
    expect(result.diverged).toBe(true);
    expect(result.history.length).toBeLessThan(3);
    expect(result.checkpoint).toBeNull();
    expect(fs.existsSync(path.join(tmp, 'never.ckpt'))).toBe(false);
  });

  test('an aborted run rejects with an AbortError within a batch', async () => {
    const controller = new AbortController();
    let batchesAfterAbort = 0;
    const started = Date.now();
    const run = trainNetwork(data, { ...base, epochs: 1000, batchSize: 16, progressEveryBatches: 1 }, {
      signal: controller.signal,
      onProgress: (event) => {
        if (event.kind !== 'batch') return;
        if (controller.signal.aborted) batchesAfterAbort++;
        else if (event.batch === 2) controller.abort();
      },
    });
    const error = await run.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    // The flag is read before every batch; one batch may already be under way.
    expect(batchesAfterAbort).toBeLessThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(60000);
  });

  test('an already aborted signal never starts training', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(trainNetwork(data, { ...base, epochs: 1 }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  test('timers keep firing while a network trains', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    try {
      await trainNetwork({ ...data, trainIndices: range(0, 160) }, { ...base, epochs: 2 });
    } finally {
      clearInterval(timer);
    }
    const elapsed = Date.now() - started;
    // A blocked event loop would let through at most a tick or two.
    expect(elapsed).toBeGreaterThan(500);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
  });

  test('a throwing progress handler ends the run with its message', async () => {
    const run = trainNetwork(data, { ...base, epochs: 50 }, {
      onProgress: () => {
        throw new Error('handler broke');
      },
    });
    await expect(run).rejects.toThrow('onProgress threw: handler broke');
  });
});
