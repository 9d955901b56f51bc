/**
 * A checkpoint's container checked before libtorch reads it: a zip whose entries lie inside
 * the file, whose pickles are stored (as libtorch writes them) and declare no operand longer
 * than themselves. libtorch's reader trusts those lengths and allocates them first.
 */
import fs from 'fs';

import type { Fail } from './byte-cursor';
import { UsageError } from '../util/errors';
import { checkPickleOperands } from './pickle-operands';
import { readZip } from './zip-reader';

/** Throws a UsageError naming `file` when it cannot be a checkpoint; a missing file is left to the loader's message. */
export function checkCheckpointFile(file: string): void {
  if (!fs.existsSync(file)) return;
  const fail: Fail = (why) => {
    throw new UsageError(`checkpoint ${file} is not a readable fer-ga checkpoint: ${why}`);
  };
  const bytes = fs.readFileSync(file);
  for (const [name, entry] of readZip(bytes, fail, { allowCompressed: true, notZip: 'not a zip archive, as every checkpoint is' })) {
    if (!name.endsWith('.pkl')) continue;
    if (entry.compressed) fail(`its pickle ${name} is compressed, which no checkpoint writer does`);
    checkPickleOperands(bytes.subarray(entry.offset, entry.offset + entry.size), fail);
  }
}
