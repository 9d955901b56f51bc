import { spawnSync } from 'child_process';
import path from 'path';

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
      const { code, stdout } = run('models', '--classes', classes, '--channels', '3', '--size', '224', '--json');
      expect(code).toBe(0);
      const parsed = JSON.parse(stdout) as { models: Array<{ name: string; parameters: number; macs: number; minSize: number }> };
      expect(parsed.models.map((m) => m.name)).toEqual(['alexnet', 'googlenet', 'vgg16', 'resnet50']);
      expect(parsed.models.map((m) => m.parameters)).toEqual(expected);
      expect(parsed.models.map((m) => m.minSize)).toEqual([63, 15, 32, 1]);
      for (const m of parsed.models) expect(m.macs).toBeGreaterThan(0);
    }
  });

  test('models below a network’s minimum size reports it instead of failing', () => {
    const { code, stdout } = run('models', '--classes', '7', '--channels', '1', '--size', '48', '--models', 'alexnet,googlenet', '--json');
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
    expect(String(info.addon)).toMatch(/fer_ga\.node$/);
  });

  test.each([
    [['models', '--classes', 'abc'], /^fer-ga: --classes must be an integer from 2 to 100000 \(got 'abc'\)\n$/],
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
});
