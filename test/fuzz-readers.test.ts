/**
 * Fuzzing every reader of a file a user can hand fer-ga: weights (.pth, .safetensors), packed
 * caches (.fergapack) and checkpoints. The corpus is built here from real files written by
 * real writers (PyTorch's torch.save for the committed .pth fixture; fer-ga's own writers
 * for the rest), then damaged: cut at every structure boundary and on a regular grid, bytes
 * flipped, oversized shapes, memo cycles and exponential memo sharing, deep nesting, and
 * random bytes. Checkpoints and training states also get crafted copies that are well-formed
 * archives with valid CRCs (written by PyTorch from the real file, test/helpers/craft_archive.py):
 * normalisation of the wrong length or value, tensors of another shape or dtype, histories
 * that would expand to gigabytes, optimizer options other than the trial's; and copies with
 * bytes flipped inside their tensor records, which only a CRC check sees. Each reader runs in a
 * child process (a native crash is a signal there, a hang a timeout), and every case must
 * end in success or one clean usage error naming the file, within 1 s and 50 MB; every
 * crafted or payload-flipped case must be refused, saying why.
 */
import { execFileSync, spawnSync } from 'child_process';
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
const CRAFT = path.resolve(__dirname, 'helpers/craft_archive.py');
const PYTHON = process.env.FER_GA_PYTHON ?? '/usr/bin/python3';
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

/** Every entry whose name matches: where its bytes lie. */
function zipEntries(bytes: Buffer, matches: (name: string) => boolean): Array<{ name: string; offset: number; size: number }> {
  const out: Array<{ name: string; offset: number; size: number }> = [];
  const directory = bytes.readUInt32LE(bytes.length - 6);
  for (let at = directory; bytes.readUInt32LE(at) === 0x02014b50; at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32)) {
    const name = bytes.toString('utf8', at + 46, at + 46 + bytes.readUInt16LE(at + 28));
    if (!matches(name)) continue;
    const local = bytes.readUInt32LE(at + 42);
    out.push({ name, offset: local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28), size: bytes.readUInt32LE(at + 20) });
  }
  return out;
}

/** The entry whose name ends in `suffix`: where its bytes lie. */
function zipEntry(bytes: Buffer, suffix: string): { offset: number; size: number } {
  const [entry] = zipEntries(bytes, (name) => name.endsWith(suffix));
  if (!entry) throw new Error(`no ${suffix} in the archive`);
  return entry;
}

/** `count` copies, each with one byte inverted inside a tensor record (a `data/N` entry): the archive stays well-formed, only its CRC tells. */
function payloadFlips(bytes: Buffer, count: number, random: () => number): Mutant[] {
  const records = zipEntries(bytes, (name) => /\/data\/\d+$/.test(name)).filter((e) => e.size > 0);
  return Array.from({ length: count }, () => {
    const record = records[Math.floor(random() * records.length)];
    const at = record.offset + Math.floor(random() * record.size);
    const copy = Buffer.from(bytes);
    copy[at] ^= 0xff;
    return { name: `payload of ${record.name} flipped at ${at}`, bytes: copy };
  });
}

interface Craft {
  name: string;
  /** Dotted attribute of the archive's module → its new value (see craft_archive.py). */
  set: Record<string, unknown>;
  /** What the refusal must say. */
  refused: RegExp;
}

/** Well-formed copies of the archive `file`, one per craft, written by PyTorch (valid CRCs). */
function craftedCopies(file: string, crafts: Craft[]): Mutant[] {
  const dir = fs.mkdtempSync(path.join(tmp, 'crafted-'));
  const edits = path.join(dir, 'edits.json');
  fs.writeFileSync(edits, JSON.stringify(crafts.map(({ name, set }) => ({ name, set }))));
  const written = execFileSync(PYTHON, [CRAFT, file, dir, edits], { encoding: 'utf8' }).trim().split('\n');
  return crafts.map((craft, i) => ({ name: `crafted: ${craft.name}`, bytes: fs.readFileSync(written[i]) }));
}

// libtorch's optimizer archive keeps each parameter group's options under these names; its
// loader copies them over the configured ones, so each differing one must be refused.
const ADAM_OPTIONS = 'optimizer.param_groups.param_groups/0.options';
const OPTION_CRAFTS: Craft[] = [
  { name: 'a doubled rate', set: { [`${ADAM_OPTIONS}.lr`]: 0.002 }, refused: /its optimizer's lr is 0\.002, but the trial's is 0\.001/ },
  { name: 'another eps', set: { [`${ADAM_OPTIONS}.eps`]: 0.001 }, refused: /its optimizer's eps is 0\.001, but the trial's is 1e-08/ },
  { name: 'other betas', set: { [`${ADAM_OPTIONS}.betas`]: [0.5, 0.999] }, refused: /its optimizer's beta1 is 0\.5, but the trial's is 0\.9/ },
  { name: 'no weight decay', set: { [`${ADAM_OPTIONS}.weight_decay`]: 0 }, refused: /its optimizer's weight_decay is 0, but the trial's is 0\.0001/ },
  { name: 'amsgrad switched on', set: { [`${ADAM_OPTIONS}.amsgrad`]: true }, refused: /its optimizer's amsgrad is 1, but the trial's is 0/ },
  { name: "a moment of another shape", set: { 'optimizer.state.#0.exp_avg': { tensor: [1, 2, 3, 4, 5, 6, 7], dtype: 'float32' } }, refused: /its optimizer's exp_avg for parameter \d+ is \[7\] Float, but the parameter is \[/ },
];

/** Every crafted or payload-flipped case was refused, saying why. */
function expectRefusals(answers: Map<string, Answer>, crafts: Craft[], flipped: Mutant[]): void {
  const wrong: string[] = [];
  for (const craft of crafts) {
    const answer = answers.get(`crafted: ${craft.name}`);
    if (answer?.ok !== false || !craft.refused.test(answer.message ?? '')) wrong.push(`${craft.name}: ${JSON.stringify(answer)}`);
  }
  for (const { name } of flipped) {
    const answer = answers.get(name);
    if (answer?.ok !== false || !/is damaged \(its CRC-32 does not match its bytes\)/.test(answer.message ?? '')) wrong.push(`${name}: ${JSON.stringify(answer)}`);
  }
  expect(wrong).toEqual([]);
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
function fuzz(
  reader: string,
  intact: Buffer,
  mutants: Mutant[],
  timeoutMs: number,
  setup?: unknown,
): { cases: number; failures: number; answers: Map<string, Answer> } {
  const dir = fs.mkdtempSync(path.join(tmp, `${reader}-`));
  const files = [intact, ...mutants.map((m) => m.bytes)].map((bytes, i) => {
    const file = path.join(dir, `case-${i}.${reader}`);
    fs.writeFileSync(file, bytes);
    return file;
  });
  const names = ['intact', ...mutants.map((m) => m.name)];
  const list = path.join(dir, 'list.json');
  fs.writeFileSync(list, JSON.stringify(files));
  const setupFile = path.join(dir, 'setup.json');
  if (setup !== undefined) fs.writeFileSync(setupFile, JSON.stringify(setup));
  const args = ['--expose-gc', CHILD, reader, list, ...(setup !== undefined ? [setupFile] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
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
  return { cases: answers.length, failures: answers.filter((a) => !a.ok).length, answers: new Map(answers.map((a) => [names[a.i], a])) };
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
    const perChannel = /holds \d+ values, not one double for each of its 1 channels/;
    const crafts: Craft[] = [
      { name: 'an empty std', set: { std: { tensor: [] } }, refused: perChannel },
      { name: 'an empty mean', set: { mean: { tensor: [] } }, refused: perChannel },
      { name: 'a mean for 3 channels on a grey network', set: { mean: { tensor: [0.1, 0.2, 0.3] } }, refused: perChannel },
      { name: 'a float32 std', set: { std: { tensor: [0.5], dtype: 'float32' } }, refused: perChannel },
      { name: 'a std of 0', set: { std: { tensor: [0] } }, refused: /its std of channel 0 is 0, not a finite number above 0/ },
      { name: 'a negative std', set: { std: { tensor: [-0.25] } }, refused: /its std of channel 0 is -0\.25, not a finite number above 0/ },
      { name: 'a NaN std', set: { std: { tensor: ['nan'] } }, refused: /its std of channel 0 is NaN, not a finite number above 0/ },
      { name: 'an infinite mean', set: { mean: { tensor: ['inf'] } }, refused: /its mean of channel 0 is Infinity, not a finite number/ },
      { name: '5 classes over a 2-output last layer', set: { classes: 5 }, refused: /its 'fc\.weight' is \[2,1024\], but the network it names has \[5,1024\]/ },
      { name: '1001 classes', set: { classes: 1001 }, refused: /classes must be at most 1000 \(got 1001\)/ },
      { name: 'a last layer of 3 outputs', set: { 'network.fc.weight': { like: 'network.fc.weight', shape: [3, 1024] } }, refused: /its 'fc\.weight' is \[3,1024\], but the network it names has \[2,1024\]/ },
      { name: 'a float64 first convolution', set: { 'network.conv1.conv.weight': { like: 'network.conv1.conv.weight', shape: [64, 1, 7, 7], dtype: 'float64' } }, refused: /its 'conv1\.conv\.weight' is Double, but the network it names has Float/ },
      { name: 'a batch-norm buffer of another length', set: { 'network.conv1.bn.running_mean': { like: 'network.conv1.bn.running_mean', shape: [32] } }, refused: /its 'conv1\.bn\.running_mean' is \[32\], but the network it names has \[64\]/ },
      { name: 'a parameter for relu', set: { activationParameter: 0.5 }, refused: /relu takes no parameter \(got activationParameter 0\.5\)/ },
      { name: '2 channels', set: { channels: 2 }, refused: /channels must be 1 \(grey\) or 3 \(colour\)/ },
    ];
    const payload = payloadFlips(intact, 12, random);
    const result = fuzz('checkpoint', intact, [
      ...truncations('file', intact, [0, 1, 100, intact.length >> 1, intact.length - 1, ...sample(boundaries, 6), pickle.offset + (pickle.size >> 1)]),
      ...flips('pickle', intact, 16, random, pickle.offset, pickle.offset + pickle.size),
      ...flips('zip directory', intact, 4, random, boundaries[boundaries.length - 2], intact.length),
      ...randomFiles('checkpoint', 2, random, intact.subarray(0, 4)),
      { name: 'a torch.save file', bytes: fs.readFileSync(FIXTURE) },
      ...payload,
      ...craftedCopies(file, crafts),
    ], 120000);
    expect(result.cases).toBeGreaterThan(45);
    expectRefusals(result.answers, crafts, payload);
  });

  test('training states (native reader): cut, flipped, damaged payload, crafted histories, shapes, options and trials', async () => {
    const file = path.join(tmp, 'tiny.ferstate');
    const size = 15;
    const data = { images: Array.from({ length: 4 * size * size }, (_, i) => (i * 13) % 256), labels: [0, 1, 0, 1], trainIndices: [0, 1, 2], validationIndices: [3] };
    const options = {
      model: 'googlenet' as const, classes: 2, channels: 1 as const, size, epochs: 3, batchSize: 4, threads: 1, optimizer: 'adam' as const,
      learningRate: 1e-3, stateIdentity: 'trial-key fold 0',
    };
    await trainNetwork({ ...data, images: Uint8Array.from(data.images) }, { ...options, untilEpoch: 1, saveState: file });
    const intact = fs.readFileSync(file);
    const boundaries = zipBoundaries(intact);
    const random = seededRandom(5);
    const history = (rows: number) => ({ tensor: Array.from({ length: rows * 6 }, (_, i) => (i % 6 === 0 ? 1 + i / 6 : 0.5)), shape: [rows, 6] });
    const crafts: Craft[] = [
      { name: 'a stride-0 history of 20M rows', set: { history: { tensor: [1, 0.5, 0.5, 0.5, 0.5, 0.5], expand: [20000000, 6] } }, refused: /its history is \[20000000, 6\] Double \(not contiguous\), not 1×6 doubles/ },
      { name: 'a history of 2 rows at epoch 1', set: { history: history(2) }, refused: /its history is \[2, 6\] Double, not 1×6 doubles/ },
      { name: 'a history of 5 columns', set: { history: { tensor: [1, 0.5, 0.5, 0.5, 0.5], shape: [1, 5] } }, refused: /its history is \[1, 5\]/ },
      { name: 'a float32 history', set: { history: { tensor: [1, 0.5, 0.5, 0.5, 0.5, 0.5], shape: [1, 6], dtype: 'float32' } }, refused: /its history is \[1, 6\] Float/ },
      { name: 'a history whose row is another epoch', set: { history: { tensor: [7, 0.5, 0.5, 0.5, 0.5, 0.5], shape: [1, 6] } }, refused: /its history's row 1 is not that epoch's/ },
      { name: 'epoch 4 of 3', set: { epoch: 4, history: history(4) }, refused: /its epoch 4 is outside 1\.\.3/ },
      { name: 'epoch 0', set: { epoch: 0, history: { tensor: [], shape: [0, 6] } }, refused: /its epoch 0 is outside 1\.\.3/ },
      { name: 'another trial', set: { trial: 'another-key fold 0' }, refused: /it was written for trial 'another-key fold 0', not 'trial-key fold 0'/ },
      { name: 'a last layer of 3 outputs', set: { 'network.fc.weight': { like: 'network.fc.weight', shape: [3, 1024] } }, refused: /its 'fc\.weight' is \[3,1024\], but the network it names has \[2,1024\]/ },
      { name: 'a float64 first convolution', set: { 'network.conv1.conv.weight': { like: 'network.conv1.conv.weight', shape: [64, 1, 7, 7], dtype: 'float64' } }, refused: /its 'conv1\.conv\.weight' is Double/ },
      ...OPTION_CRAFTS,
    ];
    const payload = payloadFlips(intact, 12, random);
    const result = fuzz('state', intact, [
      ...truncations('file', intact, [0, 1, 100, intact.length >> 1, intact.length - 1, ...Array.from({ length: 6 }, () => boundaries[Math.floor(random() * boundaries.length)])]),
      ...flips('zip directory', intact, 4, random, boundaries[boundaries.length - 2], intact.length),
      ...randomFiles('state', 2, random, intact.subarray(0, 4)),
      ...payload,
      ...craftedCopies(file, crafts),
    ], 120000, { data, options: { ...options, untilEpoch: 2 } });
    expect(result.cases).toBeGreaterThan(35);
    expectRefusals(result.answers, crafts, payload);
  });
});
