/**
 * The fitness table is read with a real CSV parser: the CSV `report --format csv` writes
 * (a field quoted because it holds a comma) reads back into the rows `evolve
 * --fitness-table` needs.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { readFitnessTable, TableFitness } from '../src/ga/fitness-table';
import { Store, type TrialRecord } from '../src/store/store';
import { UsageError } from '../src/util/errors';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');
const TABLES = path.resolve(__dirname, '../data/paper-tables.csv');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-fitness-table-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let files = 0;
function tableFile(text: string, extension = 'csv'): string {
  const file = path.join(tmp, `table-${++files}.${extension}`);
  fs.writeFileSync(file, text);
  return file;
}

function usageError(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('readFitnessTable', () => {
  test('the paper’s tables: 108 rows', () => {
    const rows = readFitnessTable(TABLES);
    expect(rows).toHaveLength(108);
    expect(rows[0]).toEqual({ dataset: 'ckplus', model: 'alexnet', optimizer: 'sgdm', activation: 'relu', accuracy: 48.64 });
  });

  test('quoted fields keep their commas, quotes and line breaks; columns in any order, others ignored', () => {
    const file = tableFile(
      '\ufeffAccuracy,note,Dataset,model,optimizer,activation\r\n' +
        '0.5,"first, with a comma",folder:/data/faces,vgg16,adam,relu\r\n' +
        '0.75,"a ""quoted"" word","folder:/data/faces, 2020",vgg16,adam,relu\r\n' +
        '\r\n' +
        '0.25,"two\nlines",kdef,vgg16,sgdm,relu\r\n',
    );
    expect(readFitnessTable(file)).toEqual([
      { dataset: 'folder:/data/faces', model: 'vgg16', optimizer: 'adam', activation: 'relu', accuracy: 0.5 },
      { dataset: 'folder:/data/faces, 2020', model: 'vgg16', optimizer: 'adam', activation: 'relu', accuracy: 0.75 },
      { dataset: 'kdef', model: 'vgg16', optimizer: 'sgdm', activation: 'relu', accuracy: 0.25 },
    ]);
  });

  test('bad tables: one line naming the file and what is wrong', () => {
    const header = 'dataset,model,optimizer,activation,accuracy\n';
    const missing = tableFile('dataset,model,optimizer,accuracy\nkdef,vgg16,adam,0.5\n');
    expect(usageError(() => readFitnessTable(missing))).toBe(`fitness table ${missing} lacks column(s) activation`);
    const empty = tableFile('\n\n');
    expect(usageError(() => readFitnessTable(empty))).toBe(`fitness table ${empty} is empty`);
    // The line is the file's, counting the line break inside the quoted field.
    const notNumber = tableFile(`${header}"kdef\nfront",vgg16,adam,relu,0.5\nkdef,vgg16,adam,relu,high\n`);
    expect(usageError(() => readFitnessTable(notNumber))).toBe(`fitness table ${notNumber} line 4: accuracy 'high' is not a number`);
    const blank = tableFile(`${header}kdef,vgg16,adam,relu,\n`);
    expect(usageError(() => readFitnessTable(blank))).toBe(`fitness table ${blank} line 2: accuracy '' is not a number`);
    for (const body of ['"kdef,vgg16,adam,relu,0.5\n', 'kdef,vgg16,adam,0.5\n']) {
      const broken = tableFile(header + body);
      const message = usageError(() => readFitnessTable(broken));
      expect(message.startsWith(`fitness table ${broken} is not valid CSV: `)).toBe(true);
      expect(message).not.toContain('\n');
    }
  });

  test('a table of fractions is read as fractions, a table of percents as percents, even below 1%', async () => {
    const fractions = readFitnessTable(tableFile('dataset,model,optimizer,activation,accuracy\nd,m,adam,relu,0.9\nd,m,sgdm,relu,1\n'));
    expect((await new TableFitness(fractions, 'd', 'm', 'f').fitnessOf({ activation: 'relu', optimizer: 'sgdm' })).fitness).toBe(1);
    const percents = readFitnessTable(tableFile('dataset,model,optimizer,activation,accuracy\nd,m,adam,relu,90\nd,m,sgdm,relu,0.5\n'));
    expect((await new TableFitness(percents, 'd', 'm', 'p').fitnessOf({ activation: 'relu', optimizer: 'sgdm' })).fitness).toBe(0.005);
  });

  test('two different accuracies for one combination are refused, naming it', () => {
    const rows = readFitnessTable(tableFile('dataset,model,optimizer,activation,accuracy\nd,m,adam,relu,0.5\nd,m,adam,relu,0.5\nd,m,adam,relu,0.7\n'));
    expect(usageError(() => new TableFitness(rows, 'd', 'm', 'both.csv'))).toBe(
      'fitness table both.csv has two accuracies for d, m, relu, adam (0.5 and 0.7): keep one row per combination',
    );
  });
});

describe('report --format csv read back by evolve --fitness-table', () => {
  // A folder data set whose path holds a comma: report quotes the dataset field.
  const DATASET = `folder:${path.join(os.tmpdir(), 'faces, 2020')}`;
  const ACCURACY: Record<string, number> = {
    'relu|sgdm': 0.61, 'relu|rmsprop': 0.32, 'relu|adam': 0.58,
    'leaky-relu|sgdm': 0.66, 'leaky-relu|rmsprop': 0.71, 'leaky-relu|adam': 0.69,
    'clipped-relu|sgdm': 0.55, 'clipped-relu|rmsprop': 0.2, 'clipped-relu|adam': 0.63,
  };

  /** What runTrial stores for one googlenet trial on a three-class folder set. */
  function trialRecord(activation: string, optimizer: string, index: number): TrialRecord {
    const settings = {
      model: 'googlenet', activation, optimizer, epochs: 2, batchSize: 8, learningRate: 0.001, weightDecay: 0.0001, augment: true, firstKernel: 0,
      seed: 1, folds: 1, validationFraction: 0.2, amp: false, device: 'cpu', threads: 1, classes: ['anger', 'happiness', 'neutral'], size: 16, channels: 1,
    };
    const fitness = ACCURACY[`${activation}|${optimizer}`];
    const history = [{ epoch: 1, trainLoss: 1, trainAccuracy: 0.5, validationLoss: 1, validationAccuracy: fitness, seconds: 1 }];
    const fold = { history, diverged: false, bestEpoch: 1, bestValidationAccuracy: fitness, finalValidationAccuracy: fitness, confusion: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], seconds: 1, device: 'cpu', libtorch: '2.5.1' };
    return {
      key: `${String(index).padStart(4, '0')}${'e'.repeat(60)}`,
      dataset: DATASET,
      fingerprint: 'f'.repeat(64),
      model: 'googlenet',
      genes: { activation, optimizer, model: 'googlenet', learningRate: '0.001', batchSize: '8', firstKernel: '0' },
      settings,
      fitness,
      diverged: false,
      result: { folds: [fold] },
      seconds: 1,
      device: 'cpu',
      libtorch: '2.5.1',
    };
  }

  test('the rows come back whole, and the GA picks the best of them without training', () => {
    const db = path.join(tmp, 'results.db');
    const store = new Store(db);
    Object.keys(ACCURACY).forEach((combination, i) => store.saveTrial(trialRecord(combination.split('|')[0], combination.split('|')[1], i)));
    store.close();

    const csv = path.join(tmp, 'report.csv');
    const report = spawnSync(process.execPath, [BIN, 'report', '--db', db, '--format', 'csv', '--out', csv], { encoding: 'utf8' });
    expect(report.stderr).not.toMatch(/fer-ga:/);
    expect(report.status).toBe(0);
    expect(fs.readFileSync(csv, 'utf8')).toContain(`"${DATASET}"`);

    const rows = readFitnessTable(csv);
    expect(rows).toHaveLength(9);
    for (const row of rows) {
      expect(row).toEqual({ dataset: DATASET, model: 'googlenet', optimizer: row.optimizer, activation: row.activation, accuracy: ACCURACY[`${row.activation}|${row.optimizer}`] });
    }

    const evolve = spawnSync(
      process.execPath,
      [BIN, 'evolve', '--fitness-table', csv, '--dataset', DATASET, '--model', 'googlenet', '--db', path.join(tmp, 'evolve.db'), '--json'],
      { encoding: 'utf8' },
    );
    expect(evolve.stderr).not.toMatch(/fer-ga:/);
    expect(evolve.status).toBe(0);
    const result = JSON.parse(evolve.stdout) as { best: { genes: Record<string, string>; accuracy: number }; trainings: number };
    expect(result.trainings).toBe(0);
    expect(result.best).toEqual({ genes: { activation: 'leaky-relu', optimizer: 'rmsprop' }, accuracy: 0.71 });
  });
});
