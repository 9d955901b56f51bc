'use strict';
// The CUDA paths of the native addon, on a machine with a GPU: `node --test test/gpu/`
// after `npm run build:ts` (scripts/gpu-check.sh runs it). Skipped where libtorch sees no GPU.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const { native } = require('../../dist/binding/native');
const { trainNetwork, TrainedModel } = require('../../dist');

const info = native().info();
const skip = info.cuda.available ? false : 'libtorch sees no CUDA device';

/** A learnable toy set: each class is a bright square in its own place. */
function squares(count, size, classes, channels = 1) {
  const images = new Uint8Array(count * channels * size * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    labels[i] = label;
    const offset = Math.floor((label * (size - 8)) / Math.max(1, classes - 1));
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) images[((i * channels + c) * size + offset + y) * size + offset + x] = 200 + ((i * 13) % 50);
      }
    }
  }
  const train = Int32Array.from({ length: count - 32 }, (_, i) => i);
  const validation = Int32Array.from({ length: 32 }, (_, i) => count - 32 + i);
  return { images, labels, trainIndices: train, validationIndices: validation };
}

const base = { model: 'resnet50', classes: 4, channels: 1, size: 32, batchSize: 32, epochs: 10, optimizer: 'adam', learningRate: 1e-3, seed: 7 };

test('libtorch sees the GPU and cuDNN', { skip }, () => {
  assert.ok(info.cuda.devices >= 1);
  assert.equal(info.cuda.cudnn, true);
});

test('a CUDA trial runs resident, channels-last and with foreach updates, and learns', { skip }, async () => {
  const result = await trainNetwork(squares(288, 32, 4), { ...base, device: 'cuda' });
  assert.match(result.device, /^cuda/);
  assert.deepEqual(result.execution, { amp: false, channelsLast: true, foreachOptimizer: true, dataOnDevice: true });
  assert.equal(result.diverged, false);
  assert.ok(result.finalValidationAccuracy > 0.5, `accuracy ${result.finalValidationAccuracy}`);
});

test('bf16 autocast trains to the same kind of result', { skip }, async () => {
  const result = await trainNetwork(squares(288, 32, 4), { ...base, device: 'cuda:0', amp: true });
  assert.equal(result.execution.amp, true);
  assert.equal(result.diverged, false);
  assert.ok(result.finalValidationAccuracy > 0.5, `accuracy ${result.finalValidationAccuracy}`);
});

test('foreach and per-parameter updates agree on the GPU', { skip }, async () => {
  for (const optimizer of ['sgdm', 'adam', 'adamw']) {
    const settings = { ...base, model: 'vgg16', epochs: 1, optimizer, augment: false };
    const a = await trainNetwork(squares(96, 32, 4), { ...settings, device: 'cuda', foreachOptimizer: true });
    const b = await trainNetwork(squares(96, 32, 4), { ...settings, device: 'cuda', foreachOptimizer: false });
    const x = a.history[0].validationLoss;
    const y = b.history[0].validationLoss;
    assert.ok(Math.abs(x - y) <= 1e-3 * Math.max(1, Math.abs(y)), `${optimizer}: ${x} vs ${y}`);
  }
});

test('host-resident data gives a working trial too', { skip }, async () => {
  const result = await trainNetwork(squares(128, 32, 4), { ...base, epochs: 1, device: 'cuda', residentData: false, channelsLast: false });
  assert.equal(result.execution.dataOnDevice, false);
  assert.equal(result.execution.channelsLast, false);
  assert.equal(result.history.length, 1);
});

test('a missing GPU index is a clear error', { skip }, async () => {
  await assert.rejects(trainNetwork(squares(64, 32, 4), { ...base, device: `cuda:${info.cuda.devices}` }), /does not exist/);
});

test('trials in parallel on one GPU both finish', { skip }, async () => {
  const results = await Promise.all([
    trainNetwork(squares(160, 32, 4), { ...base, epochs: 2, device: 'cuda', seed: 1 }),
    trainNetwork(squares(160, 32, 4), { ...base, model: 'googlenet', epochs: 2, device: 'cuda', seed: 2 }),
  ]);
  for (const r of results) assert.equal(r.history.length, 2);
});

test('a checkpoint written from the GPU loads and predicts', { skip }, async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-gpu-')), 'model.ckpt');
  const data = squares(160, 32, 4);
  await trainNetwork(data, { ...base, epochs: 2, device: 'cuda', amp: true, checkpoint: file });
  const model = await TrainedModel.load(file);
  const probabilities = await model.predict(data.images.subarray(0, 3 * 32 * 32));
  assert.equal(probabilities.length, 3);
  for (const row of probabilities) {
    assert.equal(row.length, 4);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  }
});
