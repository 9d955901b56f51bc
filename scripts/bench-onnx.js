#!/usr/bin/env node
'use strict';
// `npm run bench:onnx [-- CHECKPOINT IMAGES]`: the ONNX export's figures. Each network is
// trained for one epoch on a small synthetic set at 48 px grey with 7 classes (AlexNet at
// its minimum, 63 px), exported with every activation, and run by onnxruntime-node against
// the addon on the same two images: the worst logit difference and the file's size. With a
// checkpoint (the demo's fer-ga-demo/best.ckpt) and images (a folder), `predict --checkpoint`
// and `predict --model` on its export: agreement and the time of each (whole CLI runs).
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const dist = path.resolve(__dirname, '../dist');
const BIN = path.resolve(__dirname, '../bin/fer-ga.js');
const { TrainedModel } = require(`${dist}/binding/model`);
const { writeSyntheticDataset } = require(`${dist}/data/synthetic`);
const { ACTIVATIONS, MODELS } = require(`${dist}/names`);
const { agreementWithAddon, seededPixels } = require(`${dist}/onnx/addon-agreement`);
const { exportedInfoOf } = require(`${dist}/onnx/checkpoint-export`);
const { OnnxModel } = require(`${dist}/onnx/onnx-session`);
const { expandImageArguments, preprocessForPrediction } = require(`${dist}/binding/predict`);

const SIZES = { alexnet: 63, googlenet: 48, vgg16: 48, resnet50: 48 };

function cli(args, env = process.env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`fer-ga ${args.join(' ')}: ${result.stderr.trim()}`);
  return { stdout: result.stdout, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function networks(tmp) {
  const faces = path.join(tmp, 'faces');
  await writeSyntheticDataset(faces, { subjects: 3, imagesPerClass: 1, seed: 8 });
  process.stdout.write('| network | size | ONNX file (relu) | largest \\|logit\\| | ' + ACTIVATIONS.join(' | ') + ' |\n|---|---|---|---|' + ACTIVATIONS.map(() => '---').join('|') + '|\n');
  for (const model of MODELS) {
    const checkpoint = path.join(tmp, `${model}.ckpt`);
    cli(['train', '--dataset', `folder:${faces}`, '--size', String(SIZES[model]), '--face', 'none', '--cache', path.join(tmp, 'cache'), '--epochs', '1',
      '--batch-size', '8', '--threads', '1', '--db', path.join(tmp, 'results.db'), '--model', model, '--optimizer', 'adam', '--checkpoint', checkpoint]);
    const trained = await TrainedModel.load(checkpoint);
    const network = { spec: trained.spec, weights: await trained.stateDict(), normalisation: trained.normalisation, info: exportedInfoOf(trained) };
    trained.dispose();
    const input = seededPixels(2, 1, SIZES[model], 7);
    const worst = [];
    let bytes = 0;
    let largest = 0;
    for (const activation of ACTIVATIONS) {
      const result = await agreementWithAddon(network, activation, input);
      worst.push(result.worstDifference.toExponential(1));
      if (activation === 'relu') bytes = result.bytes;
      largest = Math.max(largest, result.largestLogit);
    }
    fs.rmSync(checkpoint);
    process.stdout.write(`| ${model} | ${SIZES[model]} | ${(bytes / 1e6).toFixed(1)} MB (${bytes} bytes) | ${largest.toPrecision(2)} | ${worst.join(' | ')} |\n`);
  }
}

async function bestOf(runs, work) {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await work();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return fastest;
}

/** The networks alone on the same preprocessed images: libtorch (the addon) against onnxruntime-node. */
async function networkTimes(checkpoint, onnxFile, images) {
  const model = await TrainedModel.load(checkpoint);
  const exported = await OnnxModel.load(onnxFile);
  const { size, color, face, margin } = exported.info;
  const pixels = await preprocessForPrediction(expandImageArguments([images]), { size, color, face, margin });
  const libtorch = await bestOf(3, () => model.predict(pixels));
  const onnxruntime = await bestOf(3, () => exported.predict(pixels));
  model.dispose();
  await exported.dispose();
  process.stdout.write(`the network alone, best of 3: libtorch ${libtorch.toFixed(2)} s, onnxruntime-node ${onnxruntime.toFixed(2)} s\n`);
}

async function predictAgreement(tmp, checkpoint, images) {
  const onnxFile = path.join(tmp, 'best.onnx');
  cli(['export', '--checkpoint', checkpoint, '--out', onnxFile]);
  const byCheckpoint = cli(['predict', '--checkpoint', checkpoint, images, '--json']);
  // The addon made unloadable: --model must not need it.
  const byModel = cli(['predict', '--model', onnxFile, images, '--json'], { ...process.env, FER_GA_ADDON: path.join(tmp, 'none.node') });
  const a = JSON.parse(byCheckpoint.stdout).images;
  const b = JSON.parse(byModel.stdout).images;
  let same = 0;
  let worst = 0;
  a.forEach((p, i) => {
    if (p.expression === b[i].expression) same++;
    for (const name of Object.keys(p.probabilities)) worst = Math.max(worst, Math.abs(p.probabilities[name] - b[i].probabilities[name]));
  });
  process.stdout.write(
    `\n${checkpoint} on ${a.length} images of ${images}: same top class for ${same} of ${a.length}, worst |Δp| ${worst.toExponential(1)}; ` +
      `ONNX file ${(fs.statSync(onnxFile).size / 1e6).toFixed(1)} MB\n` +
      `predict --checkpoint: ${byCheckpoint.seconds.toFixed(2)} s; predict --model: ${byModel.seconds.toFixed(2)} s (whole CLI runs, preprocessing included)\n`,
  );
  await networkTimes(checkpoint, onnxFile, images);
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-bench-onnx-'));
  try {
    const [checkpoint, images] = process.argv.slice(2);
    if (checkpoint) await predictAgreement(tmp, checkpoint, images);
    else await networks(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
