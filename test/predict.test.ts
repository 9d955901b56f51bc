import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { writeSyntheticDataset } from '../src/data/synthetic';

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');

let tmp: string;
let faces: string;
let data: string[];
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-predict-'));
  faces = path.join(tmp, 'faces');
  await writeSyntheticDataset(faces, { subjects: 5, imagesPerClass: 1, seed: 8 });
  data = ['--dataset', `folder:${faces}`, '--size', '16', '--face', 'none', '--cache', path.join(tmp, 'cache'),
    '--epochs', '1', '--batch-size', '8', '--threads', '1', '--db', path.join(tmp, 'results.db')];
}, 120000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const images = () => ['happy', 'anger', 'surprise'].map((c) => path.join(faces, c, fs.readdirSync(path.join(faces, c))[0]));

describe('predict', () => {
  test('a trained checkpoint labels images: one row per image, probabilities that sum to 1', () => {
    const checkpoint = path.join(tmp, 'tiny.ckpt');
    expect(run('train', ...data, '--model', 'googlenet', '--optimizer', 'sgdm', '--checkpoint', checkpoint).code).toBe(0);
    const out = run('predict', '--checkpoint', checkpoint, ...images(), '--json');
    expect(out.stderr).toBe('');
    const json = JSON.parse(out.stdout) as { checkpoint: string; images: Array<{ file: string; expression: string; probabilities: Record<string, number> }> };
    // Each image sits in its class's folder, so the JSON has their accuracy too.
    expect(Object.keys(json)).toEqual(['checkpoint', 'images', 'accuracy', 'correct']);
    expect(json.checkpoint).toBe(checkpoint);
    const predictions = json.images;
    expect(predictions.map((p) => p.file)).toEqual(images());
    const classes = ['anger', 'disgust', 'fear', 'happy', 'sadness', 'surprise', 'neutral'];
    for (const p of predictions) {
      expect(Object.keys(p.probabilities)).toEqual(classes);
      const values = Object.values(p.probabilities);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(p.expression).toBe(classes[values.indexOf(Math.max(...values))]);
    }
    const table = run('predict', '--checkpoint', checkpoint, ...images());
    expect(table.stdout.split('\n')[0]).toMatch(/^image\s+expression\s+anger\s+disgust/);
    expect(table.stdout.trim().split('\n')).toHaveLength(2 + 3 + 1);
  });

  test('a folder stands for the images under it, and class folders give an accuracy', () => {
    const checkpoint = path.join(tmp, 'tiny.ckpt');
    const all = fs.readdirSync(faces).flatMap((c) => fs.readdirSync(path.join(faces, c)).map((f) => path.join(faces, c, f)));
    const out = run('predict', '--checkpoint', checkpoint, faces, '--json');
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as { images: Array<{ file: string; expression: string }>; accuracy: number; correct: number };
    const rows = json.images;
    expect(rows.map((r) => r.file).sort()).toEqual(all.sort());
    const correct = rows.filter((r) => path.basename(path.dirname(r.file)) === r.expression).length;
    // The folder score is a trial's score: accuracy, 0..1.
    expect(json.correct).toBe(correct);
    expect(json.accuracy).toBe(correct / rows.length);
    const table = run('predict', '--checkpoint', checkpoint, faces);
    const expected = `accuracy against the class folders: ${((correct / rows.length) * 100).toFixed(2)}% (${correct} of ${rows.length})`;
    expect(table.stdout.trim().split('\n').pop()).toBe(expected);

    // Images outside class-named folders get no accuracy line.
    const loose = path.join(tmp, 'loose');
    fs.mkdirSync(loose, { recursive: true });
    fs.copyFileSync(all[0], path.join(loose, 'one.png'));
    expect(run('predict', '--checkpoint', checkpoint, loose).stdout).not.toMatch(/accuracy/);
    expect(Object.keys(JSON.parse(run('predict', '--checkpoint', checkpoint, loose, '--json').stdout) as object)).toEqual(['checkpoint', 'images']);
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    expect(run('predict', '--checkpoint', checkpoint, empty).stderr).toMatch(/^fer-ga: folder .*empty holds no images \(\.png, /);
  });

  test('bad input is one line naming the file', () => {
    const checkpoint = path.join(tmp, 'tiny.ckpt');
    expect(run('predict', '--checkpoint', path.join(tmp, 'none.ckpt'), images()[0]).stderr).toMatch(/^fer-ga: --checkpoint .*none\.ckpt: no such file\n$/);
    expect(run('predict', '--checkpoint', checkpoint, path.join(tmp, 'nope.png')).stderr).toMatch(/^fer-ga: image .*nope\.png: no such file\n$/);
    const notAnImage = path.join(tmp, 'notes.png');
    fs.writeFileSync(notAnImage, 'hello');
    const bad = run('predict', '--checkpoint', checkpoint, images()[0], notAnImage);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^fer-ga: image .*notes\.png cannot be used: /);
  });

  test('--save-best keeps the best cell of a grid, also when every trial came from the cache', () => {
    const grid = ['grid', ...data, '--models', 'googlenet', '--optimizers', 'sgdm,adam', '--activations', 'relu', '--json'];
    const first = JSON.parse(run(...grid, '--save-best', path.join(tmp, 'best1')).stdout) as { best: { key: string; accuracy: number }; checkpoint: string };
    expect(first.checkpoint).toBe(path.join(tmp, 'best1', 'best.ckpt'));
    expect(fs.existsSync(first.checkpoint)).toBe(true);
    expect(fs.existsSync(path.join(tmp, 'best1', 'trials'))).toBe(false);
    const described = JSON.parse(fs.readFileSync(path.join(tmp, 'best1', 'best.json'), 'utf8')) as { key: string; accuracy: number };
    expect(described).toMatchObject({ key: first.best.key, accuracy: first.best.accuracy });

    const again = JSON.parse(run(...grid, '--save-best', path.join(tmp, 'best2')).stdout) as { trainings: number; checkpoint: string };
    expect(again.trainings).toBe(0);
    // Trained again from the same seed on the CPU: the same network, byte for byte in its predictions.
    const predicted = (checkpoint: string) => (JSON.parse(run('predict', '--checkpoint', checkpoint, images()[0], '--json').stdout) as { images: unknown[] }).images;
    expect(predicted(again.checkpoint)).toEqual(predicted(first.checkpoint));
  });
});
