#!/usr/bin/env node
'use strict';
// `npm run bench:files`: what the bounds-checked readers and the atomic writes cost.
// Reads a ResNet-50 state dict written by torch.save (made with Debian's python3-torchvision,
// or pass a .pth file) and its .safetensors copy, and writes a 10 MB file with
// writeFileAtomic (temporary, fsync, rename, fsync of the folder) against fs.writeFileSync.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const dist = path.resolve(__dirname, '../dist');
const { readWeights, writeSafetensors } = require(`${dist}/weights/weights`);
const { writeFileAtomic } = require(`${dist}/util/atomic-write`);

function best(runs, work) {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    work();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return fastest;
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-bench-files-'));
  try {
    let pth = process.argv[2];
    if (!pth) {
      pth = path.join(tmp, 'resnet50.pth');
      const made = spawnSync('/usr/bin/python3', ['-c',
        `import torch, torchvision; torch.save(torchvision.models.resnet50().state_dict(), ${JSON.stringify(pth)})`], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`cannot make a ResNet-50 state dict (pass a .pth file): ${made.stderr}`);
    }
    const safetensors = path.join(tmp, 'weights.safetensors');
    writeSafetensors(safetensors, await readWeights(pth));
    const mb = (file) => fs.statSync(file).size / 1e6;
    const rows = [];
    for (const file of [pth, safetensors]) {
      let ms = Infinity;
      for (let i = 0; i < 3; i++) {
        const started = process.hrtime.bigint();
        await readWeights(file);
        ms = Math.min(ms, Number(process.hrtime.bigint() - started) / 1e6);
      }
      rows.push([`read ${path.extname(file)} (${mb(file).toFixed(1)} MB)`, ms]);
    }
    const data = Buffer.alloc(10e6, 7);
    const target = path.join(tmp, 'written.bin');
    rows.push(['write 10 MB: fs.writeFileSync', best(10, () => fs.writeFileSync(target, data))]);
    rows.push(['write 10 MB: writeFileAtomic', best(10, () => writeFileAtomic(target, data))]);
    for (const [what, ms] of rows) process.stdout.write(`${what.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench-files: ${error.message}\n`);
  process.exit(1);
});
