/**
 * How the CLI ends when it is not allowed to finish: a reader that closes the pipe early
 * (`| head -1`) ends it quietly with 0; Ctrl-C and SIGTERM end it with one line and the
 * exit code a shell gives a process that signal stopped (130, 143).
 */
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

import { Store } from '../src/store/store';
import { BIN, smallSet } from './helpers/cli';

let tmp: string;
let data: string[];
beforeAll(async () => {
  ({ tmp, flags: data } = await smallSet('exits'));
}, 60000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A results file whose report is far bigger than a pipe's buffer: one trial with a long learning curve. */
function bigResultsFile(file: string): void {
  const epochs = 3000;
  const history = Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1, trainLoss: 1 / (i + 1), trainAccuracy: 0.5, validationLoss: 1 / (i + 2), validationAccuracy: 0.5, seconds: 0.1,
  }));
  const store = new Store(file);
  store.saveTrial({
    key: 'e'.repeat(64),
    dataset: 'synthetic',
    fingerprint: 'f'.repeat(64),
    model: 'googlenet',
    genes: { activation: 'relu', optimizer: 'adam', model: 'googlenet', learningRate: '0.0001', batchSize: '8', firstKernel: '0' },
    settings: { model: 'googlenet', activation: 'relu', optimizer: 'adam', epochs, classes: ['anger', 'happy'], size: 16, channels: 1 },
    fitness: 0.5,
    diverged: false,
    result: { folds: [{ history, diverged: false, bestEpoch: 1, bestValidationAccuracy: 0.5, finalValidationAccuracy: 0.5, confusion: [[1, 1], [1, 1]], seconds: 300, device: 'cpu', libtorch: '2.5.1' }] },
    seconds: 300,
    device: 'cpu',
    libtorch: '2.5.1',
  });
  store.close();
}

describe('a reader that stops early', () => {
  test('report | head -1: the first line, no error, exit 0', () => {
    const db = path.join(tmp, 'big.db');
    bigResultsFile(db);
    const whole = spawnSync(process.execPath, [BIN, 'report', '--db', db, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(whole.status).toBe(0);
    // Well past what a pipe holds (64 KiB), so the writer is still writing when head exits.
    expect(whole.stdout.length).toBeGreaterThan(1 << 20);

    const command = `"${process.execPath}" "${BIN}" report --db "${db}" --format json | head -1; echo "fer-ga exit \${PIPESTATUS[0]}" >&2`;
    const piped = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
    expect(piped.stdout).toBe('{\n');
    expect(piped.stderr).toBe('fer-ga exit 0\n');
  });

  test('the same for every command: models --json | true', () => {
    const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" models --json | true; echo "fer-ga exit \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    expect(piped.stderr).toBe('fer-ga exit 0\n');
  });
});

/** Starts a command, sends `signal` once its first epoch is done, and gathers how it ended. */
function interruptAfterFirstEpoch(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (!sent && /epoch 1\//.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** The lines the CLI itself wrote (not the per-epoch and progress lines). */
const ferGaLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('fer-ga') || /^\s+at /.test(line));

describe('Ctrl-C and SIGTERM', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('train stopped by %s: exit %i and one line', async (signal, code) => {
    const db = path.join(tmp, `${signal}.db`);
    const ended = await interruptAfterFirstEpoch(['train', ...data, '--epochs', '500', '--db', db], signal);
    expect(ended.code).toBe(code);
    expect(ferGaLines(ended.stderr)).toEqual(['fer-ga: stopped']);
  }, 120000);

  test('evolve stopped by Ctrl-C says how to resume it', async () => {
    const db = path.join(tmp, 'evolve.db');
    const ended = await interruptAfterFirstEpoch(['evolve', '--fidelity', 'full', ...data, '--epochs', '500', '--population', '4', '--generations', '1', '--db', db], 'SIGINT');
    expect(ended.code).toBe(130);
    const lines = ferGaLines(ended.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fer-ga: stopped; .*--resume 1 --db /);
  }, 120000);
});
