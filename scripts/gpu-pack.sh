#!/usr/bin/env bash
# Assembles .gpu/ (ignored), what scripts/gpu-check.sh needs on a GPU machine that has
# no Node, no npm registry and no OpenCV: the Node binary, the runtime packages of the
# compiled JS (not the whole node_modules), and a synthetic data set packed here.
# Then carry `.gpu` and `dist` with the run:  bash scripts/gpu-pack.sh [NODE_XZ]
set -euo pipefail
cd "$(dirname "$0")/.."
node_xz=${1:-../shared/gpu/node-v20-linux-x64.xz}
[ -f "$node_xz" ] || { echo "gpu-pack: no Node binary at $node_xz (pass its path)" >&2; exit 1; }

npm run --silent build:ts
rm -rf .gpu && mkdir -p .gpu/node_modules
cp "$node_xz" .gpu/node-v20-linux-x64.xz

# The runtime closure of what dist/ requires, plus the headers the native build needs.
node - <<'JS'
const fs = require('fs');
const path = require('path');
const roots = ['yargs', 'better-sqlite3', 'node-addon-api', 'node-api-headers'];
const seen = new Set();
const visit = (name) => {
  if (seen.has(name)) return;
  seen.add(name);
  const manifest = JSON.parse(fs.readFileSync(path.join('node_modules', name, 'package.json'), 'utf8'));
  for (const dep of Object.keys(manifest.dependencies || {})) visit(dep);
};
roots.forEach(visit);
for (const name of seen) {
  fs.cpSync(path.join('node_modules', name), path.join('.gpu/node_modules', name), {
    recursive: true,
    // better-sqlite3's SQLite sources and build intermediates are not needed at run time.
    filter: (src) => !/better-sqlite3\/(deps|src)\b|\/Release\/(obj|obj\.target)\b|\.a$|\/test\b/.test(src),
  });
}
console.log(`gpu-pack: ${seen.size} packages`);
JS

# A packed synthetic set (OpenCV draws and preprocesses it here; the GPU machine has none).
node bin/fer-ga.js prepare --dataset synthetic --size 48 --json > .gpu/prepare.json
cp "$(node -p "require('./.gpu/prepare.json').cache")" .gpu/synthetic-48.fergapack
du -sh .gpu dist
