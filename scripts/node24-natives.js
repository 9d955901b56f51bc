'use strict';
// Preloaded (NODE_OPTIONS=--require) into every process of the Node 24 test pass, jest's and
// the CLI processes the tests spawn. node_modules holds better-sqlite3 and opencv4nodejs built
// for Node 20; when Node 24 is asked to load one of those exact files it loads the same
// package's build for Node 24 (scripts/node24-prepare.js) instead, as an install made on
// Node 24 would have. fer-ga's own addon (Node-API) and everything else load untouched.
const fs = require('fs');
const { MANIFEST, fileIdentity } = require('./node24-paths');

const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));

// A Node 20 process that inherited the variable keeps its own builds.
if (process.versions.modules === manifest.modules) {
  const bySize = new Map(manifest.natives.map((native) => [native.node20.size, native]));
  const node24Build = (file) => {
    let size;
    try {
      size = fs.statSync(file).size;
    } catch {
      return undefined;
    }
    const native = bySize.get(size);
    return native && fileIdentity(file).sha256 === native.node20.sha256 ? native.node24 : undefined;
  };
  const dlopen = process.dlopen;
  process.dlopen = function dlopenForNode24(module, file, ...rest) {
    return dlopen.call(this, module, node24Build(file) ?? file, ...rest);
  };
}
