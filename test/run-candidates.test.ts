/**
 * A halving run's candidates, and where each stopped, are the run's own: a grid trained in
 * the same results file afterwards (as the demo does) takes the stopped candidates to full
 * length, and the GA run's report must still list every candidate at the rung it reached.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { STAND_IN, synthFaces } from './helpers/stand-in-cli';
import { BIN } from './helpers/cli';

let tmp: string;
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a grid trained after a halving GA leaves the GA run its candidates and their rungs', () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-run-candidates-'));
  synthFaces(path.join(tmp, 'faces'), 5);
  const script = path.join(tmp, 'script.json');
  const finals = { 'relu+rmsprop': 0.9, 'leaky-relu+rmsprop': 0.85, 'clipped-relu+rmsprop': 0.8, 'relu+adam': 0.7, 'leaky-relu+adam': 0.65, 'clipped-relu+adam': 0.6, 'relu+sgdm': 0.3, 'leaky-relu+sgdm': 0.25, 'clipped-relu+sgdm': 0.2 };
  fs.writeFileSync(script, JSON.stringify({ cells: Object.fromEntries(Object.entries(finals).map(([cell, final]) => [cell, { final }])) }));
  const env = { ...process.env, FER_GA_ADDON: STAND_IN, FER_GA_STAND_IN: script };
  const db = path.join(tmp, 'results.db');
  const flags = ['--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'), '--batch-size', '8', '--epochs', '9', '--db', db, '--json'];
  const cli = (...args: string[]) => {
    // report reads the results file only.
    const result = spawnSync(process.execPath, [BIN, ...args, ...(args[0] === 'report' ? ['--db', db] : flags)], { encoding: 'utf8', env });
    if (result.status !== 0) throw new Error(`fer-ga ${args[0]} exited ${result.status}: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };
  const evolve = cli('evolve', '--model', 'googlenet', '--fidelity', 'halving', '--min-epochs', '1', '--eta', '3', '--population', '8', '--generations', '2', '--ga-seed', '1');
  type Run = { run: number; candidates: Array<{ key: string; epochs: number; stopped: boolean }>; trials: number };
  const before = (cli('report', '--format', 'json') as { runs: Run[] }).runs.find((r) => r.run === evolve.run) as Run;
  expect(before.candidates.filter((c) => c.stopped).length).toBeGreaterThan(0);
  cli('grid', '--models', 'googlenet');
  const after = (cli('report', '--format', 'json') as { runs: Run[] }).runs.find((r) => r.run === evolve.run) as Run;
  expect(after.candidates).toHaveLength(before.candidates.length);
  expect(after.candidates.map((c) => [c.key, c.epochs, c.stopped]).sort()).toEqual(before.candidates.map((c) => [c.key, c.epochs, c.stopped]).sort());
});
