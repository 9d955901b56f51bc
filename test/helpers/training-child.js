'use strict';
/**
 * Child process for the native-boundary tests: each mode does something from JS that used
 * to bring the process down while a trial trains, then prints one JSON line. Run with
 * --expose-gc so collected memory is really collected.
 *   node --expose-gc training-child.js transfer,getter   (any of them, comma-separated)
 *   node --expose-gc training-child.js exit
 *   node --expose-gc training-child.js terminate-worker   (a worker thread trains and is terminated)
 *   node --expose-gc training-child.js no-thread   (prints how startTraining failed; must end by itself)
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { Worker, isMainThread, parentPort } = require('worker_threads');

const { native } = require(path.join(__dirname, '..', '..', 'dist', 'binding', 'native'));

const SIZE = 32;
const COUNT = 64;

/** Seeded bytes so two runs see the same images. */
function images() {
  const out = new Uint8Array(COUNT * SIZE * SIZE);
  let state = 7;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

const labels = Int32Array.from({ length: COUNT }, (_, i) => i % 4);
const options = {
  model: 'googlenet',
  classes: 4,
  channels: 1,
  size: SIZE,
  batchSize: 16,
  epochs: 2,
  threads: 1,
  seed: 5,
  labels,
  trainIndices: Int32Array.from({ length: 48 }, (_, i) => i),
  validationIndices: Int32Array.from({ length: 16 }, (_, i) => 48 + i),
};

/** Churns the heap so an ArrayBuffer nothing references is freed while the trial runs. */
function churn(promise) {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return new Promise((resolve) => {
    const tick = () => {
      if (settled) return resolve(promise);
      for (let i = 0; i < 20; i++) new Uint8Array(COUNT * SIZE * SIZE).fill(255);
      global.gc();
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** Trains while JS does `mode` to the images; resolves with the trial's result. */
async function disturbed(mode) {
  if (mode === 'transfer') {
    let buffer = images();
    const job = native().startTraining({ ...options, images: buffer }, () => undefined);
    // The trial's bytes move to a clone that is dropped at once: the original is detached.
    structuredClone(buffer.buffer, { transfer: [buffer.buffer] });
    buffer = null;
    return churn(job.promise);
  }
  if (mode === 'getter') {
    const withGetter = { ...options };
    // Each read hands out another array; none of them is kept by the caller.
    Object.defineProperty(withGetter, 'images', { enumerable: true, get: () => images() });
    return churn(native().startTraining(withGetter, () => undefined).promise);
  }
  throw new Error(`unknown mode ${mode}`);
}

/**
 * Caps this process's address space just above what it uses, so that the training thread's
 * stack cannot be mapped: the thread fails to start after everything else is set up.
 */
function startWithoutThread() {
  native().info();
  const used = Number(/VmSize:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  execFileSync('prlimit', ['--pid', String(process.pid), `--as=${used + 6 * 2 ** 20}`]);
  try {
    native()
      .startTraining({ ...options, images: images() }, () => undefined)
      .promise.then(
        () => process.stdout.write('resolved\n'),
        (error) => process.stdout.write(`rejected: ${error.message}\n`),
      );
  } catch (error) {
    process.stdout.write(`threw: ${error.message}\n`);
  }
}

/** The worker trains and says when its first batch is done; the main thread then terminates it. */
function terminateWorker() {
  if (isMainThread) {
    const worker = new Worker(__filename, { argv: ['terminate-worker'] });
    worker.once('message', () => worker.terminate().then(() => process.stdout.write('terminated\n')));
    return;
  }
  const training = { ...options, images: images(), epochs: 100, progressEveryBatches: 1 };
  native().startTraining(training, () => parentPort.postMessage('trained a batch'));
}

async function main(modes) {
  if (modes === 'no-thread') return startWithoutThread();
  if (modes === 'terminate-worker') return terminateWorker();
  if (modes === 'exit') {
    native().startTraining({ ...options, images: images(), epochs: 100, progressEveryBatches: 1 }, () => process.exit(0));
    return;
  }
  const losses = (result) => result.history.map((e) => [e.trainLoss, e.validationLoss]);
  const out = { undisturbed: losses(await native().startTraining({ ...options, images: images() }, () => undefined).promise) };
  for (const mode of modes.split(',')) out[mode] = losses(await disturbed(mode));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main(process.argv[2]).catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
