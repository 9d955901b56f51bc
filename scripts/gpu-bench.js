#!/usr/bin/env node
'use strict';
// Training images/s of fer-ga against the PyTorch eager loop on one GPU: each network at
// 224×224 RGB and at 64×64 grey, batch 128, float32 (TF32 allowed) and bf16 autocast,
// channels-last, SGD-momentum, both with their data set resident on the device. PyTorch
// runs first, in one process, then fer-ga, in this one; the ratio is fer-ga / PyTorch.
//
//   node scripts/gpu-bench.js [--device cuda:0] [--models alexnet,resnet50] [--sizes 224,64]
//                             [--repeats N] [--out FILE.json]
// With --repeats N both sides are measured N times, alternating, and the best of each counts.
//   node scripts/gpu-bench.js --smoke      (CPU, tiny sizes: checks the script itself)
const fs = require('fs');
const { ferGaImagesPerSecond, pytorchImagesPerSecond } = require('./bench-training');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const smoke = process.argv.includes('--smoke');
const device = flag('device', smoke ? 'cpu' : 'cuda');
const models = flag('models', 'alexnet,googlenet,vgg16,resnet50').split(',');
const out = flag('out');
const repeats = Number(flag('repeats', 1));
const sizes = flag('sizes', '224,64').split(',').map(Number);
const inputs = smoke
  ? [{ size: 64, channels: 1, batch: 4, warmup: 1, measure: 1, reportEvery: 1 }]
  : [
      { size: 224, channels: 3, batch: 128, warmup: 10, measure: 30, reportEvery: 10 },
      { size: 64, channels: 1, batch: 128, warmup: 20, measure: 60, reportEvery: 20 },
    ].filter((input) => sizes.includes(input.size));
const precisions = smoke ? [false] : [false, true];

async function main() {
  const configs = [];
  for (const input of inputs) {
    for (const amp of precisions) {
      for (const model of models) configs.push({ model, classes: 7, device, amp, threads: 0, ...input });
    }
  }
  const theirs = configs.map(() => 0);
  const ours = configs.map(() => ({ imagesPerSecond: 0 }));
  for (let r = 0; r < repeats; r++) {
    process.stderr.write(`PyTorch: ${configs.length} configurations…\n`);
    pytorchImagesPerSecond(configs).forEach((value, i) => (theirs[i] = Math.max(theirs[i], value)));
    for (let i = 0; i < configs.length; i++) {
      const measured = await ferGaImagesPerSecond(configs[i]);
      if (measured.imagesPerSecond > ours[i].imagesPerSecond) ours[i] = measured;
    }
  }
  const rows = [];
  console.log(`network    input        precision  fer-ga img/s  PyTorch img/s  ratio${repeats > 1 ? `   (best of ${repeats})` : ''}`);
  for (let i = 0; i < configs.length; i++) {
    const cfg = configs[i];
    const row = { ...cfg, ferGa: ours[i].imagesPerSecond, pytorch: theirs[i], ratio: ours[i].imagesPerSecond / theirs[i], execution: ours[i].execution, ranOn: ours[i].device, repeats };
    rows.push(row);
    const input = `${cfg.size}×${cfg.size}×${cfg.channels}`;
    console.log(
      `${cfg.model.padEnd(9)}  ${input.padEnd(11)}  ${(cfg.amp ? 'bf16' : 'fp32/tf32').padEnd(9)}  ${row.ferGa.toFixed(0).padStart(12)}  ${row.pytorch.toFixed(0).padStart(13)}  ${row.ratio.toFixed(2).padStart(5)}`,
    );
  }
  if (out) fs.writeFileSync(out, JSON.stringify({ device, repeats, rows }, null, 2));
}

main().catch((error) => {
  console.error(`gpu-bench: ${error.stack || error.message}`);
  process.exit(1);
});
