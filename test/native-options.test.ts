/** Every training option is used or refused, integers are range-checked, and messages print numbers as given. */
import fs from 'fs';
import os from 'os';
import path from 'path';

import { TrainedModel, trainNetwork } from '../src';
import type { NamedWeights, TrainNetworkOptions } from '../src';
import { PATTERN_CLASSES, patternData } from './helpers/patterns';

const SIZE = 16;
const data = patternData(24, SIZE, 5, 16);
const base: TrainNetworkOptions = {
  model: 'googlenet',
  classes: PATTERN_CLASSES,
  channels: 1,
  size: SIZE,
  batchSize: 8,
  epochs: 1,
  device: 'cpu',
  threads: 1,
  seed: 2,
};

describe('training options', () => {
  test('threads beyond the limit are refused, not truncated', async () => {
    await expect(trainNetwork(data, { ...base, threads: 2 ** 32 + 1 })).rejects.toThrow(
      'option threads must be an integer from 0 to 1024 (got 4294967297)',
    );
    await expect(trainNetwork(data, { ...base, threads: -1 })).rejects.toThrow('option threads must be an integer from 0 to 1024 (got -1)');
  });

  test('messages print numbers as they were given', async () => {
    await expect(trainNetwork(data, { ...base, epsilon: -1e-7 })).rejects.toThrow('epsilon must be in (0, 1) (got -1e-07)');
    await expect(trainNetwork(data, { ...base, activation: 'leaky-relu', activationParameter: -2 })).rejects.toThrow(
      'leaky-relu slope must be in [0, 1) (got -2)',
    );
    await expect(trainNetwork(data, { ...base, weightDecay: 1.0000001 })).rejects.toThrow('weightDecay must be in [0, 1) (got 1.0000001)');
  });

  test('an unknown option, and a hyperparameter the optimizer does not use, are refused', async () => {
    await expect(trainNetwork(data, { ...base, learningrate: 0.1 } as TrainNetworkOptions)).rejects.toThrow(
      'option learningrate is not a training option',
    );
    await expect(trainNetwork(data, { ...base, optimizer: 'adam', momentum: 0.5 })).rejects.toThrow('option momentum is not used by adam');
    await expect(trainNetwork(data, { ...base, optimizer: 'sgdm', epsilon: 1e-3 })).rejects.toThrow('option epsilon is not used by sgdm');
    await expect(trainNetwork(data, { ...base, freezeEpochs: 1 })).rejects.toThrow('option freezeEpochs needs initialWeights');
  });

  test("Adagrad uses the given epsilon", async () => {
    const small = await trainNetwork(data, { ...base, optimizer: 'adagrad', learningRate: 0.05, epsilon: 1e-10 });
    const large = await trainNetwork(data, { ...base, optimizer: 'adagrad', learningRate: 0.05, epsilon: 0.5 });
    expect(small.settings.epsilon).toBe(1e-10);
    expect(large.settings.epsilon).toBe(0.5);
    expect(large.history[0].validationLoss).not.toBe(small.history[0].validationLoss);
  });
});

describe('freezing with GoogLeNet auxiliary heads', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-freeze-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const weightsOf = async (checkpoint: string): Promise<Map<string, Float32Array | Float64Array>> =>
    new Map((await (await TrainedModel.load(checkpoint)).stateDict()).map((w) => [w.name, w.data]));

  test('the auxiliary heads train during frozen epochs; the feature layers do not', async () => {
    const withAux: TrainNetworkOptions = { ...base, auxLogits: true, optimizer: 'adam', learningRate: 1e-2 };
    const start = path.join(tmp, 'start.ckpt');
    await trainNetwork(data, { ...withAux, checkpoint: start });
    const initialWeights: NamedWeights = await (await TrainedModel.load(start)).stateDict();
    const before = await weightsOf(start);
    const frozen = path.join(tmp, 'frozen.ckpt');
    await trainNetwork(data, { ...withAux, initialWeights, freezeEpochs: 1, checkpoint: frozen });
    const after = await weightsOf(frozen);
    for (const name of ['conv1.conv.weight', 'inception4a.branch1.conv.weight', 'aux1.conv.conv.weight']) {
      expect(after.has(name) && name).toBe(name);
      // aux1.conv is part of a head: it must move; the others are features and must not.
      const moved = !Buffer.from(after.get(name)!.buffer).equals(Buffer.from(before.get(name)!.buffer));
      expect([name, moved]).toEqual([name, name.startsWith('aux1.')]);
    }
    for (const name of ['aux1.fc2.weight', 'aux2.fc1.weight', 'fc.weight']) {
      expect([name, Buffer.from(after.get(name)!.buffer).equals(Buffer.from(before.get(name)!.buffer))]).toEqual([name, false]);
    }
  });
});
