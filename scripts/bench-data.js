#!/usr/bin/env node
'use strict';
// Preprocessing throughput: fer-ga's pipeline (parallel decode, face detection or centre
// crop, resize, pack) against a plain sequential OpenCV loop doing the same steps
// (imread, the same Haar cascade when detecting, crop, resize) in the same process, on CK+-like 640×490 grey PNGs and KDEF-like 562×762
// colour JPEGs.
//
//   node scripts/bench-data.js [--images 120]

const fs = require('fs');
const os = require('os');
const path = require('path');
const { prepareDataset } = require('../dist/data/dataset');
const { openCv } = require('../dist/data/opencv');
const { haarCascadePath } = require('../dist/data/preprocess');

const count = Number(process.argv.includes('--images') ? process.argv[process.argv.indexOf('--images') + 1] : 120);

function writeSet(root, width, height, grey, extension) {
  const cv = openCv();
  for (let i = 0; i < count; i++) {
    const label = ['happy', 'sadness'][i % 2];
    const image = new cv.Mat(height, width, cv.CV_8UC3, [90 + (i % 40), 110, 130]);
    const cx = width / 2 + ((i % 7) - 3) * 10;
    const cy = height / 2;
    const r = Math.min(width, height) / 3;
    image.drawEllipse(new cv.Point2(cx, cy), new cv.Size(Math.round(r * 0.8), Math.round(r)), 0, 0, 360, new cv.Vec3(150, 170, 210), -1);
    image.drawCircle(new cv.Point2(cx - r / 3, cy - r / 4), Math.round(r / 10), new cv.Vec3(20, 20, 20), -1);
    image.drawCircle(new cv.Point2(cx + r / 3, cy - r / 4), Math.round(r / 10), new cv.Vec3(20, 20, 20), -1);
    const dir = path.join(root, label);
    fs.mkdirSync(dir, { recursive: true });
    cv.imwrite(path.join(dir, `S${String(i).padStart(3, '0')}_1${extension}`), grey ? image.cvtColor(cv.COLOR_BGR2GRAY) : image);
  }
}

function sequentialBaseline(root, size, grey, face) {
  const cv = openCv();
  const cascade = face === 'detect' ? new cv.CascadeClassifier(haarCascadePath()) : undefined;
  const started = process.hrtime.bigint();
  for (const label of fs.readdirSync(root)) {
    for (const file of fs.readdirSync(path.join(root, label))) {
      const image = cv.imread(path.join(root, label, file), grey ? cv.IMREAD_GRAYSCALE : cv.IMREAD_COLOR);
      if (cascade) {
        const side = Math.max(24, Math.floor(Math.min(image.cols, image.rows) / 8));
        cascade.detectMultiScale(grey ? image : image.cvtColor(cv.COLOR_BGR2GRAY), { scaleFactor: 1.1, minNeighbors: 4, minSize: new cv.Size(side, side) });
      }
      const side = Math.min(image.cols, image.rows);
      const crop = image.getRegion(new cv.Rect((image.cols - side) >> 1, (image.rows - side) >> 1, side, side));
      crop.resize(size, size, 0, 0, cv.INTER_AREA).getData();
    }
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function pipeline(root, cacheDir, size, color, face) {
  const started = process.hrtime.bigint();
  const prepared = await prepareDataset(`folder:${root}`, { size, color, face, cacheDir });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: prepared.header.count / seconds, detected: prepared.header.faces.detected };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-bench-data-'));
  try {
    const sets = [
      { name: 'CK+-like 640×490 grey PNG', dir: path.join(tmp, 'ck'), width: 640, height: 490, grey: true, ext: '.png', color: 'grey' },
      { name: 'KDEF-like 562×762 colour JPEG', dir: path.join(tmp, 'kdef'), width: 562, height: 762, grey: false, ext: '.jpg', color: 'rgb' },
    ];
    console.log(`preprocessing images/s to 48×48, ${count} images a set, ${os.availableParallelism()} cores\n`);
    console.log('set                              faces   fer-ga img/s  sequential img/s  ratio');
    const rows = [];
    for (const set of sets) {
      writeSet(set.dir, set.width, set.height, set.grey, set.ext);
      for (const face of ['none', 'detect']) {
        const baseline = sequentialBaseline(set.dir, 48, set.grey, face);
        const ours = await pipeline(set.dir, path.join(tmp, `cache-${face}`), 48, set.color, face);
        rows.push({ set: set.name, face, ours: ours.perSecond, baseline, ratio: ours.perSecond / baseline, facesDetected: ours.detected });
        console.log(`${set.name.padEnd(31)}  ${face.padEnd(6)}  ${ours.perSecond.toFixed(1).padStart(12)}  ${baseline.toFixed(1).padStart(16)}  ${(ours.perSecond / baseline).toFixed(2).padStart(5)}`);
      }
    }
    console.log(`\n${JSON.stringify({ count, rows })}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
