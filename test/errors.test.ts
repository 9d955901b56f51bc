import fs from 'fs';
import os from 'os';
import path from 'path';

import { describeNetwork, TrainedModel, trainNetwork } from '../src';
import type { TrainNetworkOptions } from '../src';
import { signalExitCode } from '../src/cli/interrupt';
import { abortError, isAbortError, isInterruptedError } from '../src/util/errors';
import { makePatterns, range } from './helpers/patterns';

const SIZE = 16;
const patterns = makePatterns(40, SIZE, 1);
const data = { images: patterns.images, labels: patterns.labels, trainIndices: range(0, 30), validationIndices: range(30, 40) };
const base: TrainNetworkOptions = { model: 'resnet50', classes: 4, channels: 1, size: SIZE, epochs: 1, batchSize: 8 };

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  // Native errors come from the addon's realm, so check the tag rather than instanceof.
  expect(Object.prototype.toString.call(error)).toBe('[object Error]');
  return error as Error & { code?: string };
}

describe('bad arguments are JS Errors with one clear line, never a crash', () => {
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['unknown model', () => trainNetwork(data, { ...base, model: 'lenet' as never }), /unknown model 'lenet' \(choose one of alexnet, googlenet, vgg16, resnet50\)/],
    ['unknown activation', () => trainNetwork(data, { ...base, activation: 'tanh' as never }), /unknown activation 'tanh'/],
    ['unknown optimizer', () => trainNetwork(data, { ...base, optimizer: 'lbfgs' as never }), /unknown optimizer 'lbfgs'/],
    ['size below the minimum', () => trainNetwork(data, { ...base, model: 'alexnet' }), /size 16 is outside what alexnet accepts \(63 to 4096 pixels\)/],
    ['channels', () => trainNetwork(data, { ...base, channels: 2 as never }), /channels must be 1 \(grey\) or 3 \(colour\) \(got 2\)/],
    ['one class', () => trainNetwork(data, { ...base, classes: 1 }), /classes must be at least 2 \(got 1\)/],
    ['negative learning rate', () => trainNetwork(data, { ...base, learningRate: -1 }), /learningRate must be in \(0/],
    ['non-integer batch size', () => trainNetwork(data, { ...base, batchSize: 2.5 }), /option batchSize must be an integer \(got number 2.5\)/],
    ['string epochs', () => trainNetwork(data, { ...base, epochs: '3' as never }), /option epochs must be an integer \(got string '3'\)/],
    ['zero epochs', () => trainNetwork(data, { ...base, epochs: 0 }), /epochs must be between 1 and 100000 \(got 0\)/],
    ['negative slope', () => trainNetwork(data, { ...base, activation: 'leaky-relu', activationParameter: -0.1 }), /leaky-relu slope must be in \[0, 1\)/],
    ['aux heads on resnet', () => trainNetwork(data, { ...base, auxLogits: true }), /auxiliary heads exist only on googlenet/],
    ['unknown device', () => trainNetwork(data, { ...base, device: 'tpu' }), /unknown device 'tpu'/],
    ['missing CUDA', () => trainNetwork(data, { ...base, device: 'cuda:0' }), /device 'cuda:0' asked for, but this libtorch sees no CUDA device/],
    ['bad thread count', () => trainNetwork(data, { ...base, threads: -3 }), /option threads must be an integer from 0 to 1024 \(got -3\)/],
    ['short image buffer', () => trainNetwork({ ...data, images: patterns.images.subarray(1) }, base), /option images holds 10239 bytes, but 40 images of 1×16×16 need 10240/],
    ['images not bytes', () => trainNetwork({ ...data, images: new Float32Array(10) as never }, base), /option images must be a Uint8Array or Buffer/],
    ['label out of range', () => trainNetwork({ ...data, labels: Array.from(patterns.labels, (l, i) => (i === 5 ? 9 : l)) }, base), /labels holds class 9, outside 0..3/],
    ['label count', () => trainNetwork({ ...data, labels: [0, 1] }, base), /option images holds 10240 bytes, but 2 images/],
    ['index out of range', () => trainNetwork({ ...data, validationIndices: [38, 39, 40] }, base), /validationIndices holds index 40, outside the 40 images/],
    ['empty validation', () => trainNetwork({ ...data, validationIndices: [] }, base), /validationIndices is empty/],
    ['fractional index', () => trainNetwork({ ...data, trainIndices: [0, 1.5] }, base), /trainIndices\[1\] must be an integer \(got 1.5\)/],
    ['describe with a bad size', () => describeNetwork({ model: 'vgg16', classes: 7, channels: 1, size: 0 }), /size 0 is outside what vgg16 accepts/],
  ];

  test.each(cases)('%s', async (_name, call, message) => {
    const error = await rejection(call());
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.code).toBe('FER_GA_INVALID_ARGUMENT');
  });

  test('checkpoints that are missing or not checkpoints name the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-err-'));
    try {
      const garbage = path.join(dir, 'garbage.ckpt');
      fs.writeFileSync(garbage, 'this is not a checkpoint');
      const missing = await rejection(TrainedModel.load(path.join(dir, 'missing.ckpt')));
      expect(missing.message).toMatch(/checkpoint .*missing\.ckpt does not exist or cannot be read/);
      const bad = await rejection(TrainedModel.load(garbage));
      expect(bad.message).toMatch(/checkpoint .*garbage\.ckpt is not a readable fer-ga checkpoint/);
      expect(bad.message).not.toContain('\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a checkpoint path that cannot be written fails the run with the path, after training', async () => {
    const error = await rejection(trainNetwork(data, { ...base, checkpoint: '/nonexistent-dir/x.ckpt' }));
    expect(error.message).toMatch(/cannot write checkpoint \/nonexistent-dir\/x\.ckpt/);
  });

  test('the process survives all of the above and still trains', async () => {
    const result = await trainNetwork(data, base);
    expect(result.history).toHaveLength(1);
  });
});

describe('stopping on request', () => {
  test('an AbortError with a message says what to do next; without one it is the usual AbortError', () => {
    const told = abortError('stopped; resume with --resume 3 --db results.db');
    expect(isAbortError(told)).toBe(true);
    expect(isInterruptedError(told)).toBe(true);
    expect(told.message).toBe('stopped; resume with --resume 3 --db results.db');
    const bare = abortError();
    expect(isAbortError(bare)).toBe(true);
    expect(isInterruptedError(bare)).toBe(false);
    expect(isInterruptedError(new Error('stopped'))).toBe(false);
  });

  test('a signal ends the CLI with the code a shell gives it: 130 for Ctrl-C, 143 for SIGTERM', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
    expect(signalExitCode()).toBe(130);
  });
});
