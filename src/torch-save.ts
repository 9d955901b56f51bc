/**
 * Reads the files `torch.save(model.state_dict(), path)` writes (the zip format, PyTorch
 * ≥ 1.6): a stored (uncompressed) zip holding `<name>/data.pkl`, a pickle whose tensors
 * point at raw storages `<name>/data/<key>`. Only what a state dict needs is understood:
 * an OrderedDict of tensors rebuilt by `torch._utils._rebuild_tensor_v2`. libtorch 1.13's
 * own unpickler cannot read these (it trips over the OrderedDict's `_metadata`).
 */
import fs from 'fs';

import { UsageError } from './errors';
import { bfloat16ToFloat, halfToFloat } from './float16';
import type { NamedWeights } from './native';

interface ZipEntry {
  offset: number;
  size: number;
}

function readZip(bytes: Buffer, fail: (why: string) => never): Map<string, ZipEntry> {
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) fail('not a zip file: the legacy (pre-1.6) format is not read; re-save with a current PyTorch');
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  if (at === 0xffffffff) fail('zip64 archives (over 4 GB) are not read');
  const entries = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) fail('damaged zip directory');
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    if (method !== 0) fail(`zip entry ${name} is compressed`);
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    entries.set(name, { offset: dataStart, size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

interface Global {
  global: string;
}
interface Storage {
  storage: string; // its dtype class, e.g. FloatStorage
  key: string;
}
interface TensorRef {
  tensor: Storage;
  offset: number;
  size: number[];
  stride: number[];
}
type Value = unknown;

const STORAGE_BYTES: Record<string, { bytes: number; integer: boolean }> = {
  FloatStorage: { bytes: 4, integer: false },
  DoubleStorage: { bytes: 8, integer: false },
  HalfStorage: { bytes: 2, integer: false },
  BFloat16Storage: { bytes: 2, integer: false },
  LongStorage: { bytes: 8, integer: true },
  IntStorage: { bytes: 4, integer: true },
};

function unpickle(bytes: Buffer, fail: (why: string) => never): Value {
  const stack: Value[] = [];
  const marks: number[] = [];
  const memo = new Map<number, Value>();
  let at = 0;
  const popMark = (): Value[] => {
    const from = marks.pop();
    if (from === undefined) fail('pickle: unbalanced mark');
    return stack.splice(from);
  };
  const reduce = (callable: Value, args: Value[]): Value => {
    const name = (callable as Global).global;
    if (name === 'collections OrderedDict') return new Map<string, Value>();
    if (name === 'torch._utils _rebuild_tensor_v2') {
      const [storage, offset, size, stride] = args as [Storage, number, number[], number[]];
      return { tensor: storage, offset, size, stride } satisfies TensorRef;
    }
    if (name === 'torch._utils _rebuild_parameter') return args[0];
    return { reduce: name, args };
  };
  for (;;) {
    if (at >= bytes.length) fail('pickle: ended without STOP');
    const op = bytes[at++];
    switch (op) {
      case 0x80: at++; break; // PROTO
      case 0x95: at += 8; break; // FRAME
      case 0x63: { // GLOBAL
        const nl1 = bytes.indexOf(10, at);
        const nl2 = bytes.indexOf(10, nl1 + 1);
        stack.push({ global: `${bytes.toString('utf8', at, nl1)} ${bytes.toString('utf8', nl1 + 1, nl2)}` } satisfies Global);
        at = nl2 + 1;
        break;
      }
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x7d: stack.push(new Map<string, Value>()); break; // EMPTY_DICT
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([stack.pop()]); break; // TUPLE1
      case 0x86: { const b = stack.pop(); const a = stack.pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = stack.pop(); const b = stack.pop(); const a = stack.pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x52: { const args = stack.pop() as Value[]; const callable = stack.pop(); stack.push(reduce(callable, args)); break; } // REDUCE
      case 0x71: memo.set(bytes[at++], stack[stack.length - 1]); break; // BINPUT
      case 0x72: memo.set(bytes.readUInt32LE(at), stack[stack.length - 1]); at += 4; break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, stack[stack.length - 1]); break; // MEMOIZE
      case 0x68: stack.push(memo.get(bytes[at++])); break; // BINGET
      case 0x6a: stack.push(memo.get(bytes.readUInt32LE(at))); at += 4; break; // LONG_BINGET
      case 0x58: { const n = bytes.readUInt32LE(at); stack.push(bytes.toString('utf8', at + 4, at + 4 + n)); at += 4 + n; break; } // BINUNICODE
      case 0x8c: { const n = bytes[at]; stack.push(bytes.toString('utf8', at + 1, at + 1 + n)); at += 1 + n; break; } // SHORT_BINUNICODE
      case 0x55: { const n = bytes[at]; stack.push(bytes.toString('latin1', at + 1, at + 1 + n)); at += 1 + n; break; } // SHORT_BINSTRING
      case 0x4b: stack.push(bytes[at++]); break; // BININT1
      case 0x4d: stack.push(bytes.readUInt16LE(at)); at += 2; break; // BININT2
      case 0x4a: stack.push(bytes.readInt32LE(at)); at += 4; break; // BININT
      case 0x8a: { // LONG1
        const n = bytes[at];
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + 1 + i]);
        if (n > 0 && bytes[at + n] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        at += 1 + n;
        break;
      }
      case 0x47: stack.push(bytes.readDoubleBE(at)); at += 8; break; // BINFLOAT
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4e: stack.push(null); break; // NONE
      case 0x51: { // BINPERSID: ('storage', class, key, location, numel)
        const id = stack.pop() as Value[];
        stack.push({ storage: String((id[1] as Global).global).split(' ')[1], key: String(id[2]) } satisfies Storage);
        break;
      }
      case 0x73: { const v = stack.pop(); const k = stack.pop(); (stack[stack.length - 1] as Map<Value, Value>).set(k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        const target = stack[stack.length - 1];
        if (target instanceof Map) for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: { const v = stack.pop(); (stack[stack.length - 1] as Value[]).push(v); break; } // APPEND
      case 0x65: { const items = popMark(); const list = stack[stack.length - 1]; if (Array.isArray(list)) list.push(...items); break; } // APPENDS
      case 0x62: stack.pop(); break; // BUILD: an object's state (the state dict's _metadata): not needed
      case 0x2e: return stack.pop(); // STOP
      default:
        fail(`pickle: opcode 0x${op.toString(16)} is not part of a state dict`);
    }
  }
}

function tensorData(ref: TensorRef, storage: Buffer, fail: (why: string) => never): Float32Array | Float64Array {
  const kind = STORAGE_BYTES[ref.tensor.storage];
  if (!kind) fail(`tensor storage ${ref.tensor.storage} is not read`);
  const count = ref.size.reduce((a, b) => a * b, 1);
  const out = kind.integer ? new Float64Array(count) : new Float32Array(count);
  const view = new DataView(storage.buffer, storage.byteOffset, storage.byteLength);
  const read = (element: number): number => {
    const at = element * kind.bytes;
    switch (ref.tensor.storage) {
      case 'FloatStorage': return view.getFloat32(at, true);
      case 'DoubleStorage': return view.getFloat64(at, true);
      case 'LongStorage': return Number(view.getBigInt64(at, true));
      case 'IntStorage': return view.getInt32(at, true);
      case 'BFloat16Storage': return bfloat16ToFloat(view.getUint16(at, true));
      default: return halfToFloat(view.getUint16(at, true)); // HalfStorage
    }
  };
  // Row-major walk through the tensor's own strides (state-dict tensors are usually contiguous).
  const index = new Array<number>(ref.size.length).fill(0);
  for (let i = 0; i < count; i++) {
    let element = ref.offset;
    for (let d = 0; d < index.length; d++) element += index[d] * ref.stride[d];
    out[i] = read(element);
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < ref.size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** `bytes`: the file's contents when the caller has read them already (to hash exactly what is parsed). */
export function readTorchSave(file: string, bytes: Buffer = fs.readFileSync(file)): NamedWeights {
  const fail = (why: string): never => {
    throw new UsageError(`weights file ${file} cannot be read as torch.save(model.state_dict()): ${why}`);
  };
  const zip = readZip(bytes, fail);
  const pickleName = [...zip.keys()].find((name) => name.endsWith('/data.pkl'));
  if (!pickleName) fail('no data.pkl in the archive');
  const prefix = (pickleName as string).slice(0, -'data.pkl'.length);
  const entry = zip.get(pickleName as string) as ZipEntry;
  const root = unpickle(bytes.subarray(entry.offset, entry.offset + entry.size), fail);
  if (!(root instanceof Map)) fail('it holds no state dict (a dict of name → tensor)');
  const out: NamedWeights = [];
  for (const [name, value] of root as Map<string, Value>) {
    const ref = value as TensorRef;
    if (!ref || typeof ref !== 'object' || !('tensor' in ref)) fail(`'${String(name)}' is not a tensor`);
    const storage = zip.get(`${prefix}data/${ref.tensor.key}`);
    if (!storage) fail(`the storage of '${String(name)}' is missing`);
    const s = storage as ZipEntry;
    const data = tensorData(ref, bytes.subarray(s.offset, s.offset + s.size), fail);
    out.push({ name: String(name), shape: ref.size, data, dtype: data instanceof Float64Array ? 'int64' : 'float32' });
  }
  return out;
}
