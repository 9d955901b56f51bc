#!/usr/bin/env node
'use strict';
// The install step (`npm ci`, `npm install fer-ga`) and `npm run build:addon`.
// An installed package with a prebuild that loads here (its libtorch is present) needs no
// compiler: nothing is built. Otherwise, or with --force, FER_GA_BUILD_FROM_SOURCE=1 or
// `npm install --build-from-source`, the addon is built with cmake-js (Release, all cores)
// against the libtorch scripts/find-torch.js finds.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');

function prebuildLoads() {
  if (!fs.existsSync(path.join(root, 'prebuilds')) || !fs.existsSync(path.join(root, 'dist/binding/native.js'))) return false;
  // In a child process: a failed dlopen must not be what this process remembers.
  const check = spawnSync(
    process.execPath,
    ['-e', "const b = require('./dist/binding/native').loadBinding(); if (b.source !== 'prebuild') process.exit(3); console.log(b.file)"],
    { cwd: root, encoding: 'utf8' },
  );
  if (check.status === 0) {
    process.stdout.write(`fer-ga: using the prebuilt addon ${path.relative(root, check.stdout.trim())}\n`);
    return true;
  }
  process.stdout.write(`fer-ga: no prebuilt addon loads here (${(check.stderr.trim().split('\n').pop() || 'unknown reason').slice(0, 300)}); building from source\n`);
  return false;
}

const fromSource =
  process.argv.includes('--force') || process.env.FER_GA_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';
if (!fromSource && prebuildLoads()) process.exit(0);

const env = { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL || String(os.availableParallelism()) };
const result = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--release'], {
  stdio: 'inherit',
  env,
  cwd: root,
});
if (result.status !== 0) {
  process.stderr.write(
    'fer-ga: building the native addon failed (see above). It needs cmake, a C++17 compiler and libtorch: ' +
      '`npm run setup` in a checkout, or `sudo apt-get install cmake g++ libtorch-dev libopenblas0-openmp` (or `pip install torch`)\n',
  );
  process.exit(result.status || 1);
}
