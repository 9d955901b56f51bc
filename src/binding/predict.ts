/**
 * Expressions of new images from a checkpoint: the images go through the preprocessing
 * the network was trained with (face detection, margin, colour, size, from the
 * checkpoint's metadata), then the network gives class probabilities.
 */
import fs from 'fs';
import path from 'path';

import { preprocessImages, type ColorMode, type FaceMode, type PreprocessSettings } from '../data/preprocess';
import { walkFiles } from '../data/files';
import { hasExtension, IMAGE_EXTENSIONS } from '../data/records';
import { UsageError } from '../util/errors';
import { TrainedModel } from './model';

export interface Prediction {
  file: string;
  /** The most probable class. */
  expression: string;
  probabilities: Record<string, number>;
}

export interface PredictOptions {
  /** Overrides the checkpoint's face mode, e.g. `none` for images already cropped to the face. */
  face?: FaceMode;
}

/** The preprocessing a checkpoint's network was trained with; older checkpoints fall back to the defaults. */
export function preprocessingOf(model: TrainedModel): PreprocessSettings {
  const stored = (model.metadata.preprocess ?? {}) as Partial<PreprocessSettings>;
  return {
    size: model.spec.size,
    color: (stored.color ?? (model.spec.channels === 1 ? 'grey' : 'rgb')) as ColorMode,
    face: stored.face ?? 'detect',
    margin: stored.margin ?? 0.2,
  };
}

export function classNamesOf(model: TrainedModel): string[] {
  const classes = model.metadata.classes;
  return Array.isArray(classes) && classes.length === model.spec.classes
    ? classes.map(String)
    : Array.from({ length: model.spec.classes }, (_, i) => `class ${i}`);
}

/** Files as given; folders replaced by the images under them. */
export function expandImageArguments(items: string[]): string[] {
  return items.flatMap((item) => {
    if (!fs.existsSync(item)) throw new UsageError(`image ${item}: no such file`);
    if (!fs.statSync(item).isDirectory()) return [item];
    // Every image below the folder, in name order, so a whole test set (a class per folder too) is one argument.
    const images = walkFiles(item)
      .filter((file) => hasExtension(file, IMAGE_EXTENSIONS))
      .map((file) => path.join(item, file));
    if (images.length === 0) throw new UsageError(`folder ${item} holds no images (${IMAGE_EXTENSIONS.join(', ')})`);
    return images;
  });
}

export async function predictImages(checkpoint: string, items: string[], options: PredictOptions = {}): Promise<Prediction[]> {
  if (!fs.existsSync(checkpoint)) throw new UsageError(`--checkpoint ${checkpoint}: no such file`);
  if (items.length === 0) throw new UsageError('predict needs at least one image');
  const files = expandImageArguments(items);
  const model = await TrainedModel.load(checkpoint);
  const images = await preprocessForPrediction(files, { ...preprocessingOf(model), ...(options.face ? { face: options.face } : {}) });
  return predictionsOf(files, classNamesOf(model), await model.predict(images));
}

/** The images as training preprocessed them (uint8 N×C×S×S); an image that cannot be used is one line naming it. */
export async function preprocessForPrediction(files: string[], settings: PreprocessSettings): Promise<Uint8Array> {
  const records = files.map((file) => ({ path: path.resolve(file), label: '', subject: '' }));
  const prepared = await preprocessImages(records, settings);
  if (prepared.skipped.length > 0) {
    const first = prepared.skipped[0];
    throw new UsageError(`image ${first.path} cannot be used: ${first.reason}`);
  }
  return prepared.images;
}

/** One prediction per file from its row of class probabilities. */
export function predictionsOf(files: string[], classes: string[], rows: number[][]): Prediction[] {
  return rows.map((row, i) => {
    const top = row.indexOf(Math.max(...row));
    return { file: files[i], expression: classes[top], probabilities: Object.fromEntries(classes.map((c, j) => [c, row[j]])) };
  });
}

export interface FolderScore {
  /** correct / total, 0..1, as a trial's accuracy. */
  accuracy: number;
  correct: number;
  total: number;
}

/**
 * Accuracy against the folder each image sits in, when every image's folder is named
 * after one of the classes (a folder-per-class test set); null otherwise.
 */
export function folderAccuracy(predictions: Prediction[]): FolderScore | null {
  if (predictions.length === 0) return null;
  const classes = new Set(Object.keys(predictions[0].probabilities));
  let correct = 0;
  for (const p of predictions) {
    const folder = path.basename(path.dirname(path.resolve(p.file)));
    if (!classes.has(folder)) return null;
    if (folder === p.expression) correct++;
  }
  return { accuracy: correct / predictions.length, correct, total: predictions.length };
}
