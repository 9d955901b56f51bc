'use strict';
/**
 * A child process for test/fuzz-readers.test.ts: runs one reader of the compiled code
 * (dist/) over a list of files, so a native crash or a hang is this process's signal or
 * timeout, never the test runner's.
 *
 *   node --expose-gc fuzz-child.js READER LIST.json [SETUP.json]
 *
 * READER: pth | safetensors | fergapack | checkpoint | state. A state is read by continuing
 * the trial of SETUP.json ({data: {images, labels, trainIndices, validationIndices}, options})
 * from it. Prints one JSON line per file:
 * {start: i} before reading it, then {i, ok, message, code, ms, growthMb}, where growthMb is
 * how far the process's peak resident memory rose above the peak before any file was read
 * (the peak only rises, so a file that needed more than the limit shows as a jump).
 */
const fs = require('fs');
const path = require('path');

const dist = path.resolve(__dirname, '../../dist');
const { readWeights } = require(`${dist}/weights/weights`);
const { prepareDataset } = require(`${dist}/data/dataset`);
const { TrainedModel } = require(`${dist}/binding/model`);
const { trainNetwork } = require(`${dist}/binding/train`);

const setup = process.argv[4] ? JSON.parse(fs.readFileSync(process.argv[4], 'utf8')) : undefined;

const READERS = {
  pth: (file) => readWeights(file),
  safetensors: (file) => readWeights(file),
  fergapack: (file) => prepareDataset(`pack:${file}`),
  checkpoint: (file) => TrainedModel.load(file),
  state: (file) => trainNetwork({ ...setup.data, images: Uint8Array.from(setup.data.images) }, { ...setup.options, resumeState: file }),
};

const peakMb = () => process.resourceUsage().maxRSS / 1024;

async function main() {
  const [reader, list] = process.argv.slice(2);
  const read = READERS[reader];
  const files = JSON.parse(fs.readFileSync(list, 'utf8'));
  // The first file is the intact one: reading it once first puts the code and its buffers in
  // memory, so growth counts what a damaged file costs beyond a good one.
  await read(files[0]);
  global.gc();
  const baseline = peakMb();
  for (let i = 0; i < files.length; i++) {
    process.stdout.write(`${JSON.stringify({ start: i })}\n`);
    const started = process.hrtime.bigint();
    let answer;
    try {
      await read(files[i]);
      answer = { ok: true };
    } catch (error) {
      answer = { ok: false, message: String(error && error.message), code: error && error.code };
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    global.gc();
    process.stdout.write(`${JSON.stringify({ i, ...answer, ms, growthMb: peakMb() - baseline })}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack}\n`);
  process.exit(1);
});
