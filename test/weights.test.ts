import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { writeSyntheticDataset } from '../src/data/synthetic';
import { TrainedModel } from '../src/binding/model';
import type { NamedWeights } from '../src/binding/native';
import { TRIAL_DEFAULTS, trialKey, type TrialSettings } from '../src/study/trials';
import { loadWeights, readWeights, writeSafetensors } from '../src/weights/weights';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');
const HELPER = path.resolve(__dirname, 'helpers/torchvision_weights.py');
const PYTHON = process.env.FER_GA_PYTHON ?? '/usr/bin/python3';
const CLASSES = 10;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-weights-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function python(...args: string[]): string {
  const result = spawnSync(PYTHON, [HELPER, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`torchvision helper failed: ${result.stderr}`);
  return result.stdout;
}

function floats(file: string): Float32Array {
  const bytes = fs.readFileSync(file);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let most = 0;
  for (let i = 0; i < a.length; i++) most = Math.max(most, Math.abs(a[i] - b[i]));
  return most;
}

describe("torchvision's weights", () => {
  test.each([
    ['alexnet', 64],
    ['googlenet', 64],
    ['vgg16', 32],
    ['resnet50', 64],
  ] as const)('%s: the same logits as torchvision from .pth and .safetensors, and an export torchvision loads strict', async (model, size) => {
    python('make', tmp, model, String(size), String(CLASSES));
    const input = floats(path.join(tmp, `${model}.input.bin`));
    const expected = floats(path.join(tmp, `${model}.logits.bin`));
    const spec = { model, classes: CLASSES, channels: 3, size } as const;
    let loaded: TrainedModel | undefined;
    for (const file of [`${model}.pth`, `${model}.safetensors`]) {
      const { model: network, report } = await TrainedModel.fromWeights(spec, path.join(tmp, file));
      expect(report.reinitialised).toEqual([]);
      expect(report.adapted).toEqual([]);
      expect(report.skipped).toEqual([]);
      expect(maxAbsDiff((await network.logits(input)).flat(), expected)).toBeLessThan(1e-4);
      loaded = network;
    }
    const exported = path.join(tmp, `${model}.export.safetensors`);
    await (loaded as TrainedModel).exportSafetensors(exported);
    const check = JSON.parse(python('check', tmp, model, String(size), String(CLASSES), '3', exported)) as { loaded: boolean; maxAbsDiff: number };
    expect(check.loaded).toBe(true);
    expect(check.maxAbsDiff).toBeLessThan(1e-4);
    for (const f of fs.readdirSync(tmp).filter((f) => f.startsWith(`${model}.`) && !f.startsWith('alexnet'))) fs.rmSync(path.join(tmp, f));
  }, 240000);

  test('a new data set: the classifier is re-initialised for its classes, RGB filters summed for grey input', async () => {
    const file = path.join(tmp, 'alexnet.pth');
    const { model, report } = await TrainedModel.fromWeights({ model: 'alexnet', classes: 7, channels: 1, size: 64 }, file);
    expect(report.reinitialised).toEqual(['classifier.6.weight', 'classifier.6.bias']);
    expect(report.adapted).toEqual(['features.0.weight']);
    const original = (await readWeights(file)).find((w) => w.name === 'features.0.weight') as NamedWeights[number];
    const adapted = (await model.stateDict()).find((w) => w.name === 'features.0.weight') as NamedWeights[number];
    expect(adapted.shape).toEqual([64, 1, 11, 11]);
    const perChannel = 11 * 11;
    const summed = new Float32Array(64 * perChannel);
    for (let o = 0; o < 64; o++) {
      for (let i = 0; i < perChannel; i++) {
        for (let c = 0; c < 3; c++) summed[o * perChannel + i] += original.data[(o * 3 + c) * perChannel + i];
      }
    }
    expect(maxAbsDiff(adapted.data, summed)).toBeLessThan(1e-6);
  });

  test('a missing, unexpected or mis-shaped key is an error naming it; a partial load skips it', async () => {
    const weights = await readWeights(path.join(tmp, 'alexnet.safetensors'));
    const spec = { model: 'alexnet', classes: CLASSES, channels: 3, size: 64 } as const;
    const variant = (name: string, change: (w: NamedWeights) => NamedWeights) => {
      const file = path.join(tmp, `${name}.safetensors`);
      writeSafetensors(file, change(weights));
      return file;
    };
    const cases: Array<[string, RegExp, string]> = [
      [variant('missing', (w) => w.filter((x) => x.name !== 'features.3.bias')), /the file has no 'features\.3\.bias'/, 'features.3.bias'],
      [variant('unexpected', (w) => [...w, { name: 'extra.weight', shape: [2], data: new Float32Array(2) }]), /'extra\.weight' is not a parameter of alexnet/, 'extra.weight'],
      [
        variant('misshaped', (w) => w.map((x) => (x.name === 'features.3.bias' ? { ...x, shape: [7], data: new Float32Array(7) } : x))),
        /'features\.3\.bias' is \[7\] in the file but \[192\] in the network/,
        'features.3.bias',
      ],
    ];
    for (const [file, message, key] of cases) {
      await expect(TrainedModel.fromWeights(spec, file)).rejects.toThrow(message);
      await expect(TrainedModel.fromWeights(spec, file)).rejects.toThrow(file);
      const { report } = await TrainedModel.fromWeights(spec, file, { partial: true });
      expect(report.skipped).toContain(key);
    }
    python('other', tmp);
    await expect(readWeights(path.join(tmp, 'list.pth'))).rejects.toThrow(/list\.pth cannot be read as torch\.save\(model\.state_dict\(\)\): it holds no state dict/);
    fs.writeFileSync(path.join(tmp, 'junk.safetensors'), 'junk');
    await expect(readWeights(path.join(tmp, 'junk.safetensors'))).rejects.toThrow(/junk\.safetensors is not a safetensors file/);
    await expect(readWeights(path.join(tmp, 'none.pth'))).rejects.toThrow(/none\.pth: no such file/);
  });

  test("torchvision's weights as .pth and as .safetensors are one set of tensors: one hash, one trial key", async () => {
    const [pth, safetensors] = await Promise.all([loadWeights(path.join(tmp, 'alexnet.pth')), loadWeights(path.join(tmp, 'alexnet.safetensors'))]);
    expect(pth.fileSha256).not.toBe(safetensors.fileSha256);
    expect(pth.sha256).toBe(safetensors.sha256);
    const packed = { header: { fingerprint: 'f', classes: ['a', 'b'], size: 64, channels: 3 } } as unknown as Parameters<typeof trialKey>[0];
    const settings: TrialSettings = { ...TRIAL_DEFAULTS, model: 'alexnet', activation: 'relu', optimizer: 'adam' };
    const placement = { device: 'cpu', threads: 1 };
    expect(await trialKey(packed, { ...settings, weightsFile: path.join(tmp, 'alexnet.pth') }, placement)).toBe(
      await trialKey(packed, { ...settings, weightsFile: path.join(tmp, 'alexnet.safetensors') }, placement),
    );
  });

  test('CLI: train --weights (the trial key holds the weights\' hash), --freeze-epochs, and export of the checkpoint', async () => {
    await writeSyntheticDataset(path.join(tmp, 'faces'), { subjects: 5, imagesPerClass: 1, seed: 3 });
    const checkpoint = path.join(tmp, 'tuned.ckpt');
    const args = ['train', '--dataset', `folder:${path.join(tmp, 'faces')}`, '--size', '64', '--face', 'none', '--cache', path.join(tmp, 'cache'),
      '--model', 'alexnet', '--optimizer', 'sgdm', '--epochs', '2', '--batch-size', '8', '--threads', '2', '--db', path.join(tmp, 'results.db'), '--json'];
    const run = (...extra: string[]) => {
      const result = spawnSync(process.execPath, [BIN, ...args, ...extra], { encoding: 'utf8' });
      expect(result.stderr.split('\n').filter((l) => l.startsWith('fer-ga:'))).toEqual([]);
      return JSON.parse(result.stdout) as { cached: boolean; key: string; settings: Record<string, unknown> };
    };
    const first = run('--weights', path.join(tmp, 'alexnet.pth'), '--freeze-epochs', '2', '--checkpoint', checkpoint);
    expect(first.cached).toBe(false);
    expect(first.settings.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    fs.copyFileSync(path.join(tmp, 'alexnet.pth'), path.join(tmp, 'renamed.pth'));
    const renamed = run('--weights', path.join(tmp, 'renamed.pth'), '--freeze-epochs', '2');
    expect(renamed).toMatchObject({ cached: true, key: first.key });
    expect(run().key).not.toBe(first.key);

    const exported = path.join(tmp, 'tuned.safetensors');
    const out = spawnSync(process.execPath, [BIN, 'export', '--checkpoint', checkpoint, '--out', exported], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(JSON.parse(python('check', tmp, 'alexnet', '64', '7', '1', exported))).toEqual({ loaded: true });
    // Frozen for both epochs: the feature layers are still the pretrained ones (grey-adapted).
    const tuned = readSafetensorsByName(await readWeights(exported));
    const pretrained = readSafetensorsByName(await readWeights(path.join(tmp, 'alexnet.pth')));
    expect(maxAbsDiff(tuned['features.3.weight'].data, pretrained['features.3.weight'].data)).toBe(0);
    expect(maxAbsDiff(tuned['classifier.4.weight'].data, pretrained['classifier.4.weight'].data)).toBeGreaterThan(0);

    const bad = spawnSync(process.execPath, [BIN, 'export', '--checkpoint', checkpoint, '--out', path.join(tmp, 'x.bin')], { encoding: 'utf8' });
    expect(bad.stderr).toMatch(/^fer-ga: --out .*x\.bin: name a \.safetensors or \.onnx file, or give --format web for a folder\n$/);
    const inTheWay = path.join(tmp, 'alexnet.pth');
    const unwritable = spawnSync(process.execPath, [BIN, 'export', '--checkpoint', checkpoint, '--out', path.join(inTheWay, 'w.safetensors')], { encoding: 'utf8' });
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr).toBe(`fer-ga: --out ${path.join(inTheWay, 'w.safetensors')} cannot be written (${inTheWay} is a file, not a folder)\n`);
  }, 240000);
});

function readSafetensorsByName(weights: NamedWeights): Record<string, NamedWeights[number]> {
  return Object.fromEntries(weights.map((w) => [w.name, w]));
}
