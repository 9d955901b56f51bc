'use strict';
// Shared by the training benchmarks: fer-ga's training images/s for one configuration,
// and the PyTorch reference (scripts/bench_reference.py) for a list of them.
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { trainNetwork } = require('../dist');

const PYTHON = process.env.FER_GA_PYTHON || '/usr/bin/python3';

/**
 * Trains one epoch of exactly (warmup + measure) full batches and times the measured
 * ones between two progress events. Progress every `reportEvery` batches is where the
 * native loop reads the loss, i.e. where it waits for the device; the reference reads
 * its loss at the same steps.
 */
async function ferGaImagesPerSecond(cfg) {
  const { model, size, channels, classes, batch, warmup, measure, reportEvery = 1 } = cfg;
  if (warmup % reportEvery !== 0 || measure % reportEvery !== 0) throw new Error('warmup and measure must be multiples of reportEvery');
  const count = (warmup + measure) * batch + 2;
  const images = new Uint8Array(count * channels * size * size);
  crypto.randomFillSync(images);
  const labels = Int32Array.from({ length: count }, (_, i) => (i * 7919) % classes);
  const stamps = new Map();
  const result = await trainNetwork(
    { images, labels, trainIndices: Int32Array.from({ length: count - 2 }, (_, i) => i), validationIndices: Int32Array.from([count - 2, count - 1]) },
    {
      model, classes, channels, size, optimizer: 'sgdm', learningRate: 1e-4, batchSize: batch, epochs: 1, augment: false,
      threads: cfg.threads ?? 0, device: cfg.device ?? 'cpu', amp: Boolean(cfg.amp), seed: 1, progressEveryBatches: reportEvery,
    },
    { onProgress: (event) => event.kind === 'batch' && stamps.set(event.batch, process.hrtime.bigint()) },
  );
  const seconds = Number(stamps.get(warmup + measure) - stamps.get(warmup)) / 1e9;
  return { imagesPerSecond: (measure * batch) / seconds, execution: result.execution, device: result.device };
}

/** One PyTorch process measures every configuration in turn; returns their images/s in order. */
function pytorchImagesPerSecond(configs) {
  const plan = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-bench-')), 'plan.json');
  fs.writeFileSync(plan, JSON.stringify(configs.map((c) => ({ ...c, report_every: c.reportEvery ?? 1, reportEvery: undefined }))));
  const result = spawnSync(PYTHON, [path.join(__dirname, 'bench_reference.py'), '--plan', plan], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`PyTorch reference failed: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line).imagesPerSecond);
}

module.exports = { ferGaImagesPerSecond, pytorchImagesPerSecond };
