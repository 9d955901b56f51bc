#!/usr/bin/env node
'use strict';
// Builds the native addon with cmake-js (Release, all cores). `npm ci` runs it as the
// install step; `npm run build:addon` rebuilds after a change to native/.
const os = require('os');
const { spawnSync } = require('child_process');

const env = { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL || String(os.availableParallelism()) };
const result = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--release'], {
  stdio: 'inherit',
  env,
});
if (result.status !== 0) {
  process.stderr.write('fer-ga: building the native addon failed (see above); `npm run setup` installs what it needs\n');
  process.exit(result.status || 1);
}
