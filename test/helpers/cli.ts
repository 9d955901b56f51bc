/** Running the CLI as a user does, on a data set small enough to train a trial in about a second. */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { writeSyntheticDataset } from '../../src/data/synthetic';

export const BIN = path.resolve(__dirname, '../../bin/fer-ga.js');

export function runCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface SmallSet {
  /** A temporary folder holding the set (`faces`) and its cache (`cache`). */
  tmp: string;
  /** The data-set and training flags for it, but --epochs and --db. */
  flags: string[];
}

/** Seven classes, five subjects, one 16-pixel grey image each: a one-epoch trial takes about a second on one thread. */
export async function smallSet(name: string): Promise<SmallSet> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `fer-ga-${name}-`));
  await writeSyntheticDataset(path.join(tmp, 'faces'), { subjects: 5, imagesPerClass: 1, seed: 6 });
  const flags = ['--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'),
    '--batch-size', '8', '--threads', '1'];
  return { tmp, flags };
}
