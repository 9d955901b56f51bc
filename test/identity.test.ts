/**
 * Trial identity: a trial's key holds what its numbers depend on and nothing else, and a
 * data set is known by its content wherever it lies.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { readCache } from '../src/data/cache';
import { prepareDataset } from '../src/data/dataset';
import { openCv } from '../src/data/opencv';
import { writeSyntheticDataset } from '../src/data/synthetic';
import { cpuThreadsOf, keyOfTrial, TRAINER_VERSION } from '../src/study/trial-key';
import { TRIAL_DEFAULTS, trialKey, type TrialPlacement, type TrialSettings } from '../src/study/trials';
import { loadWeights, writeSafetensors } from '../src/weights/weights';
import { MODELS, OWN_FIRST_KERNEL } from '../src/names';
import type { NamedWeights } from '../src/binding/native';
import { describeNetwork, minimumSize } from '../src/binding/networks';
import { TrainedModel } from '../src/binding/model';
import { partialLoadSkips, stateDictLayout } from '../src/binding/state-dict-layout';

const CPU_ONE: TrialPlacement = { device: 'cpu', threads: 1 };
const BIN = path.resolve(__dirname, '../bin/fer-ga.js');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-identity-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file below `dir`, its modification time moved an hour on. */
function touchAll(dir: string): void {
  const later = new Date(Date.now() + 3600_000);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) fs.utimesSync(path.join(entry.parentPath, entry.name), later, later);
  }
}

/** Sets one pixel of a PNG to the opposite grey. */
function flipPixel(file: string): void {
  const cv = openCv();
  const image = cv.imread(file);
  const [b, g, r] = image.atRaw(3, 3) as unknown as number[];
  image.set(3, 3, [255 - b, 255 - g, 255 - r]);
  cv.imwrite(file, image);
}

describe('a data set is known by its content', () => {
  test('a copy in another folder, touched, has the same fingerprint and reuses the cache; a changed pixel does not', async () => {
    const original = path.join(tmp, 'faces');
    await writeSyntheticDataset(original, { subjects: 3, imagesPerClass: 1, seed: 5, size: 16 });
    const options = { size: 16, face: 'none' as const, cacheDir: path.join(tmp, 'cache-a') };
    const first = await prepareDataset(`folder:${original}`, options);
    expect(first.reused).toBe(false);
    expect(first.header.fingerprint).toMatch(/^[0-9a-f]{64}$/);

    const copy = path.join(tmp, 'copied', 'faces');
    fs.cpSync(original, copy, { recursive: true });
    touchAll(copy);
    const moved = await prepareDataset(`folder:${copy}`, options);
    expect(moved.header.fingerprint).toBe(first.header.fingerprint);
    expect(moved.reused).toBe(true);
    expect(moved.header.dataset).toBe(`folder:${copy}`);

    // Another cache folder decodes again, to the same content fingerprint.
    const elsewhere = await prepareDataset(`folder:${copy}`, { ...options, cacheDir: path.join(tmp, 'cache-b') });
    expect(elsewhere.reused).toBe(false);
    expect(elsewhere.header.fingerprint).toBe(first.header.fingerprint);

    touchAll(original);
    expect((await prepareDataset(`folder:${original}`, options)).reused).toBe(true);

    flipPixel(path.join(copy, 'happy', 'S002_0001.png'));
    const changed = await prepareDataset(`folder:${copy}`, options);
    expect(changed.reused).toBe(false);
    expect(changed.header.fingerprint).not.toBe(first.header.fingerprint);
  });

  test('the fingerprint holds the preprocessing version, and a pack whose contents do not match its header is refused', async () => {
    const root = path.join(tmp, 'small');
    await writeSyntheticDataset(root, { subjects: 2, imagesPerClass: 1, seed: 2, size: 16 });
    const made = await prepareDataset(`folder:${root}`, { size: 16, face: 'none', cacheDir: path.join(tmp, 'cache-c') });
    expect(made.header.preprocessVersion).toBeGreaterThanOrEqual(1);
    expect(made.header.opencv).toMatch(/^\d+\.\d+\.\d+$/);
    expect(made.header.sourceKey).toMatch(/^[0-9a-f]{64}$/);

    const bytes = fs.readFileSync(made.file);
    bytes[bytes.length - 4 * 2 * made.header.count - 20] ^= 0xff; // a pixel near the end of the images
    const edited = path.join(tmp, 'edited.fergapack');
    fs.writeFileSync(edited, bytes);
    expect(readCache(edited)).toEqual({ ok: false, reason: 'contents do not match the fingerprint in its header' });
    await expect(prepareDataset(`pack:${edited}`)).rejects.toThrow(/edited\.fergapack is not a usable fer-ga pack \(contents do not match/);
  });
});

describe("a trial's key", () => {
  const packed = { header: { fingerprint: 'f', classes: ['a', 'b'], size: 16, channels: 1 } } as unknown as Parameters<typeof trialKey>[0];
  const base: TrialSettings = { ...TRIAL_DEFAULTS, model: 'alexnet', activation: 'relu', optimizer: 'adam' };

  test("holds a CPU trial's thread count as it will train (0: the core count), and null for CUDA", async () => {
    const info = { cores: 6, cuda: { available: false, devices: 0, cudnn: false } };
    expect(cpuThreadsOf({ device: 'cpu', threads: 0 }, info)).toBe(6);
    expect(cpuThreadsOf({ device: 'auto', threads: 2 }, info)).toBe(2);
    expect(cpuThreadsOf({ device: 'auto', threads: 2 }, { ...info, cuda: { available: true, devices: 1, cudnn: true } })).toBeNull();
    expect(cpuThreadsOf({ device: 'cuda:1', threads: 2 }, info)).toBeNull();
    expect(keyOfTrial(packed, base, null, 1)).not.toBe(keyOfTrial(packed, base, null, 2));
    expect(await trialKey(packed, base, { device: 'cpu', threads: 2 })).not.toBe(await trialKey(packed, base, CPU_ONE));
    expect(await trialKey(packed, base, { device: 'cuda', threads: 2 })).toBe(await trialKey(packed, base, { device: 'cuda:0', threads: 1 }));
  });

  test('holds the trainer version', () => {
    expect(keyOfTrial(packed, base, null, 1, TRAINER_VERSION)).not.toBe(keyOfTrial(packed, base, null, 1, TRAINER_VERSION + 1));
  });

  test('ignores what does nothing: the hold-out fraction under k-fold, freezing and partial weights without weights', async () => {
    const kFold = { ...base, folds: 3 };
    expect(await trialKey(packed, { ...kFold, validationFraction: 0.3 }, CPU_ONE)).toBe(await trialKey(packed, kFold, CPU_ONE));
    expect(await trialKey(packed, { ...base, validationFraction: 0.3 }, CPU_ONE)).not.toBe(await trialKey(packed, base, CPU_ONE));
    expect(await trialKey(packed, { ...base, freezeEpochs: 3, partialWeights: true }, CPU_ONE)).toBe(await trialKey(packed, base, CPU_ONE));
    expect(await trialKey(packed, { ...base, amp: true }, CPU_ONE)).not.toBe(await trialKey(packed, base, CPU_ONE));
  });

  test("names a network's own first kernel as 0 (the same network), any other kernel as itself", async () => {
    for (const model of MODELS) {
      const own = await trialKey(packed, { ...base, model }, CPU_ONE);
      expect(await trialKey(packed, { ...base, model, firstKernel: OWN_FIRST_KERNEL[model] }, CPU_ONE)).toBe(own);
      const other = OWN_FIRST_KERNEL[model] === 5 ? 3 : 5;
      expect(await trialKey(packed, { ...base, model, firstKernel: other }, CPU_ONE)).not.toBe(own);
    }
  });

  test("each network's own first kernel is the one the native network builds", async () => {
    for (const model of MODELS) {
      const shape = { model, classes: 7, channels: 1 as const, size: minimumSize(model) };
      const own = await describeNetwork(shape);
      const named = await describeNetwork({ ...shape, firstKernel: OWN_FIRST_KERNEL[model] });
      expect(named.stateDict).toEqual(own.stateDict);
      expect(named.macs).toBe(own.macs);
      // The first convolution's weight: [out, channels, k, k].
      const first = own.stateDict.find((entry) => entry.shape.length === 4) as { shape: number[] };
      expect(first.shape.slice(1)).toEqual([1, OWN_FIRST_KERNEL[model], OWN_FIRST_KERNEL[model]]);
    }
  }, 60_000);

  test('holds the weights by their tensors: the same tensors in any entry order key alike, another value does not', async () => {
    const tensors: NamedWeights = [
      { name: 'fc.bias', shape: [2], data: new Float32Array([1, 2]), dtype: 'float32' },
      { name: 'fc.weight', shape: [2, 1], data: new Float32Array([3, 4]), dtype: 'float32' },
      { name: 'bn.num_batches_tracked', shape: [], data: new Float64Array([7]), dtype: 'int64' },
    ];
    const one = path.join(tmp, 'ordered.safetensors');
    const other = path.join(tmp, 'reordered.safetensors');
    writeSafetensors(one, tensors);
    writeSafetensors(other, [...tensors].reverse(), { note: 'another header' });
    expect(fs.readFileSync(one).equals(fs.readFileSync(other))).toBe(false);
    const [a, b] = [await loadWeights(one), await loadWeights(other)];
    expect(a.sha256).toBe(b.sha256);
    expect(a.fileSha256).not.toBe(b.fileSha256);
    expect(await trialKey(packed, { ...base, weightsFile: other }, CPU_ONE)).toBe(await trialKey(packed, { ...base, weightsFile: one }, CPU_ONE));
    const changed = path.join(tmp, 'changed.safetensors');
    writeSafetensors(changed, tensors.map((t) => (t.name === 'fc.weight' ? { ...t, data: new Float32Array([3, 4.0000005]) } : t)));
    expect(await trialKey(packed, { ...base, weightsFile: changed }, CPU_ONE)).not.toBe(await trialKey(packed, { ...base, weightsFile: one }, CPU_ONE));
  });

  test("hashes the weights file it reads, never a caller's hash; the path does not count", async () => {
    const weights = path.join(tmp, 'w.safetensors');
    writeSafetensors(weights, [{ name: 'fc.bias', shape: [2], data: new Float32Array([1, 2]), dtype: 'float32' }]);
    const fromWeights = await trialKey(packed, { ...base, weightsFile: weights }, CPU_ONE);
    expect(fromWeights).not.toBe(await trialKey(packed, base, CPU_ONE));
    // A hash passed in the settings is not a weights file: it changes nothing.
    const claimed = { ...base, weightsSha256: 'a'.repeat(64) } as TrialSettings;
    expect(await trialKey(packed, claimed, CPU_ONE)).toBe(await trialKey(packed, base, CPU_ONE));
    const renamed = path.join(tmp, 'renamed.safetensors');
    fs.copyFileSync(weights, renamed);
    expect(await trialKey(packed, { ...base, weightsFile: renamed }, CPU_ONE)).toBe(fromWeights);
    // With weights, freezing counts.
    expect(await trialKey(packed, { ...base, weightsFile: weights, freezeEpochs: 2 }, CPU_ONE)).not.toBe(fromWeights);
  });
});

describe('--partial-weights on weights that fill the network fully', () => {
  const byName = (entries: Array<{ name: string; shape: number[] }>) => [...entries].sort((a, b) => (a.name < b.name ? -1 : 1));

  test("each network's layout is the addon's own, at any class count, channels and first kernel", async () => {
    for (const model of MODELS) {
      for (const spec of [{ classes: 7, channels: 1 as const, firstKernel: 0 }, { classes: 10, channels: 3 as const, firstKernel: 5 }]) {
        const native = await describeNetwork({ model, size: minimumSize(model), ...spec });
        expect(byName(stateDictLayout({ model, ...spec }))).toEqual(byName(native.stateDict));
      }
    }
  }, 120_000);

  test('skip what a partial load of the addon skips, and nothing else', async () => {
    const spec = { model: 'googlenet' as const, classes: 7, channels: 1 as const, size: 15 };
    const full: NamedWeights = stateDictLayout({ ...spec, firstKernel: 0 }).map(({ name, shape }) => ({
      name,
      shape,
      data: name.endsWith('num_batches_tracked') ? new Float64Array(1) : new Float32Array(shape.reduce((n, d) => n * d, 1)),
      dtype: name.endsWith('num_batches_tracked') ? ('int64' as const) : ('float32' as const),
    }));
    const change = (name: string, shape: number[]) => full.map((w) => (w.name === name ? { ...w, shape, data: new Float32Array(shape.reduce((n, d) => n * d, 1)) } : w));
    const cases: Array<[string, NamedWeights]> = [
      ['full', full],
      ['aux heads and no step counters', [...full.filter((w) => !w.name.endsWith('num_batches_tracked')), { name: 'aux1.fc2.bias', shape: [1000], data: new Float32Array(1000) }]],
      ['another class count', change('fc.weight', [1000, 1024]).map((w) => (w.name === 'fc.bias' ? { ...w, shape: [1000], data: new Float32Array(1000) } : w))],
      ['RGB first filters', change('conv1.conv.weight', [64, 3, 7, 7])],
      ['a missing key', full.filter((w) => w.name !== 'inception3a.branch1.bn.weight')],
      ['an unexpected key', [...full, { name: 'extra.weight', shape: [2], data: new Float32Array(2) }]],
      ['a mis-shaped key', change('conv2.conv.weight', [64, 64, 3, 3])],
      ['another first kernel', change('conv1.conv.weight', [64, 1, 5, 5])],
    ];
    for (const [what, weights] of cases) {
      const file = path.join(tmp, 'partial.safetensors');
      writeSafetensors(file, weights);
      const { model, report } = await TrainedModel.fromWeights(spec, file, { partial: true });
      model.dispose();
      const skipped = report.skipped.filter((name) => !name.startsWith('aux')).sort();
      expect([what, partialLoadSkips(weights, { ...spec, firstKernel: 0 }).sort()]).toEqual([what, skipped]);
    }
  }, 120_000);

  test('key as without it; weights it does skip keys keep it', async () => {
    const packed = { header: { fingerprint: 'f', classes: ['a', 'b', 'c'], size: 16, channels: 1 } } as unknown as Parameters<typeof trialKey>[0];
    const base: TrialSettings = { ...TRIAL_DEFAULTS, model: 'resnet50', activation: 'relu', optimizer: 'adam' };
    const layout = stateDictLayout({ model: 'resnet50', classes: 3, channels: 1, firstKernel: 0 });
    const tensors = (entries: typeof layout): NamedWeights =>
      entries.map(({ name, shape }) => ({ name, shape, data: new Float32Array(shape.reduce((n, d) => n * d, 1)), dtype: 'float32' as const }));
    const fits = path.join(tmp, 'fits.safetensors');
    writeSafetensors(fits, tensors(layout));
    const withFit = { ...base, weightsFile: fits };
    expect(await trialKey(packed, { ...withFit, partialWeights: true }, CPU_ONE)).toBe(await trialKey(packed, withFit, CPU_ONE));
    // At another first kernel the same file no longer fits: there, the partial load is another trial.
    const otherKernel = { ...withFit, firstKernel: 5 };
    expect(await trialKey(packed, { ...otherKernel, partialWeights: true }, CPU_ONE)).not.toBe(await trialKey(packed, otherKernel, CPU_ONE));
    const lacking = path.join(tmp, 'lacking.safetensors');
    writeSafetensors(lacking, tensors(layout.filter((entry) => entry.name !== 'fc.bias')));
    const withLack = { ...base, weightsFile: lacking };
    expect(await trialKey(packed, { ...withLack, partialWeights: true }, CPU_ONE)).not.toBe(await trialKey(packed, withLack, CPU_ONE));
  });
});

describe('the trial cache across copies of a data set', () => {
  test('a copied and touched set answers every trial from the cache; one changed pixel trains again', async () => {
    const original = path.join(tmp, 'study', 'faces');
    await writeSyntheticDataset(original, { subjects: 4, imagesPerClass: 1, seed: 8, size: 16 });
    const db = path.join(tmp, 'study', 'results.db');
    const train = (root: string, cache: string, activation: string) => {
      const result = spawnSync(
        process.execPath,
        [BIN, 'train', '--dataset', `folder:${root}`, '--size', '16', '--face', 'none', '--cache', cache, '--model', 'resnet50',
          '--activation', activation, '--epochs', '1', '--batch-size', '8', '--threads', '1', '--db', db, '--json'],
        { encoding: 'utf8' },
      );
      expect(result.stderr).not.toMatch(/fer-ga:/);
      return JSON.parse(result.stdout) as { cached: boolean; key: string; accuracy: number };
    };
    const trained = ['relu', 'elu'].map((activation) => train(original, path.join(tmp, 'study', 'cache'), activation));
    expect(trained.map((t) => t.cached)).toEqual([false, false]);

    const copy = path.join(tmp, 'other-machine', 'faces');
    fs.cpSync(original, copy, { recursive: true });
    touchAll(copy);
    const again = ['relu', 'elu'].map((activation) => train(copy, path.join(tmp, 'other-machine', 'cache'), activation));
    expect(again).toEqual(trained.map((t) => ({ ...t, cached: true })));

    flipPixel(path.join(copy, 'anger', 'S001_0001.png'));
    const changed = train(copy, path.join(tmp, 'other-machine', 'cache'), 'relu');
    expect(changed.cached).toBe(false);
    expect(changed.key).not.toBe(trained[0].key);
  });
});
