/**
 * From a data-set spec to a packed cache: parse the spec, index the files, pick the
 * classes, preprocess once, and reuse the cache whenever the sources and settings are
 * unchanged.
 *
 *   synthetic        the built-in set (written once into the cache folder)
 *   ckplus:PATH      CK+ (cohn-kanade-images/ + Emotion/)
 *   kdef:PATH        KDEF (AF01ANS.JPG names)
 *   mmi:PATH         MMI (Sessions/N/ with XML metadata)
 *   folder:PATH      one sub-folder per class
 *   pack:FILE        a .fergapack made by `prepare`, used as it is (no sources, no OpenCV):
 *                    how a set prepared on one machine trains on another
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';

import { copyFileAtomic } from '../util/atomic-write';
import { UsageError } from '../util/errors';
import { CACHE_FORMAT_VERSION, contentFingerprint, readCache, writeCache, type CacheHeader, type PackedDataset } from './cache';
import { indexCkPlus } from './ckplus';
import { CLASS_PRESETS } from './classes';
import { FileHashes } from './file-hashes';
import { indexFolder } from './folder';
import { indexKdef } from './kdef';
import { indexMmi } from './mmi';
import { openCvVersion } from './opencv';
import { haarCascadePath, PREPROCESS_VERSION, preprocessImages, type ColorMode, type FaceMode } from './preprocess';
import type { DatasetIndex, ImageRecord } from './records';
import { SYNTHETIC_DEFAULTS, SYNTHETIC_VERSION, writeSyntheticDataset } from './synthetic';

export const DATASET_KINDS = ['synthetic', 'ckplus', 'kdef', 'mmi', 'folder', 'pack'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export interface DatasetSpec {
  kind: DatasetKind;
  /** Absolute; for `synthetic`, where it is (or will be) written. */
  root?: string;
}

export function parseDatasetSpec(spec: string): DatasetSpec {
  if (spec === 'synthetic') return { kind: 'synthetic' };
  const colon = spec.indexOf(':');
  const kind = colon > 0 ? spec.slice(0, colon) : spec;
  const root = colon > 0 ? spec.slice(colon + 1) : '';
  if (!(DATASET_KINDS as readonly string[]).includes(kind) || kind === 'synthetic') {
    throw new UsageError(`--dataset '${spec}' is not a data set spec (synthetic, ckplus:PATH, kdef:PATH, mmi:PATH, folder:PATH or pack:FILE)`);
  }
  if (!root) throw new UsageError(`--dataset '${spec}' needs a path after '${kind}:'`);
  return { kind: kind as DatasetKind, root: path.resolve(root) };
}

/** The spec with its path made absolute, so it names the same files from any working folder (a run stores this). */
export function absoluteDatasetSpec(spec: string): string {
  const parsed = parseDatasetSpec(spec);
  return parsed.kind === 'synthetic' ? 'synthetic' : `${parsed.kind}:${parsed.root as string}`;
}

export interface PrepareOptions {
  size?: number;
  color?: ColorMode;
  face?: FaceMode;
  margin?: number;
  /** A preset (`paper`, `all`) or a list of class names; default `paper` where one exists, else every class. */
  classes?: string | string[];
  /** CK+: frames from the end of each labelled sequence. */
  peakFrames?: number;
  /** KDEF: camera angles to keep. */
  angles?: string[];
  /** Where caches (and the synthetic set) live; default ./.fer-ga-cache. */
  cacheDir?: string;
  synthetic?: { subjects?: number; seed?: number; imagesPerClass?: number };
  onProgress?: (done: number, total: number) => void;
}

export interface PreparedDataset extends PackedDataset {
  reused: boolean;
}

export const DEFAULT_CACHE_DIR = '.fer-ga-cache';

/**
 * A preset keeps its whole class list (so label indices mean the same for every copy of
 * a data set, even where a class has no images); an explicit list must name classes that
 * exist.
 */
function chooseClasses(kind: DatasetKind, found: string[], wanted: string | string[] | undefined): string[] {
  const presets = CLASS_PRESETS[kind] ?? {};
  const request = wanted ?? (presets.paper ? 'paper' : 'all');
  let chosen: string[];
  if (typeof request === 'string' && presets[request]) {
    chosen = [...presets[request]];
  } else if (request === 'all') {
    chosen = found;
  } else {
    chosen = [...new Set((Array.isArray(request) ? request : request.split(',')).map((c) => c.trim()).filter(Boolean))];
    const unknown = chosen.find((c) => !found.includes(c));
    if (unknown !== undefined) throw new UsageError(`class '${unknown}' is not in the data set (found: ${found.join(', ') || 'none'})`);
  }
  if (chosen.filter((c) => found.includes(c)).length < 2) {
    throw new UsageError(`the data set needs at least 2 classes with images (found: ${found.join(', ') || 'none'})`);
  }
  return chosen;
}

async function syntheticRoot(cacheDir: string, options: PrepareOptions['synthetic'] = {}): Promise<string> {
  const subjects = options.subjects ?? SYNTHETIC_DEFAULTS.subjects;
  const seed = options.seed ?? SYNTHETIC_DEFAULTS.seed;
  const perClass = options.imagesPerClass ?? SYNTHETIC_DEFAULTS.imagesPerClass;
  // The generator's version is in the name: a changed generator never reuses old drawings.
  const root = path.resolve(cacheDir, `synthetic-v${SYNTHETIC_VERSION}-s${seed}-n${subjects}-k${perClass}`);
  const complete = path.join(root, '.complete');
  if (!fs.existsSync(complete)) {
    fs.rmSync(root, { recursive: true, force: true });
    await writeSyntheticDataset(root, { subjects, seed, imagesPerClass: perClass });
    fs.writeFileSync(complete, '');
  }
  return root;
}

export function indexDataset(spec: DatasetSpec, options: PrepareOptions = {}): Omit<DatasetIndex, 'dataset'> {
  const root = spec.root as string;
  switch (spec.kind) {
    case 'ckplus':
      return indexCkPlus(root, { peakFrames: options.peakFrames });
    case 'kdef':
      return indexKdef(root, { angles: options.angles });
    case 'mmi':
      return indexMmi(root);
    case 'folder':
    case 'synthetic':
      return indexFolder(root);
    case 'pack':
      throw new UsageError(`--dataset pack:${root} is already packed: it has no sources to index`);
  }
}

/**
 * A hash of everything the packed pixels depend on but OpenCV's version (checked on its own,
 * see prepareDataset): each source file's bytes (not its path or time, so a moved or
 * touched set keeps its cache), its label and subject, the classes, the settings, the
 * preprocessing version and, with face detection, the cascade's bytes.
 */
function sourceKey(records: ImageRecord[], classes: string[], settings: Record<string, unknown>, hashes: FileHashes): string {
  const hash = crypto.createHash('sha256');
  const cascade = settings.face === 'detect' ? hashes.hash(haarCascadePath()) : null;
  hash.update(JSON.stringify({ format: CACHE_FORMAT_VERSION, preprocess: PREPROCESS_VERSION, cascade, classes, settings }));
  for (const r of records) hash.update(`\n${hashes.hash(r.path)}\t${r.label}\t${r.subject}\t${r.video ? 'video' : 'image'}`);
  return hash.digest('hex');
}

/** A second name for a cache file: a hard link (no second copy of a large set), or a copy across file systems. */
function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch {
    copyFileAtomic(from, to);
  }
}

/** A cache made from the same sources in another folder (a copied or moved set), if any. */
function sameSourcesElsewhere(cacheDir: string, key: string): string | undefined {
  const suffix = `-${key.slice(0, 16)}.fergapack`;
  const found = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).find((name) => name.endsWith(suffix)) : undefined;
  return found && path.join(cacheDir, found);
}

/** A packed file as it is: its own size, colour and classes apply. */
function readPack(file: string): PreparedDataset {
  if (!fs.existsSync(file)) throw new UsageError(`--dataset pack:${file}: no such file`);
  const read = readCache(file);
  if (!read.ok) throw new UsageError(`--dataset pack:${file} is not a usable fer-ga pack (${read.reason})`);
  return { ...read.packed, reused: true };
}

export async function prepareDataset(specText: string, options: PrepareOptions = {}): Promise<PreparedDataset> {
  const size = options.size ?? 48;
  const color = options.color ?? 'grey';
  const face = options.face ?? 'detect';
  const margin = options.margin ?? 0.2;
  if (!Number.isInteger(size) || size < 8 || size > 1024) throw new UsageError(`--size must be an integer from 8 to 1024 (got ${size})`);
  if (!(margin >= 0 && margin <= 1)) throw new UsageError(`--margin must be between 0 and 1 (got ${margin})`);
  const cacheDir = path.resolve(options.cacheDir ?? DEFAULT_CACHE_DIR);
  const spec = parseDatasetSpec(specText);
  if (spec.kind === 'pack') return readPack(spec.root as string);
  if (spec.kind === 'synthetic') spec.root = await syntheticRoot(cacheDir, options.synthetic);

  const index = indexDataset(spec, options);
  const classes = chooseClasses(spec.kind, index.classes, options.classes);
  const records = index.records.filter((r) => classes.includes(r.label));
  if (records.length === 0) throw new UsageError(`data set ${specText} has no usable images (${index.skipped.length} skipped)`);

  const settings = { size, color, face, margin, peakFrames: options.peakFrames ?? null, angles: options.angles ?? null };
  const hashes = new FileHashes(cacheDir);
  const key = sourceKey(records, classes, settings, hashes);
  hashes.save();
  // The name groups caches of one source folder and settings, so a stale sibling can be removed.
  const group = crypto.createHash('sha256').update(JSON.stringify({ root: spec.root, settings, classes })).digest('hex').slice(0, 10);
  const file = path.join(cacheDir, `${spec.kind}-${size}-${color}-${group}-${key.slice(0, 16)}.fergapack`);
  const cached = readCache(fs.existsSync(file) ? file : (sameSourcesElsewhere(cacheDir, key) ?? file), key);
  // Another OpenCV may decode or resize differently. Without OpenCV the cache cannot be
  // checked against one, and is used as it is (it is what the trials are keyed by anyway).
  const opencv = cached.ok ? openCvVersion() : undefined;
  if (cached.ok && (opencv === undefined || cached.packed.header.opencv === opencv)) {
    if (cached.packed.file !== file) linkOrCopy(cached.packed.file, file);
    const dataset = spec.kind === 'synthetic' ? 'synthetic' : `${spec.kind}:${spec.root}`;
    return { ...cached.packed, header: { ...cached.packed.header, dataset }, file, reused: true };
  }

  const total = records.length;
  const pre = await preprocessImages(records, { size, color, face, margin }, (done) => options.onProgress?.(done, total));
  if (pre.kept.length === 0) throw new UsageError(`data set ${specText}: no image could be read (${pre.skipped.length} skipped)`);
  const subjectNames = [...new Set(pre.kept.map((r) => r.subject))].sort();
  const labels = Int32Array.from(pre.kept.map((r) => classes.indexOf(r.label)));
  const subjects = Int32Array.from(pre.kept.map((r) => subjectNames.indexOf(r.subject)));
  const counts = Object.fromEntries(classes.map((c) => [c, pre.kept.filter((r) => r.label === c).length]));
  const header: CacheHeader = {
    version: CACHE_FORMAT_VERSION,
    fingerprint: '',
    sourceKey: key,
    preprocessVersion: PREPROCESS_VERSION,
    opencv: openCvVersion(),
    dataset: spec.kind === 'synthetic' ? 'synthetic' : `${spec.kind}:${spec.root}`,
    classes,
    subjects: subjectNames,
    count: pre.kept.length,
    channels: color === 'grey' ? 1 : 3,
    size,
    counts,
    settings,
    skipped: [...index.skipped, ...pre.skipped],
    faces: pre.faces,
    createdAt: new Date().toISOString(),
  };
  header.fingerprint = contentFingerprint(header, pre.images, labels, subjects);
  for (const sibling of fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []) {
    if (sibling.includes(`-${group}-`) && sibling.endsWith('.fergapack') && path.join(cacheDir, sibling) !== file) {
      fs.rmSync(path.join(cacheDir, sibling), { force: true });
    }
  }
  writeCache(file, header, pre.images, labels, subjects);
  return { header, images: pre.images, labels, subjects, file, reused: false };
}
