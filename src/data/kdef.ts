/**
 * KDEF: AF01ANS.JPG = session (A/B), sex (F/M), person (01-35), expression (AF afraid,
 * AN angry, DI disgusted, HA happy, NE neutral, SA sad, SU surprised), angle (FL full
 * left, HL half left, S straight, HR half right, FR full right). Subject = sex + person,
 * so a person's two sessions stay on one side of a split. Names that do not parse are
 * listed as skipped.
 */
import path from 'path';

import { UsageError } from '../util/errors';
import { requireDirectory, walkFiles } from './files';
import { canonicalOrder } from './classes';
import { hasExtension, IMAGE_EXTENSIONS, type DatasetIndex, type ImageRecord, type SkippedItem } from './records';

const KDEF_EXPRESSIONS: Record<string, string> = {
  AF: 'fear',
  AN: 'anger',
  DI: 'disgust',
  HA: 'happy',
  NE: 'neutral',
  SA: 'sadness',
  SU: 'surprise',
};
export const KDEF_ANGLES = ['FL', 'HL', 'S', 'HR', 'FR'] as const;

const KDEF_NAME = /^([AB])([FM])(\d{2})([A-Z]{2})(FL|HL|S|HR|FR)\.(jpe?g|png|bmp|tiff?)$/i;

export interface KdefName {
  session: string;
  subject: string;
  label: string;
  angle: string;
}

export function parseKdefName(file: string): KdefName | { error: string } {
  const match = KDEF_NAME.exec(file);
  if (!match) return { error: "name does not follow KDEF's pattern (e.g. AF01ANS.JPG)" };
  const [, session, sex, person, code, angle] = match;
  const label = KDEF_EXPRESSIONS[code.toUpperCase()];
  if (!label) return { error: `unknown KDEF expression code '${code}'` };
  return { session: session.toUpperCase(), subject: `${sex.toUpperCase()}${person}`, label, angle: angle.toUpperCase() };
}

export interface KdefOptions {
  /** Camera angles to keep (default: S, straight). */
  angles?: readonly string[];
}

export function indexKdef(root: string, options: KdefOptions = {}): Omit<DatasetIndex, 'dataset'> {
  const angles = options.angles ?? ['S'];
  for (const angle of angles) {
    if (!(KDEF_ANGLES as readonly string[]).includes(angle)) {
      throw new UsageError(`unknown KDEF angle '${angle}' (choose from ${KDEF_ANGLES.join(', ')})`);
    }
  }
  const base = requireDirectory(root, 'KDEF');
  const records: ImageRecord[] = [];
  const skipped: SkippedItem[] = [];
  for (const relative of walkFiles(base)) {
    if (!hasExtension(relative, IMAGE_EXTENSIONS)) continue;
    const file = path.join(base, relative);
    const parsed = parseKdefName(path.basename(relative));
    if ('error' in parsed) {
      skipped.push({ path: file, reason: parsed.error });
      continue;
    }
    if (!angles.includes(parsed.angle)) continue;
    records.push({ path: file, label: parsed.label, subject: parsed.subject, angle: parsed.angle, session: parsed.session });
  }
  return { classes: canonicalOrder(records.map((r) => r.label)), records, skipped };
}
