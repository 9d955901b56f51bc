import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { prepareDataset } from '../src/data/dataset';
import { writeSyntheticDataset } from '../src/data/synthetic';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-cache-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the packed cache', () => {
  test('pack:FILE trains from a cache file alone, with the same data and trial identity; bad files are named', async () => {
    const root = path.join(tmp, 'packed');
    await writeSyntheticDataset(root, { subjects: 2, imagesPerClass: 1, seed: 3 });
    const made = await prepareDataset(`folder:${root}`, { size: 20, face: 'none', cacheDir: path.join(tmp, 'p1') });
    const moved = path.join(tmp, 'elsewhere.fergapack');
    fs.copyFileSync(made.file, moved);
    fs.rmSync(root, { recursive: true });
    const pack = await prepareDataset(`pack:${moved}`, { size: 48 });
    expect(pack.header).toEqual(made.header);
    expect(pack.header.size).toBe(20);
    expect(Buffer.from(pack.images).equals(Buffer.from(made.images))).toBe(true);
    expect(Array.from(pack.labels)).toEqual(Array.from(made.labels));

    await expect(prepareDataset(`pack:${path.join(tmp, 'nope.fergapack')}`)).rejects.toThrow(/nope\.fergapack: no such file/);
    fs.writeFileSync(path.join(tmp, 'junk.fergapack'), 'not a pack at all');
    await expect(prepareDataset(`pack:${path.join(tmp, 'junk.fergapack')}`)).rejects.toThrow(/junk\.fergapack is not a usable fer-ga pack \(not a fer-ga cache\)/);
  });

  test('is reused when nothing changed, rebuilt when truncated or when a source changes', async () => {
    const root = path.join(tmp, 'small');
    await writeSyntheticDataset(root, { subjects: 3, imagesPerClass: 1, seed: 2 });
    const spec = `folder:${root}`;
    const options = { size: 24, face: 'none' as const, cacheDir: path.join(tmp, 'c1') };
    const first = await prepareDataset(spec, options);
    expect(first.reused).toBe(false);
    expect(first.header.count).toBe(21);
    const second = await prepareDataset(spec, options);
    expect(second.reused).toBe(true);
    expect(Buffer.from(second.images).equals(Buffer.from(first.images))).toBe(true);

    fs.truncateSync(first.file, fs.statSync(first.file).size - 10);
    const afterTruncation = await prepareDataset(spec, options);
    expect(afterTruncation.reused).toBe(false);
    expect(Buffer.from(afterTruncation.images).equals(Buffer.from(first.images))).toBe(true);

    // Changing one source image makes the cache stale; the old file is removed.
    const changed = path.join(root, 'happy', 'S001_0001.png');
    fs.copyFileSync(path.join(root, 'sadness', 'S001_0001.png'), changed);
    const afterChange = await prepareDataset(spec, options);
    expect(afterChange.reused).toBe(false);
    expect(afterChange.file).not.toBe(first.file);
    expect(fs.existsSync(first.file)).toBe(false);
  });

  test('different settings get different caches', async () => {
    const root = path.join(tmp, 'small');
    const a = await prepareDataset(`folder:${root}`, { size: 24, face: 'none', cacheDir: path.join(tmp, 'c2') });
    const b = await prepareDataset(`folder:${root}`, { size: 32, face: 'none', cacheDir: path.join(tmp, 'c2') });
    expect(a.file).not.toBe(b.file);
    expect(b.images.length).toBe(21 * 32 * 32);
  });
});

describe('synthetic', () => {
  test('is deterministic per seed, with a subject in every file name', async () => {
    await writeSyntheticDataset(path.join(tmp, 's1'), { subjects: 2, imagesPerClass: 1, seed: 9 });
    await writeSyntheticDataset(path.join(tmp, 's2'), { subjects: 2, imagesPerClass: 1, seed: 9 });
    await writeSyntheticDataset(path.join(tmp, 's3'), { subjects: 2, imagesPerClass: 1, seed: 10 });
    const file = path.join('happy', 'S002_0001.png');
    expect(fs.readFileSync(path.join(tmp, 's1', file)).equals(fs.readFileSync(path.join(tmp, 's2', file)))).toBe(true);
    expect(fs.readFileSync(path.join(tmp, 's1', file)).equals(fs.readFileSync(path.join(tmp, 's3', file)))).toBe(false);
    expect(fs.readdirSync(path.join(tmp, 's1')).sort()).toEqual(['anger', 'disgust', 'fear', 'happy', 'neutral', 'sadness', 'surprise']);
  });

  test('refuses to write into a folder that is not empty', async () => {
    await expect(writeSyntheticDataset(path.join(tmp, 's1'))).rejects.toThrow(/is not empty/);
  });
});

describe('fer-ga prepare', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp });

  test('makes the synthetic cache once, then reports it reused', () => {
    const cacheDir = path.join(tmp, 'cli-cache');
    const first = run('prepare', '--dataset', 'synthetic', '--size', '48', '--json', '--cache', cacheDir);
    expect(first.stderr).not.toMatch(/fer-ga:/);
    expect(first.status).toBe(0);
    const made = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(made).toMatchObject({ dataset: 'synthetic', images: 840, subjects: 40, reused: false });
    expect(made.classes).toEqual(['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise', 'neutral']);
    expect(made.counts).toEqual({ anger: 120, disgust: 120, fear: 120, happy: 120, sadness: 120, surprise: 120, neutral: 120 });
    expect(made).toHaveProperty('faces.detected');
    expect(made).toHaveProperty('skipped', []);
    expect(fs.existsSync(String(made.cache))).toBe(true);
    const second = run('prepare', '--dataset', 'synthetic', '--size', '48', '--json', '--cache', cacheDir);
    expect(JSON.parse(second.stdout)).toMatchObject({ reused: true, cache: made.cache, images: 840 });
  });

  test('bad input is one line and a non-zero exit', () => {
    const missing = run('prepare', '--dataset', 'kdef:/no/such/kdef');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('fer-ga: KDEF folder /no/such/kdef does not exist\n');
    const badColor = run('prepare', '--color', 'sepia');
    expect(badColor.status).toBe(2);
    expect(badColor.stderr).toBe("fer-ga: --color must be one of grey, rgb (got 'sepia')\n");
  });
});
