/**
 * What an exported model carries besides its graph (ONNX metadata_props, and the web
 * page's model.json): enough to preprocess a new image as the network was trained and to
 * name its classes. `predict --model` refuses a file without it.
 */
import type { ColorMode, FaceMode } from '../data/preprocess';
import { UsageError } from '../util/errors';

export interface ExportedModelInfo {
  model: string;
  activation: string;
  classes: string[];
  size: number;
  channels: 1 | 3;
  color: ColorMode;
  face: FaceMode;
  /** Fraction of the face box added on each side before cropping. */
  margin: number;
  /** The trial the network was trained in; null for a checkpoint saved without it. */
  trialKey: string | null;
  /** fer-ga's version that wrote the file. */
  version: string;
}

const PREFIX = 'fer_ga.';
/** Keys a model needs for predicting; the others are informative. */
const REQUIRED = ['classes', 'size', 'channels', 'color', 'face', 'margin'] as const;

export function metadataProps(info: ExportedModelInfo): Record<string, string> {
  const values: Record<keyof ExportedModelInfo, string> = {
    model: info.model,
    activation: info.activation,
    classes: JSON.stringify(info.classes),
    size: String(info.size),
    channels: String(info.channels),
    color: info.color,
    face: info.face,
    margin: String(info.margin),
    trialKey: info.trialKey ?? '',
    version: info.version,
  };
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [PREFIX + key, value]));
}

/** Reads metadata_props back; one line naming the file and what is missing or wrong when fer-ga did not write it. */
export function parseMetadataProps(props: Record<string, string>, file: string): ExportedModelInfo {
  const missing = REQUIRED.filter((key) => props[PREFIX + key] === undefined);
  if (missing.length > 0) {
    throw new UsageError(
      `--model ${file}: not a model written by fer-ga export (its metadata lacks ${missing.map((key) => PREFIX + key).join(', ')})`,
    );
  }
  const bad = (key: string, why: string) => new UsageError(`--model ${file}: metadata ${PREFIX}${key} ${why} (got ${JSON.stringify(props[PREFIX + key])})`);
  let classes: unknown;
  try {
    classes = JSON.parse(props[PREFIX + 'classes']);
  } catch {
    throw bad('classes', 'is not a JSON list of class names');
  }
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string')) throw bad('classes', 'is not a JSON list of class names');
  const size = Number(props[PREFIX + 'size']);
  if (!Number.isInteger(size) || size < 1) throw bad('size', 'is not a positive whole number');
  const channels = Number(props[PREFIX + 'channels']);
  if (channels !== 1 && channels !== 3) throw bad('channels', 'must be 1 or 3');
  const color = props[PREFIX + 'color'];
  if (color !== 'grey' && color !== 'rgb') throw bad('color', 'must be grey or rgb');
  if ((color === 'grey') !== (channels === 1)) throw bad('color', `does not match ${channels} channels`);
  const face = props[PREFIX + 'face'];
  if (face !== 'detect' && face !== 'none') throw bad('face', 'must be detect or none');
  const margin = Number(props[PREFIX + 'margin']);
  if (!Number.isFinite(margin) || margin < 0) throw bad('margin', 'is not a fraction');
  return {
    model: props[PREFIX + 'model'] ?? '',
    activation: props[PREFIX + 'activation'] ?? '',
    classes: classes as string[],
    size,
    channels,
    color,
    face,
    margin,
    trialKey: props[PREFIX + 'trialKey'] || null,
    version: props[PREFIX + 'version'] ?? '',
  };
}
