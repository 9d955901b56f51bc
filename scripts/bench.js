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

const { ferGaImagesPerSecond, pytorchImagesPerSecond } = require('./bench-training');

const SIZES = { alexnet: 64, googlenet: 48, vgg16: 48, resnet50: 48 };

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
    const cfg = { model, size, channels, classes, batch, warmup, measure, threads, device: 'cpu' };
    let ours = 0;
    let theirs = 0;
    for (let r = 0; r < repeats; r++) {
      ours = Math.max(ours, (await ferGaImagesPerSecond(cfg)).imagesPerSecond);
      theirs = Math.max(theirs, pytorchImagesPerSecond([cfg])[0]);
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
