/**
 * Fuzzing every reader of a file a user can hand fer-ga: weights (.pth, .safetensors), packed
 * caches (.fergapack) and checkpoints. The corpus is built here from real files written by
 * real writers (PyTorch's torch.save for the committed .pth fixture; fer-ga's own writers
 * for the rest), then damaged: cut at every structure boundary and on a regular grid, bytes
 * flipped, oversized shapes, memo cycles and exponential memo sharing, deep nesting, and
 * random bytes. Each reader runs in a child process (a native crash is a signal there, a
 * hang a timeout), and every case must end in success or one clean usage error naming
 * the file, within 1 s and 50 MB.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { contentFingerprint, writeCache, type CacheHeader } from '../src/data/cache';
import { trainNetwork } from '../src/binding/train';
import { readWeights, writeSafetensors } from '../src/weights/weights';
import { readZip } from '../src/weights/zip-reader';
import {
  flips, intTuple, OP, randomFiles, seededRandom, stateDictPickle, storedZip, torchSaveArchive, truncations, type Mutant,
} from './helpers/crafted-files';

const CHILD = path.resolve(__dirname, 'helpers/fuzz-child.js');
const FIXTURE = path.resolve(__dirname, 'fixtures/state-dict.pth');
const MOST_MS = 1000;
const MOST_MB = 50;
const never = (why: string): never => {
  throw new Error(why);
};

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-fuzz-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every `step` bytes, plus the given boundaries and one byte either side of each. */
function cuts(length: number, step: number, boundaries: number[]): number[] {
  const out: number[] = [];
  for (let at = 0; at < length; at += step) out.push(at);
  for (const b of boundaries) out.push(b - 1, b, b + 1);
  return out;
}

/** Where each entry of an intact zip starts and ends, and where its directory and end record lie (compressed entries too). */
function zipBoundaries(bytes: Buffer): number[] {
  const directory = bytes.readUInt32LE(bytes.length - 6);
  const out = [directory, bytes.length - 22];
  for (let at = directory; bytes.readUInt32LE(at) === 0x02014b50; at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32)) {
    const local = bytes.readUInt32LE(at + 42);
    const data = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    out.push(local, data, data + bytes.readUInt32LE(at + 20));
  }
  return out;
}

/** The entry whose name ends in `suffix`: where its bytes lie. */
function zipEntry(bytes: Buffer, suffix: string): { offset: number; size: number } {
  const directory = bytes.readUInt32LE(bytes.length - 6);
  for (let at = directory; bytes.readUInt32LE(at) === 0x02014b50; at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32)) {
    const name = bytes.toString('utf8', at + 46, at + 46 + bytes.readUInt16LE(at + 28));
    if (!name.endsWith(suffix)) continue;
    const local = bytes.readUInt32LE(at + 42);
    return { offset: local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28), size: bytes.readUInt32LE(at + 20) };
  }
  throw new Error(`no ${suffix} in the archive`);
}

interface Answer {
  i: number;
  ok: boolean;
  message?: string;
  code?: string;
  ms: number;
  growthMb: number;
}

/** Writes the corpus (the intact file first), runs the reader over it in a child, and checks every answer. */
function fuzz(reader: string, intact: Buffer, mutants: Mutant[], timeoutMs: number): { cases: number; failures: number } {
  const dir = fs.mkdtempSync(path.join(tmp, `${reader}-`));
  const files = [intact, ...mutants.map((m) => m.bytes)].map((bytes, i) => {
    const file = path.join(dir, `case-${i}.${reader}`);
    fs.writeFileSync(file, bytes);
    return file;
  });
  const names = ['intact', ...mutants.map((m) => m.name)];
  const list = path.join(dir, 'list.json');
  fs.writeFileSync(list, JSON.stringify(files));
  const child = spawnSync(process.execPath, ['--expose-gc', CHILD, reader, list], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const lines = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Answer | { start: number });
  const started = lines.filter((l): l is { start: number } => 'start' in l);
  const answers = lines.filter((l): l is Answer => 'i' in l);
  const last = started[started.length - 1]?.start;
  // A crash or hang names the case it happened on.
  expect({ reader, signal: child.signal, status: child.status, stuckOn: answers.length < files.length ? names[last] : null, stderr: child.stderr })
    .toEqual({ reader, signal: null, status: 0, stuckOn: null, stderr: '' });
  const bad = answers.filter(
    (a) =>
      a.ms > MOST_MS ||
      a.growthMb > MOST_MB ||
      (!a.ok && (a.code !== 'FER_GA_INVALID_ARGUMENT' || (a.message ?? '').includes('\n') || !(a.message ?? '').includes(files[a.i]))),
  );
  expect(bad.map((a) => ({ case: names[a.i], ...a }))).toEqual([]);
  expect(answers[0].ok).toBe(true);
  fs.rmSync(dir, { recursive: true, force: true });
  return { cases: answers.length, failures: answers.filter((a) => !a.ok).length };
}

describe('fuzzing the readers', () => {
  test('.pth (torch.save): cut, flipped, crafted pickles (cycles, shared memo bombs, deep nesting, oversized shapes), random', () => {
    const intact = fs.readFileSync(FIXTURE);
    const random = seededRandom(1);
    const entries = readZip(intact, never);
    const pickleName = [...entries.keys()].find((n) => n.endsWith('data.pkl')) as string;
    const pickle = entries.get(pickleName) as { offset: number; size: number };
    const rezipped = (replacement: Buffer) =>
      storedZip([...entries].map(([name, e]) => [name, name === pickleName ? replacement : intact.subarray(e.offset, e.offset + e.size)]));
    const pickleBytes = intact.subarray(pickle.offset, pickle.offset + pickle.size);
    const pickleCuts: Mutant[] = [];
    for (let at = 0; at < pickleBytes.length; at += 3) pickleCuts.push({ name: `pickle cut at ${at}`, bytes: rezipped(pickleBytes.subarray(0, at)) });
    const memoBomb = Buffer.concat([OP.EMPTY_LIST, OP.put(0), ...Array.from({ length: 200 }, () => Buffer.concat([OP.get(0), OP.get(0), Buffer.from([0x86]), OP.put(0)]))]);
    const deep = Buffer.concat([OP.EMPTY_LIST, ...Array.from({ length: 100000 }, () => OP.EMPTY_LIST), ...Array.from({ length: 100000 }, () => OP.APPEND)]);
    const crafted: Mutant[] = [
      { name: 'memo bomb as a size', bytes: torchSaveArchive(stateDictPickle('w', OP.int(0), memoBomb, intTuple([1]))) },
      { name: 'nesting 100000 deep as a size', bytes: torchSaveArchive(stateDictPickle('w', OP.int(0), deep, intTuple([1]))) },
      { name: '200000 lists side by side', bytes: torchSaveArchive(Buffer.concat([OP.PROTO2, Buffer.alloc(200000, OP.EMPTY_LIST[0]), OP.STOP])) },
      { name: 'shape 2^31 × 2^31', bytes: torchSaveArchive(stateDictPickle('w', OP.int(0), intTuple([2 ** 31 - 1, 2 ** 31 - 1]), intTuple([1, 1]))) },
      { name: '64 dimensions of 2', bytes: torchSaveArchive(stateDictPickle('w', OP.int(0), intTuple(new Array(64).fill(2)), intTuple(new Array(64).fill(0)))) },
      { name: 'stride 0 over a huge size', bytes: torchSaveArchive(stateDictPickle('w', OP.int(0), intTuple([1e9]), intTuple([0]))) },
      { name: 'an offset at the storage end', bytes: torchSaveArchive(stateDictPickle('w', OP.int(4), intTuple([1]), intTuple([1]))) },
      { name: 'a 4 GB string length', bytes: torchSaveArchive(Buffer.concat([OP.PROTO2, Buffer.from([0x58, 0xff, 0xff, 0xff, 0xff]), OP.STOP])) },
      { name: 'GLOBAL without newline', bytes: torchSaveArchive(Buffer.concat([OP.PROTO2, Buffer.from('ccollections', 'latin1')])) },
      { name: 'a 100 kB GLOBAL line', bytes: torchSaveArchive(Buffer.concat([OP.PROTO2, Buffer.from(`c${'x'.repeat(100000)}\n`, 'latin1')])) },
    ];
    const result = fuzz('pth', intact, [
      ...truncations('file', intact, cuts(intact.length, 16, zipBoundaries(intact))),
      ...pickleCuts,
      ...flips('pickle', intact, 300, random, pickle.offset, pickle.offset + pickle.size),
      ...flips('file', intact, 100, random),
      ...crafted,
      ...randomFiles('pth', 20, random, intact.subarray(0, 4)),
    ], 60000);
    expect(result.cases).toBeGreaterThan(800);
  });

  test('.safetensors: cut, flipped header and data, random', async () => {
    const file = path.join(tmp, 'weights.safetensors');
    writeSafetensors(file, await readWeights(FIXTURE));
    const intact = fs.readFileSync(file);
    const headerEnd = 8 + Number(intact.readBigUInt64LE(0));
    const header = JSON.parse(intact.toString('utf8', 8, headerEnd)) as Record<string, { data_offsets?: number[] }>;
    const offsets = Object.values(header).flatMap((e) => (e.data_offsets ?? []).map((o) => headerEnd + o));
    const random = seededRandom(2);
    const result = fuzz('safetensors', intact, [
      ...truncations('file', intact, cuts(intact.length, 8, [8, headerEnd, ...offsets])),
      ...flips('header', intact, 300, random, 0, headerEnd),
      ...flips('data', intact, 30, random, headerEnd),
      ...randomFiles('safetensors', 20, random, intact.subarray(0, 8)),
    ], 60000);
    expect(result.cases).toBeGreaterThan(400);
  });

  test('.fergapack: cut, flipped, random', () => {
    const count = 12;
    const images = Uint8Array.from({ length: count * 64 }, (_, i) => (i * 37) % 256);
    const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
    const subjects = Int32Array.from({ length: count }, (_, i) => i % 4);
    const header: CacheHeader = {
      version: 2, fingerprint: '', dataset: 'fuzz', classes: ['a', 'b', 'c'], subjects: ['s0', 's1', 's2', 's3'], count, channels: 1, size: 8,
      counts: { a: 4, b: 4, c: 4 }, settings: {}, skipped: [], faces: { detected: 0, fallback: count }, createdAt: new Date(0).toISOString(), preprocessVersion: 1,
    };
    header.fingerprint = contentFingerprint(header, images, labels, subjects);
    const file = path.join(tmp, 'set.fergapack');
    writeCache(file, header, images, labels, subjects);
    const intact = fs.readFileSync(file);
    const imagesAt = 12 + intact.readUInt32LE(8);
    const random = seededRandom(3);
    const result = fuzz('fergapack', intact, [
      ...truncations('file', intact, cuts(intact.length, 8, [8, 12, imagesAt, imagesAt + count * 64, imagesAt + count * 68])),
      ...flips('header', intact, 200, random, 0, imagesAt),
      ...flips('contents', intact, 40, random, imagesAt),
      ...randomFiles('fergapack', 20, random, intact.subarray(0, 12)),
    ], 60000);
    expect(result.cases).toBeGreaterThan(350);
  });

  test('checkpoints (native reader): cut at its structure, flipped, random, other formats', async () => {
    const file = path.join(tmp, 'tiny.ckpt');
    const size = 15;
    const images = Uint8Array.from({ length: 4 * size * size }, (_, i) => (i * 13) % 256);
    await trainNetwork(
      { images, labels: [0, 1, 0, 1], trainIndices: [0, 1, 2], validationIndices: [3] },
      { model: 'googlenet', classes: 2, channels: 1, size, epochs: 1, batchSize: 4, threads: 1, checkpoint: file },
    );
    const intact = fs.readFileSync(file);
    const pickle = zipEntry(intact, '/data.pkl');
    const boundaries = zipBoundaries(intact);
    const random = seededRandom(4);
    const sample = (values: number[], count: number) => Array.from({ length: count }, () => values[Math.floor(random() * values.length)]);
    const result = fuzz('checkpoint', intact, [
      ...truncations('file', intact, [0, 1, 100, intact.length >> 1, intact.length - 1, ...sample(boundaries, 6), pickle.offset + (pickle.size >> 1)]),
      ...flips('pickle', intact, 16, random, pickle.offset, pickle.offset + pickle.size),
      ...flips('zip directory', intact, 4, random, boundaries[boundaries.length - 2], intact.length),
      ...randomFiles('checkpoint', 2, random, intact.subarray(0, 4)),
      { name: 'a torch.save file', bytes: fs.readFileSync(FIXTURE) },
    ], 120000);
    expect(result.cases).toBeGreaterThan(20);
  });
});
