/**
 * Damaged and crafted files for the readers' tests: a stored zip written byte by byte, small
 * pickles from opcodes, and the mutations a fuzz corpus is made of (truncations at given
 * offsets, flipped bytes, random bytes), all from a seeded generator so a failing case
 * is the same on every run.
 */

/** A little-endian record of `length` bytes: [offset, value, 2 or 4 bytes wide] for each field. */
function record(length: number, fields: Array<[number, number, 2 | 4]>): Buffer {
  const out = Buffer.alloc(length);
  for (const [at, value, width] of fields) {
    if (width === 2) out.writeUInt16LE(value, at);
    else out.writeUInt32LE(value, at);
  }
  return out;
}

/** A stored (uncompressed) zip holding `entries`, as torch.save writes one (CRCs left 0: no reader here checks them). */
export function storedZip(entries: Array<[string, Buffer]>): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    locals.push(record(30, [[0, 0x04034b50, 4], [18, data.length, 4], [22, data.length, 4], [26, nameBytes.length, 2]]), nameBytes, data);
    directory.push(
      record(46, [[0, 0x02014b50, 4], [20, data.length, 4], [24, data.length, 4], [28, nameBytes.length, 2], [42, offset, 4]]),
      nameBytes,
    );
    offset += 30 + nameBytes.length + data.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = record(22, [[0, 0x06054b50, 4], [8, entries.length, 2], [10, entries.length, 2], [12, directoryBytes.length, 4], [16, offset, 4]]);
  return Buffer.concat([...locals, directoryBytes, end]);
}

/** Pickle opcodes by name, for writing crafted pickles readably. */
export const OP = {
  PROTO2: Buffer.from([0x80, 2]),
  MARK: Buffer.from([0x28]),
  EMPTY_DICT: Buffer.from([0x7d]),
  EMPTY_LIST: Buffer.from([0x5d]),
  EMPTY_TUPLE: Buffer.from([0x29]),
  APPEND: Buffer.from([0x61]),
  SETITEM: Buffer.from([0x73]),
  SETITEMS: Buffer.from([0x75]),
  TUPLE: Buffer.from([0x74]),
  REDUCE: Buffer.from([0x52]),
  BINPERSID: Buffer.from([0x51]),
  STOP: Buffer.from([0x2e]),
  global: (module: string, name: string) => Buffer.from(`c${module}\n${name}\n`, 'latin1'),
  string: (text: string) => Buffer.concat([Buffer.from([0x8c, Buffer.byteLength(text)]), Buffer.from(text)]),
  int: (value: number) => {
    const out = Buffer.alloc(5);
    out[0] = 0x4a;
    out.writeInt32LE(value, 1);
    return out;
  },
  put: (index: number) => Buffer.from([0x71, index]),
  get: (index: number) => Buffer.from([0x68, index]),
};

/** `{name: tensor}` where the tensor is `_rebuild_tensor_v2(storage key 0, offset, size, stride)`; sizes as pickle bytes. */
export function stateDictPickle(name: string, offset: Buffer, size: Buffer, stride: Buffer): Buffer {
  const storage = Buffer.concat([
    OP.MARK, OP.string('storage'), OP.global('torch', 'FloatStorage'), OP.string('0'), OP.string('cpu'), OP.int(4), OP.TUPLE, OP.BINPERSID,
  ]);
  return Buffer.concat([
    OP.PROTO2, OP.EMPTY_DICT, OP.string(name),
    OP.global('torch._utils', '_rebuild_tensor_v2'), OP.MARK, storage, offset, size, stride, OP.TUPLE, OP.REDUCE,
    OP.SETITEM, OP.STOP,
  ]);
}

/** A tuple of ints as pickle bytes. */
export function intTuple(values: number[]): Buffer {
  return Buffer.concat([OP.MARK, ...values.map(OP.int), OP.TUPLE]);
}

/** A torch.save-shaped archive around a pickle and one 16-byte storage (four floats). */
export function torchSaveArchive(pickle: Buffer): Buffer {
  return storedZip([
    ['archive/data.pkl', pickle],
    ['archive/data/0', Buffer.from(new Float32Array([1, 2, 3, 4]).buffer)],
  ]);
}

/** mulberry32: small, fast and the same everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mutant {
  name: string;
  bytes: Buffer;
}

/** The file cut at each offset (each a structure boundary or a step of a regular grid). */
export function truncations(name: string, bytes: Buffer, offsets: Iterable<number>): Mutant[] {
  const unique = [...new Set(offsets)].filter((at) => at >= 0 && at < bytes.length).sort((a, b) => a - b);
  return unique.map((at) => ({ name: `${name} cut at ${at}`, bytes: bytes.subarray(0, at) }));
}

/** `count` copies with 1–4 bytes each replaced by random ones, at offsets drawn from [from, to). */
export function flips(name: string, bytes: Buffer, count: number, random: () => number, from = 0, to = bytes.length): Mutant[] {
  const out: Mutant[] = [];
  for (let n = 0; n < count; n++) {
    const copy = Buffer.from(bytes);
    const changes = 1 + Math.floor(random() * 4);
    const where: number[] = [];
    for (let c = 0; c < changes; c++) {
      const at = from + Math.floor(random() * (to - from));
      copy[at] = Math.floor(random() * 256);
      where.push(at);
    }
    out.push({ name: `${name} flipped at ${where.join(',')}`, bytes: copy });
  }
  return out;
}

/** Files of random bytes, some starting with `prefix` (the format's magic) so the reader goes past its first check. */
export function randomFiles(name: string, count: number, random: () => number, prefix = Buffer.alloc(0)): Mutant[] {
  const out: Mutant[] = [];
  for (let n = 0; n < count; n++) {
    const body = Buffer.alloc(Math.floor(random() * 4096));
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(random() * 256);
    out.push({ name: `${name} random ${n}`, bytes: n % 2 === 0 ? body : Buffer.concat([prefix, body]) });
  }
  return out;
}
