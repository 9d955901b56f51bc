import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import Database from 'better-sqlite3';

import { writeSyntheticDataset } from '../src/data/synthetic';
import { trialCount } from './helpers/results-db';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');

let tmp: string;
let common: string[];
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-resume-'));
  await writeSyntheticDataset(path.join(tmp, 'faces'), { subjects: 5, imagesPerClass: 1, seed: 4 });
  common = [
    'evolve', '--fidelity', 'full', '--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'),
    '--model', 'resnet50', '--epochs', '1', '--batch-size', '8', '--lr', '0.001', '--generations', '4', '--population', '4',
    '--seed', '3', '--threads', '1', '--json',
  ];
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));


function finalState(db: string): unknown {
  const handle = new Database(db, { readonly: true });
  try {
    return JSON.parse((handle.prepare('SELECT state FROM runs WHERE id = 1').get() as { state: string }).state);
  } finally {
    handle.close();
  }
}

test('an evolve killed with SIGKILL resumes to the same end, training no trial twice', async () => {
  const referenceDb = path.join(tmp, 'reference.db');
  const reference = spawnSync(process.execPath, [BIN, ...common, '--db', referenceDb], { encoding: 'utf8' });
  expect(reference.stderr).not.toMatch(/fer-ga:/);
  expect(reference.status).toBe(0);
  const whole = JSON.parse(reference.stdout) as { best: unknown; history: unknown[]; distinct: number; trainings: number; evaluations: number };
  expect(whole.trainings).toBe(whole.distinct);
  expect(whole.evaluations).toBe(16);

  // Kill the second run after its third training has finished.
  const killedDb = path.join(tmp, 'killed.db');
  const child = spawn(process.execPath, [BIN, ...common, '--db', killedDb]);
  let trainedEpochs = 0;
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      trainedEpochs += (chunk.toString().match(/epoch 1\/1/g) ?? []).length;
      if (trainedEpochs >= 3 && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
  });
  expect(child.signalCode).toBe('SIGKILL');
  const before = trialCount(killedDb);
  expect(before).toBeGreaterThanOrEqual(2);
  expect(before).toBeLessThan(whole.distinct);

  const resumed = spawnSync(process.execPath, [BIN, ...common, '--db', killedDb, '--resume', '1'], { encoding: 'utf8' });
  expect(resumed.stderr).not.toMatch(/fer-ga:/);
  expect(resumed.status).toBe(0);
  const end = JSON.parse(resumed.stdout) as typeof whole;
  expect(end.best).toEqual(whole.best);
  expect(end.history).toEqual(whole.history);
  expect(end.distinct).toBe(whole.distinct);
  expect(finalState(killedDb)).toEqual(finalState(referenceDb));
  // Trials stored before the kill were not trained again.
  expect(end.trainings).toBe(whole.distinct - before);
  expect(trialCount(killedDb)).toBe(whole.distinct);
});
