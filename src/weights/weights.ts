/**
 * Pretrained weights by torchvision's state-dict names: read from a PyTorch file
 * (`torch.save(model.state_dict(), path)`, read natively) or a `.safetensors` file (read
 * here: a JSON header and raw little-endian tensors), and written back as safetensors.
 */
import crypto from 'crypto';
import fs from 'fs';

import { writeFileAtomic } from '../util/atomic-write';
import type { Fail } from './byte-cursor';
import { UsageError } from '../util/errors';
import { bfloat16ToFloat, halfToFloat } from './float16';
import type { NamedWeights } from '../binding/native';
import { dimensions, elementCount } from './tensor-shape';
import type { LayoutEntry } from '../binding/state-dict-layout';
import { readTorchSave } from './torch-save';

const DTYPES = new Map<string, { bytes: number; read: (view: DataView, offset: number) => number; integer?: boolean }>([
  ['F32', { bytes: 4, read: (v, o) => v.getFloat32(o, true) }],
  ['F64', { bytes: 8, read: (v, o) => v.getFloat64(o, true) }],
  ['F16', { bytes: 2, read: (v, o) => halfToFloat(v.getUint16(o, true)) }],
  ['BF16', { bytes: 2, read: (v, o) => bfloat16ToFloat(v.getUint16(o, true)) }],
  ['I64', { bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)), integer: true }],
]);

/** The format's own limit on the JSON header. */
const LARGEST_HEADER = 100 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `bytes`: the file's contents when the caller has read them already (to hash exactly what is parsed). */
export function readSafetensors(file: string, bytes: Buffer = fs.readFileSync(file)): NamedWeights {
  const fail: Fail = (why) => {
    throw new UsageError(`weights file ${file} is not a safetensors file (${why})`);
  };
  if (bytes.length < 8) fail('too short');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength <= 0 || headerLength > LARGEST_HEADER || 8 + headerLength > bytes.length) fail('bad header length');
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength));
  } catch {
    return fail('unreadable header');
  }
  if (!isRecord(header)) fail('its header is not a JSON object');
  const base = 8 + headerLength;
  const dataBytes = bytes.length - base;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: NamedWeights = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isRecord(entry)) fail(`'${name}' is not a tensor entry`);
    const type = typeof entry.dtype === 'string' ? DTYPES.get(entry.dtype) : undefined;
    if (!type) fail(`'${name}' has dtype ${String(entry.dtype)}; F32, F64, F16, BF16 and I64 are read`);
    const shape = dimensions(entry.shape, `'${name}' shape`, fail);
    const offsets = dimensions(entry.data_offsets, `'${name}' data_offsets`, fail);
    if (offsets.length !== 2) fail(`'${name}' data_offsets is not [begin, end]`);
    const [begin, end] = offsets;
    if (begin > end || end > dataBytes) fail(`'${name}' lies at bytes ${begin}–${end} of ${dataBytes}`);
    const count = elementCount(shape, Math.floor(dataBytes / type.bytes), `'${name}'`, fail);
    if (end - begin !== count * type.bytes) fail(`'${name}' has ${end - begin} bytes for shape [${shape.join(',')}]`);
    const data = type.integer ? new Float64Array(count) : new Float32Array(count);
    if (entry.dtype === 'F32' && (bytes.byteOffset + base + begin) % 4 === 0) {
      data.set(new Float32Array(bytes.buffer, bytes.byteOffset + base + begin, count));
    } else {
      for (let i = 0; i < count; i++) data[i] = type.read(view, base + begin + i * type.bytes);
    }
    out.push({ name, shape, data, dtype: type.integer ? 'int64' : 'float32' });
  }
  return out;
}

/** float32 tensors as F32, integer buffers as I64; the header padded to 8 bytes as the format recommends. */
export function writeSafetensors(file: string, weights: NamedWeights, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', ...metadata } };
  let offset = 0;
  for (const w of weights) {
    const bytes = w.data.length * (w.dtype === 'int64' ? 8 : 4);
    header[w.name] = { dtype: w.dtype === 'int64' ? 'I64' : 'F32', shape: w.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const w of weights) {
    if (w.dtype === 'int64') {
      for (const v of w.data) {
        out.writeBigInt64LE(BigInt(Math.round(v)), at);
        at += 8;
      }
    } else {
      Buffer.from(Float32Array.from(w.data).buffer).copy(out, at);
      at += w.data.length * 4;
    }
  }
  writeFileAtomic(file, out);
}

export interface LoadedWeights {
  weights: NamedWeights;
  /**
   * SHA-256 of the tensors parsed (weightsContentSha256): what a trial's key holds. The
   * same tensors saved by torch.save or as safetensors, or renamed, hash alike.
   */
  sha256: string;
  /** SHA-256 of the very bytes read: the file's identity (as the queue ships it). */
  fileSha256: string;
}

/**
 * SHA-256 of weights as a trial starts from them: each tensor's name, dtype, shape and
 * values (float32, or int64 buffers as read), in name order, so that neither the file
 * format nor the order of its entries changes it.
 */
export function weightsContentSha256(weights: NamedWeights): string {
  const hash = crypto.createHash('sha256').update('fer-ga weights 1\n');
  const byName = [...weights].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const w of byName) {
    const dtype = w.dtype ?? (w.data instanceof Float64Array ? 'int64' : 'float32');
    hash.update(`${JSON.stringify([w.name, dtype, w.shape, w.data.length])}\n`);
    // Integer buffers are read as float64 numbers, floats as float32: those are the values a trial gets.
    const values = dtype === 'int64' ? Float64Array.from(w.data) : w.data instanceof Float32Array ? w.data : Float32Array.from(w.data);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/**
 * Reads a weights file once and hashes what it parsed from those very bytes, so the hash
 * in a trial's key always describes the weights that trial starts from (a file replaced
 * between a separate hash and read would otherwise give a trial the wrong identity).
 * `.safetensors` by its own reader; anything else as a torch.save file.
 */
export async function loadWeights(file: string): Promise<LoadedWeights> {
  return loadWeightsSync(file);
}

function loadWeightsSync(file: string): LoadedWeights {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `--weights ${file}: no such file` : `--weights ${file} cannot be read (${code ?? String(error)})`);
  }
  const fileSha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const weights = file.endsWith('.safetensors') ? readSafetensors(file, bytes) : readTorchSave(file, bytes);
  const sha256 = weightsContentSha256(weights);
  layouts.set(sha256, weights.map(({ name, shape }) => ({ name, shape })));
  return { weights, sha256, fileSha256 };
}

// The names and shapes of every set of weights read in this process, by content hash: the
// hash covers them, so this is the hash's preimage, not state.
const layouts = new Map<string, LayoutEntry[]>();

/**
 * The names and shapes of the weights whose content hash is `sha256` (read by loadWeights
 * in this process, as every hash a key is made of is); an error otherwise.
 */
export function weightsLayout(sha256: string): LayoutEntry[] {
  const layout = layouts.get(sha256);
  if (!layout) throw new Error(`no weights with content hash ${sha256} were read in this process (hashes come from loadWeights)`);
  return layout;
}

/** The weights alone (see loadWeights for their hash). */
export async function readWeights(file: string): Promise<NamedWeights> {
  return (await loadWeights(file)).weights;
}

/** A weights file's content hash, as a trial's key holds it (so a renamed copy, or the same tensors in the other format, is the same trial). */
export function weightsHash(file: string): string {
  return loadWeightsSync(file).sha256;
}
