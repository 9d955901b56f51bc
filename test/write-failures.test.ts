/**
 * A checkpoint or training state that cannot be written (disk full, quota, a file-size
 * limit) ends the command with one `fer-ga:` line naming the file and the OS's reason, exit
 * 1: no abort, no core dump, no temporary left behind, and the results file as it was.
 * The failure is a real one: the CLI runs under `ulimit -f`, so write() itself fails (EFBIG).
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { BIN, runCli, smallSet, type SmallSet } from './helpers/cli';

// 4 MiB in 1 KiB blocks: the results file, the cache and the logs fit; a GoogLeNet's weights (22 MB) do not.
const LIMIT_KB = 4096;

let set: SmallSet;
beforeAll(async () => {
  set = await smallSet('write-failures');
}, 120000);
afterAll(() => fs.rmSync(set.tmp, { recursive: true, force: true }));

/** The CLI under a file-size limit; SIGXFSZ is ignored as Node ignores it, so writes past the limit fail with EFBIG. */
function runLimited(...args: string[]) {
  const script = `ulimit -c 0; ulimit -f ${LIMIT_KB}; exec "$0" "$@"`;
  const result = spawnSync('bash', ['-c', script, process.execPath, BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir` whose name says it is a temporary. */
function temporaries(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => /\.partial$|\.tmp/.test(name));
}

function trials(db: string): number {
  const handle = new Database(db, { readonly: true });
  try {
    expect(handle.pragma('integrity_check', { simple: true })).toBe('ok');
    return (handle.prepare('SELECT COUNT(*) AS n FROM trials').get() as { n: number }).n;
  } finally {
    handle.close();
  }
}

function expectOneLineFailure(result: ReturnType<typeof runLimited>, file: RegExp): void {
  expect({ signal: result.signal, code: result.code }).toEqual({ signal: null, code: 1 });
  // Progress lines come first; the failure is the last line and the only `fer-ga:` one, with no stack trace.
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines.filter((line) => line.startsWith('fer-ga:') || /^\s+at /.test(line))).toEqual([lines[lines.length - 1]]);
  const last = lines[lines.length - 1];
  expect(last).toMatch(/^fer-ga: cannot write /);
  expect(last).toMatch(file);
  expect(last).toMatch(/: File too large$/);
}

describe('a write that fails', () => {
  test('train --save-best: one line, exit 1, no temporary, the results file intact', () => {
    const db = path.join(set.tmp, 'save-best.db');
    expect(runCli('train', ...set.flags, '--model', 'googlenet', '--epochs', '1', '--db', db).code).toBe(0);
    const before = trials(db);
    const best = path.join(set.tmp, 'best');
    const result = runLimited('train', ...set.flags, '--model', 'googlenet', '--epochs', '1', '--seed', '9', '--db', db, '--save-best', best);
    expectOneLineFailure(result, /checkpoint .*best/);
    expect(temporaries(set.tmp)).toEqual([]);
    expect(fs.existsSync(path.join(best, 'best.ckpt'))).toBe(false);
    expect(trials(db)).toBeGreaterThanOrEqual(before);
  }, 120000);

  test('a halving rung whose state cannot be written: one line, exit 1, no temporary, the results file intact', () => {
    const db = path.join(set.tmp, 'halving.db');
    expect(runCli('train', ...set.flags, '--model', 'googlenet', '--epochs', '1', '--db', db).code).toBe(0);
    const before = trials(db);
    const result = runLimited('grid', ...set.flags, '--models', 'googlenet', '--activations', 'relu,elu', '--optimizers', 'adam',
      '--epochs', '2', '--fidelity', 'halving', '--min-epochs', '1', '--eta', '2', '--db', db);
    expectOneLineFailure(result, /training state /);
    expect(temporaries(set.tmp)).toEqual([]);
    expect(trials(db)).toBe(before);
  }, 120000);
});
