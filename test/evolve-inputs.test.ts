/**
 * What `evolve` checks before it trains and when it resumes: every network a gene can
 * pick, the run's own inputs (data, weights, fitness table) unchanged, no flag that would
 * change a resumed run; and its GA seed is not the training seed.
 */
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import Database from 'better-sqlite3';
import yargs, { type Argv } from 'yargs';

import { evolveCommand, RESUME_FLAGS, RUN_FLAGS } from '../src/cli/commands/evolve';
import { openCv } from '../src/data/opencv';
import { writeSyntheticDataset } from '../src/data/synthetic';
import { trialCount } from './helpers/results-db';
import { writeSafetensors } from '../src/weights/weights';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');

let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-evolve-inputs-'));
  await writeSyntheticDataset(path.join(tmp, 'study', 'faces'), { subjects: 4, imagesPerClass: 1, seed: 11, size: 16 });
  fs.mkdirSync(path.join(tmp, 'elsewhere'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Relative paths, as a user in the study folder types them. */
const TRAINING = ['--dataset', 'folder:faces', '--size', '16', '--face', 'none', '--cache', 'cache', '--epochs', '1', '--batch-size', '8', '--threads', '1'];
const EVOLVE = ['evolve', '--fidelity', 'full', ...TRAINING, '--model', 'resnet50'];

/** The one line a failing command prints (progress lines aside). */
const failure = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('fer-ga:')).join('\n');

/** The values one setting takes over the trials of a results file, sorted. */
function settingsOfTrials(db: string, setting: string): unknown[] {
  const handle = new Database(db, { readonly: true });
  try {
    const rows = handle.prepare('SELECT settings FROM trials').all() as Array<{ settings: string }>;
    return [...new Set(rows.map((row) => (JSON.parse(row.settings) as Record<string, unknown>)[setting]))].sort();
  } finally {
    handle.close();
  }
}


test('every network the model gene can pick is checked against --size before anything is trained', () => {
  const study = path.join(tmp, 'study');
  const result = run(study, ...EVOLVE, '--db', 'genes.db', '--genes', 'model,activation', '--generations', '1', '--population', '4');
  expect(result.code).toBe(2);
  expect(failure(result.stderr)).toBe("fer-ga: --size 16 is below alexnet's smallest input (63 pixels)");
  expect(fs.existsSync(path.join(study, 'cache'))).toBe(false);
});

test('resume: from another folder, refusing changed data and flags that would change the run', () => {
  const study = path.join(tmp, 'study');
  const first = run(study, ...EVOLVE, '--db', 'results.db', '--generations', '1', '--population', '4', '--json');
  expect(first.stderr).not.toMatch(/fer-ga:/);
  expect(first.code).toBe(0);
  expect(first.stderr).toMatch(/^evolve run 1 in results\.db$/m);
  const best = (JSON.parse(first.stdout) as { best: { accuracy: number } }).best;
  expect(best.accuracy).toBeGreaterThanOrEqual(0);

  // The run's paths were stored absolute: another working folder resumes the same run.
  const db = path.join(study, 'results.db');
  const elsewhere = run(path.join(tmp, 'elsewhere'), 'evolve', '--resume', '1', '--db', db, '--json');
  expect(elsewhere.stderr).not.toMatch(/fer-ga:/);
  expect((JSON.parse(elsewhere.stdout) as { best: unknown }).best).toEqual(best);

  const flagged = run(study, 'evolve', '--resume', '1', '--db', 'results.db', '--epochs', '3');
  expect(flagged.code).toBe(2);
  expect(failure(flagged.stderr)).toBe("fer-ga: --resume 1 continues the run with its own settings: --epochs 3 differs from the run's 1 (drop it, or start a new run)");
  // The run's own command line with --resume added is taken as it is.
  const same = run(study, ...EVOLVE, '--db', 'results.db', '--generations', '1', '--population', '4', '--resume', '1', '--json');
  expect(failure(same.stderr)).toBe('');
  expect((JSON.parse(same.stdout) as { best: unknown }).best).toEqual(best);

  const image = path.join(study, 'faces', 'happy', 'S001_0001.png');
  const cv = openCv();
  const pixels = cv.imread(image);
  pixels.set(2, 2, [0, 0, 0]);
  pixels.set(3, 3, [255, 255, 255]);
  cv.imwrite(image, pixels);
  const trials = trialCount(db);
  const changed = run(study, 'evolve', '--resume', '1', '--db', 'results.db');
  expect(changed.code).toBe(2);
  expect(failure(changed.stderr)).toMatch(
    new RegExp(`^fer-ga: --resume 1: the data set folder:${path.join(study, 'faces')} has changed since the run began \\([0-9a-f]{12}… then, [0-9a-f]{12}… now\\); restore it, or start a new run$`),
  );
  expect(trialCount(db)).toBe(trials);
});

test('every flag evolve takes is either compared on --resume or free to change', () => {
  const builder = evolveCommand.builder as unknown as (y: Argv) => { getOptions(): { key: Record<string, unknown> } };
  const flags = Object.keys(builder(yargs([])).getOptions().key).filter((flag) => !['help', 'version', '$0'].includes(flag));
  expect(flags).toContain('lr-schedule');
  expect(flags.filter((flag) => !(flag in RUN_FLAGS) && !RESUME_FLAGS.has(flag))).toEqual([]);
});

test("resume takes the run's own command line, every setting it saves included, and refuses a changed one", () => {
  const study = path.join(tmp, 'study');
  const own = [
    ...EVOLVE, '--db', 'flags.db', '--generations', '1', '--population', '4', '--genes', 'activation',
    '--lr-schedule', 'cosine', '--lr', '0.002', '--weight-decay', '0.001', '--no-augment', '--first-kernel', '3', '--validation', '0.3',
    '--optimizer', 'rmsprop', '--activation', 'elu', '--seed', '5', '--split-seed', '8', '--ga-seed', '2', '--operators', 'paper', '--eta', '3', '--json',
  ];
  const first = run(study, ...own);
  expect(failure(first.stderr)).toBe('');
  const again = run(study, ...own, '--resume', '1');
  expect(failure(again.stderr)).toBe('');
  expect((JSON.parse(again.stdout) as { best: unknown }).best).toEqual((JSON.parse(first.stdout) as { best: unknown }).best);
  // --optimizer reached every candidate (--genes searches the activation only).
  expect(settingsOfTrials(path.join(study, 'flags.db'), 'optimizer')).toEqual(['rmsprop']);
  expect(settingsOfTrials(path.join(study, 'flags.db'), 'learningRateSchedule')).toEqual(['cosine']);
  for (const [flag, value, held] of [['--lr-schedule', 'constant', 'cosine'], ['--optimizer', 'adam', 'rmsprop'], ['--activation', 'relu', 'elu'], ['--split-seed', '9', '8']]) {
    const changed = run(study, 'evolve', '--resume', '1', '--db', 'flags.db', flag, value);
    expect(changed.code).toBe(2);
    expect(failure(changed.stderr)).toBe(`fer-ga: --resume 1 continues the run with its own settings: ${flag} ${value} differs from the run's ${held} (drop it, or start a new run)`);
  }
});

test('a gene --genes does not search takes its flag, with its default: --optimizer adam, --activation relu', () => {
  const study = path.join(tmp, 'study');
  const searched = ['--generations', '1', '--population', '4'];
  const activation = run(study, ...EVOLVE, '--db', 'activation.db', ...searched, '--genes', 'activation');
  expect(failure(activation.stderr)).toBe('');
  expect(settingsOfTrials(path.join(study, 'activation.db'), 'optimizer')).toEqual(['adam']);
  const optimizer = run(study, ...EVOLVE, '--db', 'optimizer.db', ...searched, '--genes', 'optimizer', '--activation', 'elu');
  expect(failure(optimizer.stderr)).toBe('');
  expect(settingsOfTrials(path.join(study, 'optimizer.db'), 'activation')).toEqual(['elu']);
});

test('a --fitness-table run trains nothing, so it never reaches for --queue', () => {
  const tables = path.resolve(__dirname, '../data/paper-tables.csv');
  // Nothing listens on port 1: a run that probed the queue would fail.
  const table = ['evolve', '--fitness-table', tables, '--dataset', 'kdef', '--model', 'googlenet', '--generations', '2', '--queue', 'redis://127.0.0.1:1'];
  const fresh = run(tmp, ...table, '--db', 'queue-table.db');
  expect(failure(fresh.stderr)).toBe('');
  expect(fresh.code).toBe(0);
  const resumed = run(tmp, 'evolve', '--resume', '1', '--db', 'queue-table.db', '--queue', 'redis://127.0.0.1:1');
  expect(failure(resumed.stderr)).toBe('');
  expect(resumed.code).toBe(0);
});

test('resume refuses a changed weights file and a changed fitness table', () => {
  const study = path.join(tmp, 'study');
  const weights = path.join(study, 'head.safetensors');
  writeSafetensors(weights, [{ name: 'fc.bias', shape: [7], data: new Float32Array(7), dtype: 'float32' }]);
  const withWeights = run(study, ...EVOLVE, '--db', 'weights.db', '--weights', weights, '--partial-weights', '--generations', '1', '--population', '4');
  expect(withWeights.stderr).not.toMatch(/fer-ga:/);
  writeSafetensors(weights, [{ name: 'fc.bias', shape: [7], data: new Float32Array(7).fill(1), dtype: 'float32' }]);
  const resumed = run(study, 'evolve', '--resume', '1', '--db', 'weights.db');
  expect(resumed.code).toBe(2);
  expect(failure(resumed.stderr)).toMatch(new RegExp(`^fer-ga: --resume 1: the weights file ${weights} has changed since the run began`));

  const table = path.join(study, 'table.csv');
  fs.writeFileSync(table, 'dataset,model,optimizer,activation,accuracy\n' + ['sgdm', 'rmsprop', 'adam'].flatMap((o, i) =>
    ['relu', 'leaky-relu', 'clipped-relu'].map((a, j) => `ck,vgg16,${o},${a},${50 + 3 * i + j}`)).join('\n') + '\n');
  const fromTable = run(study, 'evolve', '--fitness-table', 'table.csv', '--dataset', 'ck', '--model', 'vgg16', '--db', 'table.db', '--generations', '2', '--population', '4');
  expect(fromTable.stderr).not.toMatch(/fer-ga:/);
  fs.appendFileSync(table, 'ck,vgg16,adam,elu,99\n');
  const again = run(path.join(tmp, 'elsewhere'), 'evolve', '--resume', '1', '--db', path.join(study, 'table.db'));
  expect(again.code).toBe(2);
  expect(failure(again.stderr)).toMatch(new RegExp(`^fer-ga: --resume 1: the fitness table ${table} has changed since the run began`));
});

test('--ga-seed drives the search only: runs with other GA seeds share the trials of one training seed', () => {
  const study = path.join(tmp, 'study');
  const grid = run(study, 'grid', ...TRAINING, '--db', 'seeds.db', '--models', 'resnet50', '--json');
  expect(grid.stderr).not.toMatch(/fer-ga:/);
  expect((JSON.parse(grid.stdout) as { trainings: number }).trainings).toBe(9);
  for (const gaSeed of ['3', '4']) {
    const evolve = run(study, ...EVOLVE, '--db', 'seeds.db', '--ga-seed', gaSeed, '--generations', '2', '--population', '4', '--json');
    expect(evolve.stderr).not.toMatch(/fer-ga:/);
    expect(JSON.parse(evolve.stdout)).toMatchObject({ trainings: 0 });
  }
  expect(trialCount(path.join(study, 'seeds.db'))).toBe(9);
});

test('a run has one owner: a second --resume names the holder; Ctrl-C exits 130 with the command that resumes', async () => {
  const study = path.join(tmp, 'study');
  const longer = EVOLVE.map((arg, i) => (EVOLVE[i - 1] === '--epochs' ? '50' : arg));
  const args = [BIN, ...longer, '--db', 'owned.db', '--generations', '1', '--population', '4'];
  const child = spawn(process.execPath, args, { cwd: study });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  while (!/epoch 1\/50/.test(stderr) && !done) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(failure(stderr)).toBe('');

  const second = run(study, 'evolve', '--resume', '1', '--db', 'owned.db');
  expect(second.code).toBe(2);
  expect(failure(second.stderr)).toMatch(
    new RegExp(`^fer-ga: run 1 is being run by another process \\(host ${os.hostname()}, pid ${child.pid}, since [-0-9T:.Z]+\\); wait for it or stop it$`),
  );

  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(failure(stderr)).toBe('fer-ga: stopped; the state is saved: resume with fer-ga evolve --resume 1 --db owned.db');
});
