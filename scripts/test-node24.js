#!/usr/bin/env node
'use strict';
// The second pass of `npm test`: the jest suite again on Node 24 (scripts/node24-prepare.js
// makes it ready, and does nothing when it is). Every process of the pass, jest and the CLI
// processes the tests spawn with process.execPath, runs on Node 24 and loads the Node 24
// builds of the non-Node-API addons (scripts/node24-natives.js). Arguments go to jest.
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE24_BIN } = require('./node24-paths');

const prepared = spawnSync(process.execPath, [path.join(__dirname, 'node24-prepare.js')], { stdio: 'inherit' });
if (prepared.status !== 0) process.exit(prepared.status ?? 1);

const preload = `--require "${path.join(__dirname, 'node24-natives.js')}"`;
const env = {
  ...process.env,
  NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
  // Which Node test/node-versions.test.ts expects the pass to be on.
  FER_GA_TEST_NODE: '24',
  // Tools run by name (npm, npx, node) resolve to Node 24 as well.
  PATH: `${path.dirname(NODE24_BIN)}${path.delimiter}${process.env.PATH}`,
};
process.stdout.write(`fer-ga: the test suite on Node ${spawnSync(NODE24_BIN, ['--version'], { encoding: 'utf8' }).stdout.trim()}\n`);
// A whole-suite pass leaves out the suites whose subject is the native numerics or a file
// format (pure computation, the same bits on any Node): the pass is about Node 24 loading
// and running fer-ga (addons, SQLite, OpenCV, the queue, the CLI), and CI's time is finite.
const NODE_INDEPENDENT = ['training-state', 'models', 'weights', 'determinism', 'foreach', 'evolve-table', 'search-quality'];
const args = process.argv.slice(2);
const ignore =
  args.length === 0
    ? ['--testPathIgnorePatterns', '/node_modules/', '<rootDir>/test/gpu/', ...NODE_INDEPENDENT.map((name) => `<rootDir>/test/${name}\\.test\\.ts$`)]
    : [];
const jest = spawnSync(NODE24_BIN, [require.resolve('jest/bin/jest'), ...ignore, ...args], { stdio: 'inherit', env });
process.exit(jest.status ?? 1);
