/**
 * A folder per class: ROOT/<class>/<image>. The subject is the part of the file name
 * before the first underscore (S017_0003.png → S017); a name without one is its own
 * subject, so such a set splits per image.
 */
import path from 'path';

import { UsageError } from '../util/errors';
import { files, requireDirectory, subdirectories } from './files';
import { canonicalOrder } from './classes';
import { hasExtension, IMAGE_EXTENSIONS, type DatasetIndex, type ImageRecord, type SkippedItem } from './records';

export function subjectFromName(file: string): string {
  const stem = path.basename(file, path.extname(file));
  const cut = stem.indexOf('_');
  return cut > 0 ? stem.slice(0, cut) : stem;
}

export function indexFolder(root: string): Omit<DatasetIndex, 'dataset'> {
  const base = requireDirectory(root, 'data set');
  const classes = subdirectories(base);
  if (classes.length === 0) throw new UsageError(`data set folder ${base} has no class sub-folders`);
  const records: ImageRecord[] = [];
  const skipped: SkippedItem[] = [];
  for (const label of classes) {
    for (const file of files(path.join(base, label))) {
      const full = path.join(base, label, file);
      if (!hasExtension(file, IMAGE_EXTENSIONS)) {
        skipped.push({ path: full, reason: 'not an image file' });
        continue;
      }
      records.push({ path: full, label, subject: subjectFromName(file) });
    }
  }
  return { classes: canonicalOrder(records.map((r) => r.label)), records, skipped };
}
