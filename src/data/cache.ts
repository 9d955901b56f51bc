/**
 * The packed data-set cache: one file per (source fingerprint, settings) holding every
 * preprocessed image as uint8 N×C×S×S, int32 labels and subject ids, and a JSON header.
 * Loading is one read and views into it; a truncated file or one whose fingerprint does
 * not match is reported as unusable, so the caller rebuilds it.
 *
 *   bytes 0-7   "FERGAPK1"
 *   bytes 8-11  header length, uint32 little-endian
 *   header      JSON (CacheHeader), padded with spaces to a multiple of 8
 *   images      count × channels × size × size bytes, padded to a multiple of 8
 *   labels      count × int32 LE
 *   subjects    count × int32 LE (index into header.subjects)
 */
import fs from 'fs';
import path from 'path';

import type { SkippedItem } from './records';

const MAGIC = 'FERGAPK1';
export const CACHE_FORMAT_VERSION = 1;

export interface CacheHeader {
  version: number;
  fingerprint: string;
  dataset: string;
  classes: string[];
  subjects: string[];
  count: number;
  channels: 1 | 3;
  size: number;
  counts: Record<string, number>;
  settings: Record<string, unknown>;
  skipped: SkippedItem[];
  faces: { detected: number; fallback: number };
  createdAt: string;
}

export interface PackedDataset {
  header: CacheHeader;
  /** A view into the file's bytes: N×C×S×S. */
  images: Uint8Array;
  labels: Int32Array;
  subjects: Int32Array;
  file: string;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

function layout(header: CacheHeader, headerBytes: number) {
  const imagesOffset = 12 + headerBytes;
  const imageBytes = header.count * header.channels * header.size * header.size;
  const labelsOffset = imagesOffset + align8(imageBytes);
  const subjectsOffset = labelsOffset + 4 * header.count;
  return { imagesOffset, imageBytes, labelsOffset, subjectsOffset, total: subjectsOffset + 4 * header.count };
}

/** Writes beside the target and renames, so readers never see half a cache. */
export function writeCache(file: string, header: CacheHeader, images: Uint8Array, labels: Int32Array, subjects: Int32Array): void {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerBytes = align8(json.length);
  const { imagesOffset, imageBytes, labelsOffset, subjectsOffset, total } = layout(header, headerBytes);
  if (images.length !== imageBytes || labels.length !== header.count || subjects.length !== header.count) {
    throw new Error(`cache contents do not match the header (${images.length} image bytes for ${header.count} images)`);
  }
  const out = Buffer.alloc(total, 0);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes, 8);
  out.fill(0x20, 12, 12 + headerBytes);
  json.copy(out, 12);
  out.set(images, imagesOffset);
  for (let i = 0; i < header.count; i++) {
    out.writeInt32LE(labels[i], labelsOffset + 4 * i);
    out.writeInt32LE(subjects[i], subjectsOffset + 4 * i);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, out);
  fs.renameSync(partial, file);
}

export type CacheRead = { ok: true; packed: PackedDataset } | { ok: false; reason: string };

/** Reads a cache; `expectedFingerprint` (when given) must match the header's. */
export function readCache(file: string, expectedFingerprint?: string): CacheRead {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return { ok: false, reason: 'missing' };
  }
  if (bytes.length < 12 || bytes.toString('latin1', 0, 8) !== MAGIC) return { ok: false, reason: 'not a fer-ga cache' };
  const headerBytes = bytes.readUInt32LE(8);
  if (12 + headerBytes > bytes.length) return { ok: false, reason: 'truncated' };
  let header: CacheHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + headerBytes)) as CacheHeader;
  } catch {
    return { ok: false, reason: 'unreadable header' };
  }
  if (header.version !== CACHE_FORMAT_VERSION) return { ok: false, reason: `format version ${header.version}` };
  if (expectedFingerprint !== undefined && header.fingerprint !== expectedFingerprint) return { ok: false, reason: 'stale' };
  const { imagesOffset, imageBytes, labelsOffset, subjectsOffset, total } = layout(header, headerBytes);
  if (bytes.length !== total) return { ok: false, reason: 'truncated' };
  const labels = new Int32Array(header.count);
  const subjects = new Int32Array(header.count);
  for (let i = 0; i < header.count; i++) {
    labels[i] = bytes.readInt32LE(labelsOffset + 4 * i);
    subjects[i] = bytes.readInt32LE(subjectsOffset + 4 * i);
  }
  return { ok: true, packed: { header, images: bytes.subarray(imagesOffset, imagesOffset + imageBytes), labels, subjects, file } };
}
