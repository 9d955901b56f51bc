#!/usr/bin/env node
'use strict';
// Training images/s of fer-ga against the PyTorch eager loop on one GPU: each network at
// 224×224 RGB and at 64×64 grey, batch 128, float32 (TF32 allowed) and bf16 autocast,
// channels-last, SGD-momentum, both with their data set resident on the device. PyTorch
// runs first, in one process, then fer-ga, in this one; the ratio is fer-ga / PyTorch.
//
//   node scripts/gpu-bench.js [--device cuda:0] [--models alexnet,resnet50] [--out FILE.json]
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
const inputs = smoke
  ? [{ size: 64, channels: 1, batch: 4, warmup: 1, measure: 1, reportEvery: 1 }]
  : [
      { size: 224, channels: 3, batch: 128, warmup: 10, measure: 30, reportEvery: 10 },
      { size: 64, channels: 1, batch: 128, warmup: 20, measure: 60, reportEvery: 20 },
    ];
const precisions = smoke ? [false] : [false, true];

async function main() {
  const configs = [];
  for (const input of inputs) {
    for (const amp of precisions) {
      for (const model of models) configs.push({ model, classes: 7, device, amp, threads: 0, ...input });
    }
  }
  process.stderr.write(`PyTorch: ${configs.length} configurations…\n`);
  const theirs = pytorchImagesPerSecond(configs);
  const rows = [];
  console.log('network    input        precision  fer-ga img/s  PyTorch img/s  ratio');
  for (let i = 0; i < configs.length; i++) {
    const cfg = configs[i];
    const ours = await ferGaImagesPerSecond(cfg);
    const row = { ...cfg, ferGa: ours.imagesPerSecond, pytorch: theirs[i], ratio: ours.imagesPerSecond / theirs[i], execution: ours.execution, ranOn: ours.device };
    rows.push(row);
    const input = `${cfg.size}×${cfg.size}×${cfg.channels}`;
    console.log(
      `${cfg.model.padEnd(9)}  ${input.padEnd(11)}  ${(cfg.amp ? 'bf16' : 'fp32/tf32').padEnd(9)}  ${row.ferGa.toFixed(0).padStart(12)}  ${row.pytorch.toFixed(0).padStart(13)}  ${row.ratio.toFixed(2).padStart(5)}`,
    );
  }
  if (out) fs.writeFileSync(out, JSON.stringify({ device, rows }, null, 2));
}

main().catch((error) => {
  console.error(`gpu-bench: ${error.stack || error.message}`);
  process.exit(1);
});
