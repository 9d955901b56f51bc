/**
 * The packed data-set cache: one file per (sources, settings) holding every preprocessed
 * image as uint8 N×C×S×S, int32 labels and subject ids, and a JSON header.
 * Loading is one read and views into it; a truncated file, one made from other sources or
 * settings, or one whose contents do not hash to its fingerprint is reported as unusable,
 * so the caller rebuilds it.
 *
 * Two identities: `sourceKey` says which sources and settings a cache was made from (so
 * `prepare` knows it need not decode again); `fingerprint` is the hash of what training
 * sees (pixels, labels, subjects, classes, shape, preprocessing version). Trials are keyed
 * by the fingerprint, so the same data anywhere (another folder, machine or a pack) is
 * the same data set, and one changed pixel is another.
 *
 *   bytes 0-7   "FERGAPK1"
 *   bytes 8-11  header length, uint32 little-endian
 *   header      JSON (CacheHeader), padded with spaces to a multiple of 8
 *   images      count × channels × size × size bytes, padded to a multiple of 8
 *   labels      count × int32 LE
 *   subjects    count × int32 LE (index into header.subjects)
 */
import crypto from 'crypto';
import fs from 'fs';

import { writeFileAtomic } from '../util/atomic-write';
import type { SkippedItem } from './records';

const MAGIC = 'FERGAPK1';
/** 2: content fingerprint, source key, preprocessing and OpenCV versions in the header. */
export const CACHE_FORMAT_VERSION = 2;
/** Caches of version 1 are still read (their fingerprint recomputed from the contents). */
const READABLE_VERSIONS = [1, CACHE_FORMAT_VERSION];

export interface CacheHeader {
  version: number;
  /** Hash of the contents (see contentFingerprint): the data set's identity in trial keys. */
  fingerprint: string;
  /** Hash of the sources and settings the contents were made from (absent in version 1). */
  sourceKey?: string;
  /** Version of the preprocessing code (0: unknown, a version-1 cache). */
  preprocessVersion?: number;
  /** OpenCV that decoded and resized the images, when known. */
  opencv?: string;
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

/**
 * What training sees, hashed: the pixels, labels and subject of every image, the class and
 * subject names, the shape, and the preprocessing version (so a preprocessing change
 * means new trials, even where it happens to leave these bytes alone).
 */
export function contentFingerprint(
  header: Pick<CacheHeader, 'classes' | 'subjects' | 'channels' | 'size' | 'count'> & { preprocessVersion?: number },
  images: Uint8Array,
  labels: Int32Array,
  subjects: Int32Array,
): string {
  const hash = crypto.createHash('sha256');
  hash.update(
    JSON.stringify({
      preprocessVersion: header.preprocessVersion ?? 0,
      classes: header.classes,
      subjects: header.subjects,
      channels: header.channels,
      size: header.size,
      count: header.count,
    }),
  );
  hash.update(images);
  hash.update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
  hash.update(new Uint8Array(subjects.buffer, subjects.byteOffset, subjects.byteLength));
  return hash.digest('hex');
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
  writeFileAtomic(file, out);
}

const isNameList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** What makes a parsed header unusable (its sizes decide how the rest of the file is read), if anything. */
function headerProblem(header: CacheHeader): string | undefined {
  if (!isCount(header.count)) return `image count ${String(header.count)} is not a count`;
  if (header.channels !== 1 && header.channels !== 3) return `channels ${String(header.channels)} is neither 1 nor 3`;
  if (!isCount(header.size) || header.size === 0) return `image size ${String(header.size)} is not a size`;
  if (!isNameList(header.classes) || header.classes.length < 2) return 'its header names fewer than 2 classes';
  if (!isNameList(header.subjects)) return 'its header has no list of subjects';
  if (header.version !== 1 && typeof header.fingerprint !== 'string') return 'its header has no fingerprint';
  return undefined;
}

export type CacheRead = { ok: true; packed: PackedDataset } | { ok: false; reason: string };

/** Reads a cache; `expectedSourceKey` (when given) must match the header's. */
export function readCache(file: string, expectedSourceKey?: string): CacheRead {
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
  if (typeof header !== 'object' || header === null) return { ok: false, reason: 'unreadable header' };
  if (!READABLE_VERSIONS.includes(header.version)) return { ok: false, reason: `format version ${String(header.version)}` };
  const problem = headerProblem(header);
  if (problem) return { ok: false, reason: problem };
  if (expectedSourceKey !== undefined && header.sourceKey !== expectedSourceKey) return { ok: false, reason: 'stale' };
  const { imagesOffset, imageBytes, labelsOffset, subjectsOffset, total } = layout(header, headerBytes);
  if (bytes.length !== total) return { ok: false, reason: 'truncated' };
  const labels = new Int32Array(header.count);
  const subjects = new Int32Array(header.count);
  for (let i = 0; i < header.count; i++) {
    labels[i] = bytes.readInt32LE(labelsOffset + 4 * i);
    subjects[i] = bytes.readInt32LE(subjectsOffset + 4 * i);
    // Out-of-range labels would reach the trainer's loss as classes the network lacks.
    if (labels[i] < 0 || labels[i] >= header.classes.length) return { ok: false, reason: `image ${i} has label ${labels[i]}, not one of its ${header.classes.length} classes` };
    if (subjects[i] < 0 || subjects[i] >= header.subjects.length) return { ok: false, reason: `image ${i} has subject ${subjects[i]}, not one of its ${header.subjects.length}` };
  }
  const images = bytes.subarray(imagesOffset, imagesOffset + imageBytes);
  // The fingerprint is checked, never trusted: a damaged or edited file must not take the
  // identity (and the stored trials) of the data it once held. Version 1 held a path-based
  // fingerprint; its contents give it a real one (preprocessing version unknown: 0).
  const fingerprint = contentFingerprint(header.version === 1 ? { ...header, preprocessVersion: 0 } : header, images, labels, subjects);
  if (header.version === 1) header = { ...header, fingerprint, preprocessVersion: 0 };
  else if (header.fingerprint !== fingerprint) return { ok: false, reason: 'contents do not match the fingerprint in its header' };
  return { ok: true, packed: { header, images, labels, subjects, file } };
}
