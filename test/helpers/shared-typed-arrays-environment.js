'use strict';
/**
 * Jest's node environment with the outer realm's typed arrays and ArrayBuffer. onnxruntime-node
 * makes its output arrays in the realm that loaded its binding, and onnxruntime-common (loaded
 * in the test's sandbox) then checks them with `instanceof Float32Array`, which the sandbox's
 * own Float32Array fails. Suites that run onnxruntime name this environment in their docblock.
 */
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class SharedTypedArraysEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArraysEnvironment;
