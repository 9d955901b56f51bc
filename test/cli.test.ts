import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { Store } from '../src/store/store';
import { ACTIVATIONS, MODELS, OPTIMIZERS } from '../src/names';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fer-ga CLI', () => {
  test('models --json gives torchvision’s parameter counts for 1000 and 7 classes', () => {
    for (const [classes, expected] of [
      ['1000', [61100840, 6624904, 138357544, 25557032]],
      ['7', [57032519, 5607079, 134289223, 23522375]],
    ] as const) {
      const { code, stdout } = run('models', '--num-classes', classes, '--channels', '3', '--size', '224', '--json');
      expect(code).toBe(0);
      const parsed = JSON.parse(stdout) as { numClasses: number; models: Array<{ name: string; parameters: number; macs: number; minSize: number }> };
      expect(parsed.numClasses).toBe(Number(classes));
      expect(parsed.models.map((m) => m.name)).toEqual(['alexnet', 'googlenet', 'vgg16', 'resnet50']);
      expect(parsed.models.map((m) => m.parameters)).toEqual(expected);
      expect(parsed.models.map((m) => m.minSize)).toEqual([63, 15, 32, 1]);
      for (const m of parsed.models) expect(m.macs).toBeGreaterThan(0);
    }
  });

  test('models --classes, the old name of --num-classes, still takes a count', () => {
    const old = JSON.parse(run('models', '--classes', '1000', '--models', 'resnet50', '--json').stdout) as { numClasses: number; models: Array<{ parameters: number }> };
    expect(old.numClasses).toBe(1000);
    expect(old.models[0].parameters).toBe(25557032);
    expect(run('models', '--help').stdout).not.toMatch(/--classes/);
    const both = run('models', '--classes', '7', '--num-classes', '8');
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('fer-ga: Arguments classes and num-classes are mutually exclusive\n');
  });

  test('models below a network’s minimum size reports it instead of failing', () => {
    const { code, stdout } = run('models', '--num-classes', '7', '--channels', '1', '--size', '48', '--models', 'alexnet,googlenet', '--json');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { models: Array<{ name: string; macs: number | null }> };
    expect(parsed.models).toEqual([
      expect.objectContaining({ name: 'alexnet', macs: null, minSize: 63 }),
      expect.objectContaining({ name: 'googlenet', minSize: 15 }),
    ]);
    expect(parsed.models[1].macs).toBeGreaterThan(0);
  });

  test('info --json describes libtorch, threads, BLAS and the names', () => {
    const { code, stdout } = run('info', '--json');
    expect(code).toBe(0);
    const info = JSON.parse(stdout) as Record<string, unknown>;
    expect(info.libtorch).toMatch(/^\d+\.\d+/);
    expect(info.cuda).toMatchObject({ available: expect.any(Boolean), devices: expect.any(Number) });
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.activations).toEqual(['relu', 'leaky-relu', 'clipped-relu', 'elu', 'gelu', 'silu']);
    expect(info.optimizers).toEqual(['sgdm', 'rmsprop', 'adam', 'adamw', 'amsgrad', 'adagrad']);
    // src/names.ts is the TypeScript side's one name table: it must say what the addon says.
    expect(info.activations).toEqual([...ACTIVATIONS]);
    expect(info.optimizers).toEqual([...OPTIMIZERS]);
    expect((info.models as Array<{ name: string }>).map((m) => m.name)).toEqual([...MODELS]);
    expect(String(info.addon)).toMatch(/fer_ga\.node$/);
  });

  test.each([
    [['models', '--num-classes', 'abc'], /^fer-ga: --num-classes must be an integer from 2 to 1000 \(got 'abc'\)\n$/],
    [['models', '--classes', '1'], /^fer-ga: --classes must be an integer from 2 to 1000 \(got '1'\)\n$/],
    [['models', '--channels', '2'], /^fer-ga: --channels must be 1 or 3 \(got '2'\)\n$/],
    [['models', '--models', 'lenet'], /^fer-ga: --models must be one of alexnet, googlenet, vgg16, resnet50 \(got 'lenet'\)\n$/],
    [['models', '--bogus'], /^fer-ga: Unknown argument: bogus\n$/],
    [['fly'], /^fer-ga: Unknown argument: fly\n$/],
    [[], /^fer-ga: name a command/],
  ])('bad usage %j is one line on stderr and exit code 2', (args, message) => {
    const { code, stdout, stderr } = run(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  describe('refused before any preprocessing or results file', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-cli-'));
      fs.writeFileSync(path.join(dir, 'garbage.safetensors'), Buffer.alloc(64, 0xff));
      fs.writeFileSync(path.join(dir, 'garbage.pth'), 'not a zip');
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test.each([
      [['train', '--model', 'vgg16', '--size', '16'], /^fer-ga: --size 16 is below vgg16's smallest input \(32 pixels\)\n$/],
      [['grid', '--models', 'googlenet,alexnet', '--size', '40'], /^fer-ga: --size 40 is below alexnet's smallest input \(63 pixels\)\n$/],
      [['evolve', '--model', 'alexnet', '--size', '48'], /^fer-ga: --size 48 is below alexnet's smallest input \(63 pixels\)\n$/],
      [['train', '--model', 'resnet50', '--weights', 'garbage.safetensors'], /^fer-ga: weights file .*garbage\.safetensors is not a safetensors file \(bad header length\)\n$/],
      [['grid', '--models', 'resnet50', '--weights', 'garbage.pth'], /^fer-ga: weights file .*garbage\.pth cannot be read as torch\.save\(model\.state_dict\(\)\): not a zip file/],
      [['evolve', '--model', 'resnet50', '--weights', 'missing.pth'], /^fer-ga: --weights .*missing\.pth: no such file\n$/],
      [['train', '--model', 'resnet50', '--save-best', 'garbage.pth'], /^fer-ga: --save-best .*garbage\.pth cannot be written \(.*garbage\.pth is a file, not a folder\)\n$/],
    ])('%j', (args, message) => {
      const cache = path.join(dir, 'cache');
      const db = path.join(dir, 'results.db');
      const resolved = args.map((a) => (/\.(safetensors|pth)$/.test(a) ? path.join(dir, a) : a));
      const { code, stdout, stderr } = run(...resolved, '--dataset', 'synthetic', '--cache', cache, '--db', db);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stdout).toBe('');
      expect(fs.existsSync(cache)).toBe(false);
      expect(fs.existsSync(db)).toBe(false);
    });

    test('demo with a size below its network’s minimum', () => {
      const out = path.join(dir, 'demo');
      const { code, stderr } = run('demo', '--model', 'googlenet', '--size', '12', '--out', out, '--cache', path.join(dir, 'cache'));
      expect(code).toBe(2);
      expect(stderr).toBe("fer-ga: --size 12 is below googlenet's smallest input (15 pixels)\n");
      expect(fs.existsSync(out)).toBe(false);
    });

    test('report --out under a file names the flag and the file in the way', () => {
      const db = path.join(dir, 'empty-results.db');
      new Store(db).close();
      const out = path.join(dir, 'garbage.pth', 'report.md');
      const { code, stderr } = run('report', '--db', db, '--out', out);
      expect(code).toBe(2);
      expect(stderr).toBe(`fer-ga: --out ${out} cannot be written (${path.join(dir, 'garbage.pth')} is a file, not a folder)\n`);
    });

    test('report on a file that is not a results database names the file', () => {
      const { code, stderr } = run('report', '--db', path.join(dir, 'garbage.pth'));
      expect(code).toBe(2);
      expect(stderr).toBe(`fer-ga: results file ${path.join(dir, 'garbage.pth')} is not a fer-ga results database (SQLite: file is not a database)\n`);
    });
  });
});
