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
// A whole-suite pass runs the suites whose subject can differ between Node versions: loading
// the addon and its N-API boundary, the V8 addons (better-sqlite3, opencv4nodejs), child
// processes, signals and exit codes, files replaced under kills, the queue's client. The rest
// (native numerics, file formats, the GA, halving and reports over the store) computes the
// same on any Node and runs in the first pass.
const NODE_DEPENDENT = [
  'native-boundary', 'native-options', 'errors', 'node-versions', 'memory', 'package', 'train', 'hostile-files',
  'store-concurrency', 'runs', 'datasets', 'cache', 'predict', 'cli', 'cli-exits', 'atomic-write', 'queue-results', 'predictions',
  // onnxruntime-node, a Node-API addon of its own, under predict --model and the page's server.
  'web-page',
];
const args = process.argv.slice(2);
const selection = args.length === 0 ? [`/test/(${NODE_DEPENDENT.join('|')})\\.test\\.ts$`] : [];
const jest = spawnSync(NODE24_BIN, [require.resolve('jest/bin/jest'), ...selection, ...args], { stdio: 'inherit', env });
process.exit(jest.status ?? 1);
