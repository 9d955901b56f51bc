/**
 * Expressions of new images from a checkpoint: the images go through the preprocessing
 * the network was trained with (face detection, margin, colour, size, from the
 * checkpoint's metadata), then the network gives class probabilities.
 */
import fs from 'fs';
import path from 'path';

import { preprocessImages, type ColorMode, type FaceMode, type PreprocessSettings } from './data/preprocess';
import { UsageError } from './errors';
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

export async function predictImages(checkpoint: string, files: string[], options: PredictOptions = {}): Promise<Prediction[]> {
  if (!fs.existsSync(checkpoint)) throw new UsageError(`--checkpoint ${checkpoint}: no such file`);
  if (files.length === 0) throw new UsageError('predict needs at least one image');
  for (const file of files) {
    if (!fs.existsSync(file)) throw new UsageError(`image ${file}: no such file`);
  }
  const model = await TrainedModel.load(checkpoint);
  const settings = { ...preprocessingOf(model), ...(options.face ? { face: options.face } : {}) };
  const records = files.map((file) => ({ path: path.resolve(file), label: '', subject: '' }));
  const prepared = await preprocessImages(records, settings);
  if (prepared.skipped.length > 0) {
    const first = prepared.skipped[0];
    throw new UsageError(`image ${first.path} cannot be used: ${first.reason}`);
  }
  const classes = classNamesOf(model);
  const rows = await model.predict(prepared.images);
  return rows.map((row, i) => {
    const top = row.indexOf(Math.max(...row));
    return { file: files[i], expression: classes[top], probabilities: Object.fromEntries(classes.map((c, j) => [c, row[j]])) };
  });
}
