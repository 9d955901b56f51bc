/** Opening a results file that must exist: commands that only read one never create an empty file. */
import fs from 'fs';

import { UsageError } from '../util/errors';
import { Store } from '../store/store';

export function openExistingResults(file: string): Store {
  if (!fs.existsSync(file)) throw new UsageError(`--db ${file}: no such results file (train, grid, evolve or demo write one)`);
  return new Store(file);
}

/** `--db FILE`, for every command that reads or writes a results file. */
export function resultsFileFlag() {
  return { type: 'string', requiresArg: true, default: 'fer-ga.db', describe: 'SQLite results file' } as const;
}
