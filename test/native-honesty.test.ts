/**
 * What the addon reports and keeps is what ran, and what it refuses it refuses in one line:
 * the multi-tensor flag only where that update ran, only the hyperparameters the optimizer
 * reads, no activation parameter where the activation takes none; a progress handler that
 * throws on the last epoch leaves no files; a state is bound to the trial key it was saved
 * under; bad checkpoints and bad states share one error code.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

import { trainNetwork } from '../src';
import type { TrainNetworkOptions } from '../src';
import { native } from '../src/binding/native';
import { PATTERN_CLASSES, patternData } from './helpers/patterns';

const SIZE = 16;
const data = patternData(24, SIZE, 3, 16);
const base: TrainNetworkOptions = {
  model: 'googlenet', classes: PATTERN_CLASSES, channels: 1, size: SIZE, batchSize: 8, threads: 1, seed: 3, epochs: 2,
};

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-honesty-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The error of a call that rejects (or throws at once, as the addon's argument checks do). */
async function rejection(promise: Promise<unknown> | (() => Promise<unknown>)): Promise<Error & { code?: string }> {
  return (typeof promise === 'function' ? Promise.resolve().then(promise) : promise).then(
    () => {
      throw new Error('resolved');
    },
    (error: Error & { code?: string }) => error,
  );
}

describe('reported settings are what ran', () => {
  test('foreachOptimizer is true only for the optimizers whose multi-tensor update ran', async () => {
    const ran: Record<string, boolean> = {};
    for (const optimizer of ['adam', 'sgdm', 'rmsprop', 'adagrad', 'amsgrad'] as const) {
      ran[optimizer] = (await trainNetwork(data, { ...base, epochs: 1, optimizer, foreachOptimizer: true })).execution.foreachOptimizer;
    }
    expect(ran).toEqual({ adam: true, sgdm: true, rmsprop: false, adagrad: false, amsgrad: false });
  });

  test('results list only the hyperparameters the optimizer reads', async () => {
    const keys = async (optimizer: 'rmsprop' | 'sgdm' | 'adam' | 'adagrad') => {
      const { settings } = await trainNetwork(data, { ...base, epochs: 1, optimizer });
      return ['momentum', 'alpha', 'beta1', 'beta2', 'epsilon'].filter((k) => k in settings);
    };
    expect(await keys('rmsprop')).toEqual(['alpha', 'epsilon']);
    expect(await keys('sgdm')).toEqual(['momentum']);
    expect(await keys('adam')).toEqual(['beta1', 'beta2', 'epsilon']);
    expect(await keys('adagrad')).toEqual(['epsilon']);
  });

  test.each(['relu', 'gelu', 'silu'] as const)('%s refuses an activation parameter', async (activation) => {
    const error = await rejection(trainNetwork(data, { ...base, activation, activationParameter: 0.5 }));
    expect(error.message).toBe(`${activation} takes no parameter (got activationParameter 0.5)`);
    expect(error.code).toBe('FER_GA_INVALID_ARGUMENT');
  });
});

describe('smaller refusals', () => {
  test('more than 1000 classes: one line', async () => {
    const error = await rejection(() => native().describeNetwork({ model: 'resnet50', classes: 30000, channels: 1, size: 32 }));
    expect(error.message).toBe('classes must be at most 1000 (got 30000)');
  });

  test('untilEpoch 0 is refused as its message says', async () => {
    const error = await rejection(trainNetwork(data, { ...base, untilEpoch: 0 }));
    expect(error.message).toBe('untilEpoch must be between 1 and epochs (got 0)');
  });

  test.each<[string, number]>([
    ['Infinity', Infinity],
    ['NaN', NaN],
    ['1.5', 1.5],
    ['-1', -1],
  ])('a weight shape of %s is refused, not rounded', async (text, dimension) => {
    const weights = [{ name: 'fc.bias', shape: [dimension], data: new Float32Array(1) }];
    const error = await rejection(() => native().loadNetwork({ model: 'resnet50', classes: 2, channels: 1, size: 32, weights }));
    expect(error.message).toBe(`option weights[0] ('fc.bias') has dimension 0 = ${text}, not a whole number from 0 to 9007199254740992`);
  });

  test('a progress handler that throws on the last epoch: the promise rejects and no checkpoint or state is written', async () => {
    const checkpoint = path.join(tmp, 'last-epoch.ckpt');
    const state = path.join(tmp, 'last-epoch.ferstate');
    const { promise } = native().startTraining(
      {
        ...base, optimizer: 'adam', untilEpoch: 2, checkpoint, saveState: state, images: data.images, labels: Int32Array.from(data.labels),
        trainIndices: Int32Array.from(data.trainIndices), validationIndices: Int32Array.from(data.validationIndices),
      },
      (event) => {
        if (event.kind === 'epoch' && event.epoch === 2) throw new Error('handler failed');
      },
    );
    await expect(promise).rejects.toThrow('onProgress threw: handler failed');
    expect([fs.existsSync(checkpoint), fs.existsSync(state)]).toEqual([false, false]);
  });
});

describe('training states', () => {
  test('a state is continued only under the trial key it was saved with', async () => {
    const state = path.join(tmp, 'bound.ferstate');
    await trainNetwork(data, { ...base, untilEpoch: 1, saveState: state, stateIdentity: 'key-a fold 0' });
    const error = await rejection(trainNetwork(data, { ...base, resumeState: state, stateIdentity: 'key-b fold 0' }));
    expect(error.message).toBe(`training state ${state} cannot be continued: it was written for trial 'key-a fold 0', not 'key-b fold 0'`);
    const resumed = await trainNetwork(data, { ...base, resumeState: state, stateIdentity: 'key-a fold 0' });
    expect(resumed.resumedFromEpoch).toBe(1);
  });

  test('a bad state and a bad checkpoint get the same error code', async () => {
    const garbage = path.join(tmp, 'garbage.bin');
    fs.writeFileSync(garbage, 'not an archive');
    const state = await rejection(trainNetwork(data, { ...base, resumeState: garbage }));
    const checkpoint = await rejection(native().loadCheckpoint(garbage));
    expect(state.message).toMatch(`training state ${garbage} cannot be continued`);
    expect(checkpoint.message).toMatch(`checkpoint ${garbage} is not a readable fer-ga checkpoint`);
    expect([state.code, checkpoint.code]).toEqual(['FER_GA_INVALID_ARGUMENT', 'FER_GA_INVALID_ARGUMENT']);
  });
});
