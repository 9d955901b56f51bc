/**
 * One set of flags: the data-set flags `prepare` takes are taken by every command that
 * trains (and reach the data set), `--parallel` only where trials run side by side, and
 * list values are spelled like flags.
 */
import fs from 'fs';
import path from 'path';

import { geneListFlag } from '../src/cli/arguments';
import { runCli as run, smallSet } from './helpers/cli';

let tmp: string;
let data: string[];
beforeAll(async () => {
  const set = await smallSet('flags');
  tmp = set.tmp;
  data = [...set.flags, '--epochs', '1', '--db', path.join(tmp, 'results.db')];
}, 60000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the data-set flags', () => {
  test('train --classes trains on the classes named, as prepare shows them', () => {
    const prepared = run('prepare', ...data.slice(0, 8), '--classes', 'happy,sadness', '--json');
    expect(prepared.code).toBe(0);
    expect((JSON.parse(prepared.stdout) as { classes: string[] }).classes).toEqual(['happy', 'sadness']);

    const trained = run('train', ...data, '--model', 'resnet50', '--classes', 'happy,sadness', '--json');
    expect(trained.stderr).not.toMatch(/fer-ga:/);
    expect(trained.code).toBe(0);
    const trial = JSON.parse(trained.stdout) as { key: string; settings: { classes: string[] } };
    expect(trial.settings.classes).toEqual(['happy', 'sadness']);

    // Every class (the folder's own) is another data set, so another trial.
    const all = JSON.parse(run('train', ...data, '--model', 'resnet50', '--json').stdout) as { key: string; settings: { classes: string[] } };
    expect(all.settings.classes).toHaveLength(7);
    expect(all.key).not.toBe(trial.key);
  });

  test('an unknown class is one line naming it', () => {
    const result = run('train', ...data, '--classes', 'happy,smug');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^fer-ga: .*smug.*\n$/);
  });

  // A network's minimum input size is checked before anything is prepared: reaching that
  // check shows the flags were taken.
  test.each([
    ['train', '--model', 'vgg16'],
    ['grid', '--models', 'vgg16'],
    ['evolve', '--model', 'vgg16'],
  ])('%s takes --margin, --peak-frames, --angles and --classes', (command, ...model) => {
    const result = run(command, ...model, '--size', '16', '--margin', '0.1', '--peak-frames', '2', '--angles', 'S,HL', '--classes', 'all', '--db', path.join(tmp, 'none.db'));
    expect(result.stderr).toBe("fer-ga: --size 16 is below vgg16's smallest input (32 pixels)\n");
    expect(result.code).toBe(2);
  });

  test.each([
    [['--margin', '2'], "fer-ga: --margin must be a number from 0 and at most 1 (got '2')\n"],
    [['--peak-frames', '0'], "fer-ga: --peak-frames must be an integer from 1 to 1000 (got '0')\n"],
    [['--angles', 'S,UP'], "fer-ga: --angles must be one of FL, HL, S, HR, FR (got 'UP')\n"],
  ])('a bad %j is refused by prepare, train, grid and evolve alike', (flag, message) => {
    for (const command of ['prepare', 'train', 'grid', 'evolve']) {
      const result = run(command, ...flag, '--db', path.join(tmp, 'never.db'));
      expect(result.stderr).toBe(message);
      expect(result.code).toBe(2);
    }
    // Refused while the flags are read: no results file yet.
    expect(fs.existsSync(path.join(tmp, 'never.db'))).toBe(false);
  });

  test('--dataset names pack:FILE in every help', () => {
    for (const command of ['prepare', 'train', 'grid', 'evolve']) expect(run(command, '--help').stdout).toMatch(/pack:FILE/);
  });
});

describe('--lr-schedule', () => {
  test('cosine is another trial and says so in its settings; constant keeps the keys trials had before schedules', () => {
    const constant = JSON.parse(run('train', ...data, '--model', 'resnet50', '--json').stdout) as { key: string; settings: Record<string, unknown> };
    const explicit = JSON.parse(run('train', ...data, '--model', 'resnet50', '--lr-schedule', 'constant', '--json').stdout) as { key: string; cached: boolean };
    const cosine = run('train', ...data, '--model', 'resnet50', '--lr-schedule', 'cosine', '--json');
    expect(cosine.code).toBe(0);
    const trial = JSON.parse(cosine.stdout) as { key: string; settings: Record<string, unknown> };
    expect(explicit).toMatchObject({ key: constant.key, cached: true });
    expect(constant.settings).not.toHaveProperty('learningRateSchedule');
    expect(trial.settings.learningRateSchedule).toBe('cosine');
    expect(trial.key).not.toBe(constant.key);
  });

  test('an unknown schedule is one line from every command that trains', () => {
    for (const command of ['train', 'grid', 'evolve', 'demo']) {
      const result = run(command, '--lr-schedule', 'step', ...(command === 'demo' ? ['--out', path.join(tmp, 'never')] : ['--db', path.join(tmp, 'never.db')]));
      expect(result.stderr).toBe("fer-ga: --lr-schedule must be one of constant, cosine (got 'step')\n");
      expect(result.code).toBe(2);
    }
  });
});

describe('--parallel', () => {
  test('train refuses it: one trial cannot run side by side with itself', () => {
    const result = run('train', ...data, '--parallel', '2');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('fer-ga: Unknown argument: parallel\n');
  });

  test.each([
    ['grid', '--models', 'vgg16'],
    ['evolve', '--model', 'vgg16'],
  ])('%s takes it', (command, ...model) => {
    const result = run(command, ...model, '--size', '16', '--parallel', '2', '--db', path.join(tmp, 'none.db'));
    expect(result.stderr).toBe("fer-ga: --size 16 is below vgg16's smallest input (32 pixels)\n");
  });
});

describe('gene names as flags spell them', () => {
  const genes = geneListFlag('genes');

  test('kebab-case, and the internal camelCase as an alias, give the internal names', () => {
    expect(genes('learning-rate,batch-size,first-kernel')).toEqual(['learningRate', 'batchSize', 'firstKernel']);
    expect(genes('activation,learningRate,first-kernel')).toEqual(['activation', 'learningRate', 'firstKernel']);
    expect(genes(['optimizer', 'model,batch-size'])).toEqual(['optimizer', 'model', 'batchSize']);
    expect(genes('batch-size,batchSize')).toEqual(['batchSize']);
  });

  test('an unknown gene is one line listing the flag spellings', () => {
    expect(() => genes('activation,momentum')).toThrow(
      "--genes must be one of activation, optimizer, model, learning-rate, batch-size, first-kernel (got 'momentum')",
    );
    expect(() => genes('learning_rate')).toThrow(/got 'learning_rate'/);
    expect(() => genes('')).toThrow('--genes needs at least one of activation, optimizer, model, learning-rate, batch-size, first-kernel');
  });

  test('evolve --genes takes them', () => {
    const result = run('evolve', '--model', 'vgg16', '--size', '16', '--genes', 'learning-rate,batch-size,first-kernel', '--db', path.join(tmp, 'none.db'));
    expect(result.stderr).toBe("fer-ga: --size 16 is below vgg16's smallest input (32 pixels)\n");
  });
});

describe('grid --model', () => {
  test('is --models: one list, repeated or comma-separated, under either name', () => {
    for (const flags of [['--model', 'resnet50', '--model', 'vgg16'], ['--model', 'resnet50,vgg16'], ['--models', 'resnet50', '--model', 'vgg16']]) {
      const result = run('grid', ...flags, '--size', '16', '--db', path.join(tmp, 'none.db'));
      expect(result.stderr).toBe("fer-ga: --size 16 is below vgg16's smallest input (32 pixels)\n");
      expect(result.code).toBe(2);
    }
    expect(run('grid', '--model', 'lenet', '--db', path.join(tmp, 'none.db')).stderr).toMatch(/^fer-ga: --models must be one of alexnet, googlenet, vgg16, resnet50 \(got 'lenet'\)\n$/);
    const grid = run('grid', ...data, '--model', 'resnet50', '--activations', 'relu', '--optimizers', 'adam', '--json');
    expect(grid.stderr).not.toMatch(/fer-ga:/);
    expect((JSON.parse(grid.stdout) as { rows: Array<{ model: string }> }).rows.map((r) => r.model)).toEqual(['resnet50']);
  });
});
