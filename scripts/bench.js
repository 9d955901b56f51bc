#!/usr/bin/env node
'use strict';
// `npm run bench`: training images/s of fer-ga's native loop against the PyTorch eager
// loop (scripts/bench_reference.py, Debian's python3-torch on the same libtorch), for
// each network on the CPU, same model, optimizer (SGD-momentum), batch and threads.
// Both skip the same warm-up batches and time the same number of batches; the two run
// alternately `--repeats` times and the best of each counts, so a background blip on this
// shared machine does not decide a ratio.
//
//   npm run bench -- [--models alexnet,vgg16] [--batches 8] [--warmup 2] [--threads 2] [--repeats 2]

const path = require('path');
const { spawnSync } = require('child_process');
const { trainNetwork } = require('../dist');

const SIZES = { alexnet: 64, googlenet: 48, vgg16: 48, resnet50: 48 };
const PYTHON = process.env.FER_GA_PYTHON || '/usr/bin/python3';

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const models = flag('models', Object.keys(SIZES).join(',')).split(',');
const measure = Number(flag('batches', 8));
const warmup = Number(flag('warmup', 2));
const threads = Number(flag('threads', 2));
const repeats = Number(flag('repeats', 2));
const batch = 32;
const classes = 7;
const channels = 3;

async function ferGa(model, size) {
  const count = (warmup + measure) * batch + 2;
  const images = new Uint8Array(count * channels * size * size);
  for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
  const labels = Int32Array.from({ length: count }, (_, i) => (i * 7919) % classes);
  const stamps = [];
  await trainNetwork(
    { images, labels, trainIndices: Int32Array.from({ length: count - 2 }, (_, i) => i), validationIndices: Int32Array.from([count - 2, count - 1]) },
    { model, classes, channels, size, optimizer: 'sgdm', learningRate: 1e-4, batchSize: batch, epochs: 1, augment: false, threads, seed: 1, progressEveryBatches: 1 },
    { onProgress: (event) => event.kind === 'batch' && stamps.push(process.hrtime.bigint()) },
  );
  const seconds = Number(stamps[warmup + measure - 1] - stamps[warmup - 1]) / 1e9;
  return (measure * batch) / seconds;
}

function pytorch(model, size) {
  const args = [path.join(__dirname, 'bench_reference.py'), '--model', model, '--size', String(size), '--channels', String(channels),
    '--classes', String(classes), '--batch', String(batch), '--warmup', String(warmup), '--measure', String(measure), '--threads', String(threads)];
  const result = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`PyTorch reference failed for ${model}: ${result.stderr.trim().split('\n').pop()}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()).imagesPerSecond;
}

async function main() {
  if (warmup < 1) throw new Error('--warmup must be at least 1');
  console.log(
    `training images/s, CPU, batch ${batch}, ${threads} threads, SGD-momentum, ${warmup} warm-up + ${measure} timed batches, best of ${repeats}\n`,
  );
  console.log('network    size  fer-ga img/s  PyTorch img/s  ratio');
  const rows = [];
  for (const model of models) {
    const size = SIZES[model];
    if (!size) throw new Error(`unknown model ${model}`);
    let ours = 0;
    let theirs = 0;
    for (let r = 0; r < repeats; r++) {
      ours = Math.max(ours, await ferGa(model, size));
      theirs = Math.max(theirs, pytorch(model, size));
    }
    rows.push({ model, size, ours, theirs, ratio: ours / theirs });
    console.log(`${model.padEnd(9)}  ${String(size).padStart(4)}  ${ours.toFixed(1).padStart(12)}  ${theirs.toFixed(1).padStart(13)}  ${(ours / theirs).toFixed(2).padStart(5)}`);
  }
  console.log(`\n${JSON.stringify({ batch, threads, warmup, measure, repeats, rows })}`);
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
