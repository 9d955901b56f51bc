/**
 * CK+: cohn-kanade-images/Sxxx/nnn/Sxxx_nnn_000000ff.png with
 * Emotion/Sxxx/nnn/Sxxx_nnn_000000ff_emotion.txt holding one float (0 neutral, 1 anger,
 * 2 contempt, 3 disgust, 4 fear, 5 happy, 6 sadness, 7 surprise). A labelled sequence
 * gives its last `peakFrames` frames (the expression's peak); unlabelled sequences and
 * unreadable label files are listed as skipped, never guessed.
 */
import fs from 'fs';
import path from 'path';

import { UsageError } from '../util/errors';
import { files, requireDirectory, subdirectories } from './files';
import { hasExtension, IMAGE_EXTENSIONS, type DatasetIndex, type ImageRecord, type SkippedItem } from './records';
import { canonicalOrder } from './classes';

const CKPLUS_CODES = ['neutral', 'anger', 'contempt', 'disgust', 'fear', 'happy', 'sadness', 'surprise'];

export interface CkPlusOptions {
  /** How many frames from the end of each labelled sequence (default 1). */
  peakFrames?: number;
}

/** Parses an emotion file's text; returns the class name or why it cannot. */
export function parseCkPlusLabel(text: string): { label: string } | { error: string } {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value) || !Number.isInteger(value) || value < 0 || value >= CKPLUS_CODES.length) {
    return { error: `label file holds '${trimmed.slice(0, 40)}', not an emotion code 0-7` };
  }
  return { label: CKPLUS_CODES[value] };
}

function frameNumber(file: string): number {
  const match = /_(\d+)\.[^.]+$/.exec(file);
  return match ? Number(match[1]) : -1;
}

export function indexCkPlus(root: string, options: CkPlusOptions = {}): Omit<DatasetIndex, 'dataset'> {
  const peakFrames = options.peakFrames ?? 1;
  if (!Number.isInteger(peakFrames) || peakFrames < 1) throw new UsageError(`peak frames must be a positive integer (got ${peakFrames})`);
  const base = requireDirectory(root, 'CK+');
  const imagesRoot = path.join(base, 'cohn-kanade-images');
  const labelsRoot = path.join(base, 'Emotion');
  if (!fs.existsSync(imagesRoot)) throw new UsageError(`CK+ folder ${base} has no cohn-kanade-images/ inside`);
  if (!fs.existsSync(labelsRoot)) throw new UsageError(`CK+ folder ${base} has no Emotion/ inside`);

  const records: ImageRecord[] = [];
  const skipped: SkippedItem[] = [];
  for (const subject of subdirectories(imagesRoot)) {
    for (const sequence of subdirectories(path.join(imagesRoot, subject))) {
      const sequenceDir = path.join(imagesRoot, subject, sequence);
      const labelDir = path.join(labelsRoot, subject, sequence);
      const labelFiles = fs.existsSync(labelDir) ? files(labelDir).filter((f) => f.endsWith('_emotion.txt')) : [];
      if (labelFiles.length === 0) {
        skipped.push({ path: sequenceDir, reason: 'sequence has no emotion label' });
        continue;
      }
      const labelPath = path.join(labelDir, labelFiles[0]);
      const parsed = parseCkPlusLabel(fs.readFileSync(labelPath, 'utf8'));
      if ('error' in parsed) {
        skipped.push({ path: labelPath, reason: parsed.error });
        continue;
      }
      const frames = files(sequenceDir)
        .filter((f) => hasExtension(f, IMAGE_EXTENSIONS))
        .sort((a, b) => frameNumber(a) - frameNumber(b));
      if (frames.length === 0) {
        skipped.push({ path: sequenceDir, reason: 'sequence has no image frames' });
        continue;
      }
      for (const frame of frames.slice(-peakFrames)) {
        records.push({ path: path.join(sequenceDir, frame), label: parsed.label, subject, frame: frameNumber(frame), session: sequence });
      }
    }
  }
  return { classes: canonicalOrder(records.map((r) => r.label)), records, skipped };
}
