/**
 * A trial trained in stages (successive halving's promotions) must compute exactly what
 * one trained at once does: the saved state carries weights, optimizer state, the random
 * stream and the history, so continuing from epoch k to n equals training n epochs.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

import { TrainedModel, trainNetwork } from '../src';
import type { LearningRateScheduleName, OptimizerName, TrainNetworkOptions, TrainResult } from '../src';
import { PATTERN_CLASSES, patternData } from './helpers/patterns';

const SIZE = 16;
const data = patternData(48, SIZE, 11, 32);
const base: TrainNetworkOptions = {
  model: 'googlenet',
  classes: PATTERN_CLASSES,
  channels: 1,
  size: SIZE,
  learningRate: 1e-3,
  batchSize: 16,
  threads: 1,
  seed: 7,
  epochs: 3,
};

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-state-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The numbers of a result, without timings. */
function numbers(result: TrainResult) {
  return {
    history: result.history.map(({ seconds: _seconds, ...rest }) => rest),
    confusion: result.confusion,
    bestEpoch: result.bestEpoch,
    diverged: result.diverged,
  };
}

async function finalWeights(checkpoint: string) {
  const model = await TrainedModel.load(checkpoint);
  return (await model.stateDict()).map((w) => ({ name: w.name, data: Array.from(w.data) }));
}

// libtorch's own per-parameter optimizers and the multi-tensor ones keep their state in
// different places; augmentation draws from the trial's stream too. A schedule's rate is a
// function of the step within the whole schedule, not within the call.
const cases: Array<{ name: string; optimizer: OptimizerName; foreachOptimizer?: boolean; augment?: boolean; learningRateSchedule?: LearningRateScheduleName }> = [
  { name: 'adam, augmented, cosine schedule', optimizer: 'adam', augment: true, learningRateSchedule: 'cosine' },
  { name: 'adam, multi-tensor', optimizer: 'adam', foreachOptimizer: true },
  { name: 'sgdm, multi-tensor', optimizer: 'sgdm', foreachOptimizer: true },
  { name: 'rmsprop', optimizer: 'rmsprop' },
  { name: 'adagrad', optimizer: 'adagrad' },
];

describe('training state', () => {
  test.each(cases)('$name: epochs 1, then 2–3 from the saved state, equal 3 at once', async ({ name: label, ...variant }) => {
    const options = { ...base, ...variant };
    const name = label.replace(/\W+/g, '-');
    const atOnceCheckpoint = path.join(tmp, `${name}-once.ckpt`);
    const atOnce = await trainNetwork(data, { ...options, checkpoint: atOnceCheckpoint });

    const state = path.join(tmp, `${name}.ferstate`);
    const first = await trainNetwork(data, { ...options, untilEpoch: 1, saveState: state });
    expect(first.history).toHaveLength(1);
    expect(first.epochsTrained).toBe(1);
    expect(fs.existsSync(state)).toBe(true);
    const stagedCheckpoint = path.join(tmp, `${name}-staged.ckpt`);
    const rest = await trainNetwork(data, { ...options, resumeState: state, checkpoint: stagedCheckpoint });
    expect(rest.resumedFromEpoch).toBe(1);
    expect(rest.epochsTrained).toBe(2);
    expect(numbers(rest)).toEqual(numbers(atOnce));
    expect(rest.history[0]).toEqual(first.history[0]);
    expect(await finalWeights(stagedCheckpoint)).toEqual(await finalWeights(atOnceCheckpoint));
  });

  test('a state is continued only under the settings that wrote it, and only forward', async () => {
    const state = path.join(tmp, 'refusals.ferstate');
    await trainNetwork(data, { ...base, optimizer: 'adam', untilEpoch: 2, saveState: state });
    await expect(trainNetwork(data, { ...base, optimizer: 'adam', learningRate: 2e-3, resumeState: state })).rejects.toThrow(
      new RegExp(`training state ${state} cannot be continued: it was written for other settings`),
    );
    await expect(trainNetwork(data, { ...base, optimizer: 'adam', untilEpoch: 2, resumeState: state })).rejects.toThrow(
      `training state ${state} is already at epoch 2, not before epoch 2`,
    );
    const missing = path.join(tmp, 'missing.ferstate');
    await expect(trainNetwork(data, { ...base, resumeState: missing })).rejects.toThrow(`training state ${missing} does not exist`);
    const garbage = path.join(tmp, 'garbage.ferstate');
    fs.writeFileSync(garbage, Buffer.from('not a state at all'));
    await expect(trainNetwork(data, { ...base, resumeState: garbage })).rejects.toThrow(`training state ${garbage} cannot be continued`);
    await expect(trainNetwork(data, { ...base, untilEpoch: 4 })).rejects.toThrow('untilEpoch must be between 1 and epochs (got 4)');
  });

  test('cosine: the rate falls over the whole schedule, so the last epoch moves the weights least', async () => {
    // Adam's step is about the rate whatever the gradient, so the weights' change in the last
    // epoch measures the rate there: near 0 under cosine (its mean over the last third is 0.09 of the start).
    const lastEpochChange = async (learningRateSchedule: LearningRateScheduleName) => {
      const options = { ...base, optimizer: 'adam' as const, learningRateSchedule };
      const before = path.join(tmp, `${learningRateSchedule}-2.ckpt`);
      const after = path.join(tmp, `${learningRateSchedule}-3.ckpt`);
      const state = path.join(tmp, `${learningRateSchedule}-change.ferstate`);
      await trainNetwork(data, { ...options, untilEpoch: 2, saveState: state, checkpoint: before });
      await trainNetwork(data, { ...options, resumeState: state, checkpoint: after });
      const [w2, w3] = [await finalWeights(before), await finalWeights(after)];
      let sum = 0;
      w3.forEach((w, i) => {
        if (!/weight$|bias$/.test(w.name)) return;
        w.data.forEach((v, j) => (sum += Math.abs(v - w2[i].data[j])));
      });
      return sum;
    };
    const constant = await lastEpochChange('constant');
    const cosine = await lastEpochChange('cosine');
    expect(constant).toBeGreaterThan(0);
    expect(cosine).toBeLessThan(0.35 * constant);
    expect(cosine).toBeGreaterThan(0);
  });

  test('a state saved under one schedule is not continued under another', async () => {
    const state = path.join(tmp, 'constant.ferstate');
    await trainNetwork(data, { ...base, optimizer: 'adam', untilEpoch: 1, saveState: state });
    await expect(trainNetwork(data, { ...base, optimizer: 'adam', learningRateSchedule: 'cosine', resumeState: state })).rejects.toThrow(
      `training state ${state} cannot be continued: it was written for other settings`,
    );
    await expect(trainNetwork(data, { ...base, learningRateSchedule: 'linear' as LearningRateScheduleName })).rejects.toThrow(
      "unknown learning-rate schedule 'linear' (choose one of constant, cosine)",
    );
  });

  test('a diverged trial leaves no state to continue', async () => {
    const state = path.join(tmp, 'diverged.ferstate');
    const result = await trainNetwork(data, { ...base, optimizer: 'sgdm', learningRate: 1e6, untilEpoch: 2, saveState: state });
    expect(result.diverged).toBe(true);
    expect(fs.existsSync(state)).toBe(false);
  });
});
