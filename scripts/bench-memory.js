'use strict';
/**
 * Resident memory over a long study, in one process:
 *   trials  — N trials of one small network trained one after another;
 *   cycles  — M rounds of TrainedModel.load + predict + dispose on one checkpoint;
 *   dropped — K loads of a checkpoint whose models are dropped, not disposed (left to the GC).
 * Prints one JSON object: RSS (MB) after each step and the ratios the memory test bounds.
 *
 *   node --expose-gc scripts/bench-memory.js [--trials 50] [--cycles 200] [--dropped 0] [--dropped-model vgg16]
 *
 * RSS is read after a full GC, so what is left is what native code still holds.
 */
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { trainNetwork, TrainedModel } = require('../dist');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1];
}

const TRIALS = Number(option('trials', 50));
const CYCLES = Number(option('cycles', 200));
const DROPPED = Number(option('dropped', 0));
const DROPPED_MODEL = option('dropped-model', 'vgg16');
// The step whose RSS the last one is compared with: past the allocator's warm-up.
const BASELINE_STEP = 10;
// Readings per median at the baseline and at the end.
const WINDOW = 9;

const SIZE = 15;
const COUNT = 24;

function settledRssMb() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  global.gc();
  global.gc();
  return process.memoryUsage().rss / 2 ** 20;
}

function data(size, count) {
  const images = new Uint8Array(count * size * size);
  crypto.randomFillSync(images);
  return {
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % 4),
    trainIndices: Int32Array.from({ length: count - 8 }, (_, i) => i),
    validationIndices: Int32Array.from({ length: 8 }, (_, i) => count - 8 + i),
  };
}

const trial = { model: 'googlenet', classes: 4, channels: 1, size: SIZE, batchSize: 8, epochs: 1, threads: 1, seed: 1 };

/**
 * RSS over the steps after `baseline` and over the last ones, each the median of WINDOW
 * readings, and their ratio. A single reading can sit one freed model above the rest (a chunk
 * the allocator has not handed back yet: 24 MB on 237 MB once, a ratio of 1.10); a leak
 * moves the whole window, since it grows with every step.
 */
function summary(rss, baseline) {
  const start = Math.min(baseline, rss.length) - 1;
  const first = median(rss.slice(start, start + WINDOW));
  const last = median(rss.slice(Math.max(start, rss.length - WINDOW)));
  return { steps: rss.length, baselineStep: start + 1, window: WINDOW, rssAtBaselineMb: round(first), rssAtEndMb: round(last), ratio: round(last / first, 4), rssMb: rss.map((v) => round(v)) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const round = (value, digits = 1) => Number(value.toFixed(digits));

async function trials(count) {
  const rss = [];
  const set = data(SIZE, COUNT);
  for (let i = 0; i < count; i++) {
    await trainNetwork(set, { ...trial, seed: i + 1 });
    rss.push(settledRssMb());
  }
  return summary(rss, BASELINE_STEP);
}

async function cycles(count, checkpoint) {
  const rss = [];
  const { images } = data(SIZE, 4);
  for (let i = 0; i < count; i++) {
    const model = await TrainedModel.load(checkpoint);
    await model.predict(images);
    model.dispose();
    rss.push(settledRssMb());
  }
  return summary(rss, BASELINE_STEP);
}

/** Loads without dispose: only V8's view of native memory makes the GC free them. No forced GC here. */
async function dropped(count, checkpoint) {
  const rss = [process.memoryUsage().rss / 2 ** 20];
  for (let i = 0; i < count; i++) {
    await TrainedModel.load(checkpoint);
    rss.push(process.memoryUsage().rss / 2 ** 20);
  }
  return {
    loads: count,
    checkpointMb: round(fs.statSync(checkpoint).size / 2 ** 20),
    rssBeforeMb: round(rss[0]),
    rssAfterMb: round(rss[rss.length - 1]),
    peakMb: round(Math.max(...rss)),
    heapUsedMb: round(process.memoryUsage().heapUsed / 2 ** 20),
  };
}

async function writeCheckpoint(dir, model, size) {
  const file = path.join(dir, `${model}.ckpt`);
  const channels = 1;
  await trainNetwork(data(size, 10), { ...trial, model, size, channels, epochs: 1, batchSize: 2, checkpoint: file });
  return file;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-bench-memory-'));
  try {
    const out = { node: process.version, network: `${trial.model} ${SIZE}×${SIZE}, ${COUNT} images, 1 epoch` };
    if (TRIALS > 0) out.trials = await trials(TRIALS);
    if (CYCLES > 0) out.cycles = await cycles(CYCLES, await writeCheckpoint(dir, trial.model, SIZE));
    if (DROPPED > 0) out.dropped = { model: DROPPED_MODEL, ...(await dropped(DROPPED, await writeCheckpoint(dir, DROPPED_MODEL, 32))) };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
