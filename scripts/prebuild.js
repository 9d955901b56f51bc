#!/usr/bin/env node
'use strict';
// `npm run prebuild`: packages the addon built here as a prebuild for npm, tagged with
// the libtorch it links against, so installs on machines with the same libtorch need no
// compiler. Output: prebuilds/<platform>-<arch>/fer_ga-libtorch<version>-<cpu|cuda>.node
// and that folder's manifest.json (entries from other machines are kept, so a CUDA
// prebuild made on a GPU machine can be added beside the CPU one).
//
//   npm run prebuild              (uses build/Release/fer_ga.node, building it when missing)
//   npm run prebuild -- --rebuild (builds again first)
const fs = require('fs');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const built = path.join(root, 'build/Release/fer_ga.node');

if (process.argv.includes('--rebuild') || !fs.existsSync(built)) {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'build-addon.js'), '--force'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status || 1);
}

// What the binary links: the libtorch version from the addon itself, CUDA from its libraries.
const info = JSON.parse(
  execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(built)}).info()))`], { encoding: 'utf8' }),
);
let needed = '';
try {
  needed = execFileSync('readelf', ['-d', built], { encoding: 'utf8' });
} catch {
  // No binutils: the flavour falls back to what libtorch reports at run time.
}
const flavour = /libtorch_cuda|libc10_cuda/.test(needed) || info.cuda.available ? 'cuda' : 'cpu';
const glibc = process.report.getReport().header.glibcVersionRuntime;
const platform = `${process.platform}-${process.arch}`;
const dir = path.join(root, 'prebuilds', platform);
const file = `fer_ga-libtorch${info.libtorch}-${flavour}.node`;
fs.mkdirSync(dir, { recursive: true });
const target = path.join(dir, file);
fs.copyFileSync(built, target);
try {
  // Symbols are for debugging a local build; the prebuild ships without them.
  execFileSync('strip', ['--strip-unneeded', target]);
} catch {
  // Unstripped is larger but works the same.
}

const manifestFile = path.join(dir, 'manifest.json');
const manifest = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')) : [];
const entry = { file, libtorch: info.libtorch, flavour, napi: 8, glibc, bytes: fs.statSync(target).size, builtAt: new Date().toISOString() };
const kept = manifest.filter((e) => e.file !== file && fs.existsSync(path.join(dir, e.file)));
// CPU first: on a machine with both libtorch builds, the loader tries entries in order.
const entries = [...kept, entry].sort((a, b) => (a.flavour === b.flavour ? 0 : a.flavour === 'cpu' ? -1 : 1));
fs.writeFileSync(manifestFile, `${JSON.stringify(entries, null, 2)}\n`);
console.log(`prebuild: ${path.relative(root, target)} (libtorch ${info.libtorch}, ${flavour}, glibc ${glibc}, ${(entry.bytes / 1e6).toFixed(1)} MB)`);
