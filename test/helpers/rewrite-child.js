'use strict';
/**
 * A child process for test/atomic-write.test.ts: rewrites FILE again and again with whole
 * versions (see versionText) until it is killed, printing "ready" after its first write.
 *
 *   node rewrite-child.js FILE atomic|plain SEED
 *
 * `plain` writes with fs.writeFileSync, to show what the test catches when a write is not atomic.
 */
const fs = require('fs');
const path = require('path');

const { writeFileAtomic } = require(path.resolve(__dirname, '../../dist/util/atomic-write'));

/** A version is self-checking: its header says its length and the one letter its body repeats. */
function versionText(n) {
  const length = 256 * 1024 + ((n * 7919) % 65536) * 16;
  return `version ${n} length ${length}\n${String.fromCharCode(97 + (n % 26)).repeat(length)}`;
}

const [file, mode, seed] = process.argv.slice(2);
const write = mode === 'plain' ? (f, text) => fs.writeFileSync(f, text) : writeFileAtomic;
for (let n = Number(seed); ; n++) {
  write(file, versionText(n));
  if (n === Number(seed)) process.stdout.write('ready\n');
}
