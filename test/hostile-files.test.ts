/**
 * Damaged and crafted input files: each is refused with one line that names the file
 * (the CLI: `fer-ga: …`, exit 2), never a hang, a native crash, a stack trace or an
 * allocation the file's size does not justify.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';

import Database from 'better-sqlite3';

import { contentFingerprint, writeCache, type CacheHeader } from '../src/data/cache';
import { prepareDataset } from '../src/data/dataset';
import { readFitnessTable } from '../src/ga/fitness-table';
import { Store } from '../src/store/store';
import { readWeights } from '../src/weights/weights';
import { intTuple, OP, stateDictPickle, storedZip, torchSaveArchive } from './helpers/crafted-files';
import { runCli } from './helpers/cli';

const FIXTURE = path.resolve(__dirname, 'fixtures/state-dict.pth');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-hostile-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Buffer | string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** The CLI's whole stderr is one `fer-ga:` line naming `file`, and it exits 2. */
function expectRefused(result: { code: number | null; stderr: string }, file: string, what: RegExp): void {
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith('fer-ga: ')).toBe(true);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(what);
  expect(result.code).toBe(2);
}

/** The promise rejects with a usage error of one line naming `file`. */
async function expectUsageError(promise: Promise<unknown>, file: string, what: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  );
  expect(error).toBeDefined();
  expect(error?.code).toBe('FER_GA_INVALID_ARGUMENT');
  expect(error?.message).not.toContain('\n');
  expect(error?.message).toContain(file);
  expect(error?.message).toMatch(what);
}

describe('weights files', () => {
  test('a 135-byte .pth whose GLOBAL has no newline: one line and exit 2, not a loop until out of memory', () => {
    const pickle = Buffer.concat([OP.PROTO2, Buffer.from('ccollections_Or', 'latin1')]);
    const file = write('no-newline.pth', storedZip([['a/data.pkl', pickle]]));
    expect(fs.statSync(file).size).toBe(135);
    const cache = path.join(tmp, 'cache');
    expectRefused(runCli('train', '--model', 'resnet50', '--weights', file, '--db', path.join(tmp, 'r.db'), '--cache', cache), file, /GLOBAL|line/);
  });

  const tensor = (offset: number, size: number[], stride: number[]) => stateDictPickle('w', OP.int(offset), intTuple(size), intTuple(stride));
  const cycle = Buffer.concat([
    OP.PROTO2, OP.EMPTY_DICT, OP.string('w'), OP.global('torch._utils', '_rebuild_tensor_v2'), OP.MARK,
    OP.MARK, OP.string('storage'), OP.global('torch', 'FloatStorage'), OP.string('0'), OP.string('cpu'), OP.int(4), OP.TUPLE, OP.BINPERSID,
    OP.int(0), OP.EMPTY_LIST, OP.put(0), OP.get(0), OP.APPEND, OP.get(0), OP.TUPLE, OP.REDUCE, OP.SETITEM, OP.STOP,
  ]);
  test.each<[string, Buffer, RegExp]>([
    ['truncated opcode', torchSaveArchive(Buffer.concat([OP.PROTO2, OP.EMPTY_DICT, Buffer.from([0x4a, 1])])), /pickle: 4 bytes wanted/],
    ['SETITEM on a list', torchSaveArchive(Buffer.concat([OP.PROTO2, OP.EMPTY_LIST, OP.int(1), OP.int(2), OP.SETITEM, OP.STOP])), /SETITEM on something that is not a dict/],
    ['zip directory past the end', (() => {
      const zip = torchSaveArchive(tensor(0, [4], [1]));
      zip.writeUInt32LE(zip.length + 100, zip.length - 6);
      return zip;
    })(), /zip directory .* outside the file/],
    ['entry offset into nowhere', (() => {
      const zip = torchSaveArchive(tensor(0, [4], [1]));
      const directory = zip.readUInt32LE(zip.length - 6);
      zip.writeUInt32LE(0x7ffffff0, directory + 42);
      return zip;
    })(), /points at \d+, where no entry starts/],
    ['a size larger than its storage, before allocating', torchSaveArchive(tensor(0, [65536, 65536], [65536, 1])), /more elements than the file holds/],
    ['a negative storage offset', torchSaveArchive(tensor(-1, [4], [1])), /bad storage offset/],
    ['strides past its storage', torchSaveArchive(tensor(0, [4], [2])), /reaches element 6 of a storage of 4/],
    ['a size that holds itself (a memo cycle)', torchSaveArchive(cycle), /size is not a list/],
  ])('.pth: %s', async (name, bytes, what) => {
    const file = write(`${name.replace(/\W+/g, '-')}.pth`, bytes);
    await expectUsageError(readWeights(file), file, what);
  });

  test.each<[string, string, RegExp]>([
    ['{"a":null}', '{"a":null}', /'a' is not a tensor entry/],
    ['a header that is not an object', 'null', /not a JSON object/],
    ['negative offsets', '{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}', /data_offsets is not a list/],
    ['offsets past the end', '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4000]}}', /lies at bytes 0–4000 of 4/],
    ['an overflowing shape', '{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', /more elements than the file holds/],
    ['a dtype named like an Object property', '{"a":{"dtype":"constructor","shape":[1],"data_offsets":[0,4]}}', /dtype constructor/],
  ])('.safetensors: %s', async (name, json, what) => {
    const header = Buffer.from(json);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    const file = write(`${name.replace(/\W+/g, '-')}.safetensors`, Buffer.concat([length, header, Buffer.alloc(4)]));
    await expectUsageError(readWeights(file), file, what);
  });

  test('the real torch.save file still reads, shared storages and half precision included', async () => {
    const weights = await readWeights(FIXTURE);
    const byName = new Map(weights.map((w) => [w.name, w]));
    expect(Array.from(byName.get('shared.rest')?.data ?? [])).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(Array.from(byName.get('half.weight')?.data ?? [])).toEqual([0.5, -2, 65504]);
    expect(byName.get('1.num_batches_tracked')).toMatchObject({ shape: [], dtype: 'int64' });
  });
});

describe('packed caches', () => {
  function pack(name: string, edit: (header: CacheHeader, labels: Int32Array) => void): string {
    const images = new Uint8Array(4 * 16).fill(7);
    const labels = new Int32Array([0, 1, 0, 1]);
    const subjects = new Int32Array([0, 0, 1, 1]);
    const header: CacheHeader = {
      version: 2, fingerprint: '', dataset: 'crafted', classes: ['happy', 'sad'], subjects: ['a', 'b'], count: 4, channels: 1, size: 4,
      counts: {}, settings: {}, skipped: [], faces: { detected: 0, fallback: 4 }, createdAt: new Date(0).toISOString(), preprocessVersion: 1,
    };
    edit(header, labels);
    // A crafted file carries the fingerprint of its own contents: only the checks on the contents stop it.
    header.fingerprint = contentFingerprint(header, images, labels, subjects);
    const file = path.join(tmp, `${name}.fergapack`);
    writeCache(file, header, images, labels, subjects);
    return file;
  }

  test.each<[string, (header: CacheHeader, labels: Int32Array) => void, RegExp]>([
    ['a label no class has', (_, labels) => { labels[2] = 9; }, /image 2 has label 9, not one of its 2 classes/],
    ['a negative label', (_, labels) => { labels[0] = -1; }, /image 0 has label -1/],
  ])('%s', async (name, edit, what) => {
    const file = pack(name.replace(/\W+/g, '-'), edit);
    await expectUsageError(prepareDataset(`pack:${file}`), file, what);
  });

  test('a header that is JSON but not an object', async () => {
    const json = Buffer.from('null    ');
    const head = Buffer.alloc(12);
    head.write('FERGAPK1', 0, 'latin1');
    head.writeUInt32LE(json.length, 8);
    const file = write('null-header.fergapack', Buffer.concat([head, json]));
    await expectUsageError(prepareDataset(`pack:${file}`), file, /unreadable header/);
  });
});

describe('checkpoints', () => {
  test.each<[string, () => string, RegExp]>([
    ['random bytes', () => write('junk.ckpt', Buffer.alloc(300, 0x5a)), /not a zip archive/],
    ['a torch.save file, not a checkpoint', () => FIXTURE, /is not a readable fer-ga checkpoint/],
    ['a pickle declaring a 2 GB string (libtorch would allocate it before reading)', () => {
      const pickle = Buffer.concat([OP.PROTO2, Buffer.from([0x58, 0xff, 0xff, 0xff, 0x7f]), Buffer.from('x'), OP.STOP]);
      return write('huge-string.ckpt', storedZip([['ckpt/version', Buffer.from('3\n')], ['ckpt/constants.pkl', pickle], ['ckpt/data.pkl', pickle]]));
    }, /pickle: 2147483647 bytes wanted/],
  ])('%s: one line naming the file and exit 2', (_, make, what) => {
    const file = make();
    const result = runCli('export', '--checkpoint', file, '--out', path.join(tmp, 'out.safetensors'));
    expectRefused(result, file, /is not a readable fer-ga checkpoint/);
    expect(result.stderr).toMatch(what);
  });
});

describe('results files', () => {
  test('one written by a newer fer-ga: one line naming it and exit 2', () => {
    const file = path.join(tmp, 'newer.db');
    new Store(file).close();
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    expectRefused(runCli('runs', '--db', file), file, /schema version 999, newer than this fer-ga/);
  });

  test('one cut short: one line naming it and exit 2', () => {
    const whole = path.join(tmp, 'whole.db');
    const store = new Store(whole);
    for (let i = 0; i < 200; i++) store.createRun('grid', 'synthetic', null, { note: 'x'.repeat(2000) });
    store.close();
    const bytes = fs.readFileSync(whole);
    const file = write('cut.db', bytes.subarray(0, bytes.length >> 1));
    expectRefused(runCli('runs', '--db', file), file, /is not a fer-ga results database/);
  });

  test('another kind of file: one line naming it and exit 2', () => {
    expectRefused(runCli('runs', '--db', FIXTURE), FIXTURE, /is not a fer-ga results database/);
  });
});

describe('fitness tables', () => {
  test.each<[string, string, string, RegExp]>([
    ['a JSON row that is not an object', 'rows.json', '[null]', /row 0 is not an object/],
    ['a truncated CSV', 'cut.csv', 'dataset,model,optimizer,activation,accuracy\n"ckplus,alex', /is not valid CSV/],
    ['a CSV row cut short', 'short.csv', 'dataset,model,optimizer,activation,accuracy\nckplus,alexnet,sgdm', /is not valid CSV/],
  ])('%s', (_, name, text, what) => {
    const file = write(name, text);
    let error: (Error & { code?: string }) | undefined;
    try {
      readFitnessTable(file);
    } catch (e) {
      error = e as Error & { code?: string };
    }
    expect(error?.code).toBe('FER_GA_INVALID_ARGUMENT');
    expect(error?.message).toContain(file);
    expect(error?.message).toMatch(what);
  });
});
