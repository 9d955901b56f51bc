/**
 * MMI: Sessions/N/ holds the session's media (a video or a still) and XML metadata with
 * <Metatag Name="Emotion" Value="k"/> (1 anger, 2 disgust, 3 fear, 4 happy, 5 sadness,
 * 6 surprise; 0 neutral). The subject comes from the metadata (<Subject Id="…"/> or a
 * Subject metatag), else from the media name's Sxxx prefix. Videos give their middle
 * (apex) frame. Sessions without an Emotion tag, with an unknown code or without media
 * are listed as skipped.
 */
import fs from 'fs';
import path from 'path';

import { UsageError } from '../util/errors';
import { files, requireDirectory, subdirectories } from './files';
import { canonicalOrder } from './classes';
import { hasExtension, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, type DatasetIndex, type ImageRecord, type SkippedItem } from './records';

const MMI_CODES: Record<string, string> = {
  '0': 'neutral',
  '1': 'anger',
  '2': 'disgust',
  '3': 'fear',
  '4': 'happy',
  '5': 'sadness',
  '6': 'surprise',
};

function metatag(xml: string, name: string): string | undefined {
  const tag = new RegExp(`<Metatag\\b[^>]*\\bName\\s*=\\s*"${name}"[^>]*>`, 'i').exec(xml);
  return tag ? /\bValue\s*=\s*"([^"]*)"/i.exec(tag[0])?.[1] : undefined;
}

function subjectOf(xml: string, media: string): string | undefined {
  const element = /<Subject\b[^>]*\bId\s*=\s*"([^"]+)"/i.exec(xml)?.[1];
  return element ?? metatag(xml, 'Subject') ?? /^(S\d+)/i.exec(path.basename(media))?.[1]?.toUpperCase();
}

export function indexMmi(root: string): Omit<DatasetIndex, 'dataset'> {
  const base = requireDirectory(root, 'MMI');
  const sessionsRoot = fs.existsSync(path.join(base, 'Sessions')) ? path.join(base, 'Sessions') : base;
  const records: ImageRecord[] = [];
  const skipped: SkippedItem[] = [];
  const sessions = subdirectories(sessionsRoot);
  if (sessions.length === 0) throw new UsageError(`MMI folder ${base} has no session folders (expected Sessions/N/)`);
  for (const session of sessions) {
    const dir = path.join(sessionsRoot, session);
    const entries = files(dir);
    const xmlFiles = entries.filter((f) => f.toLowerCase().endsWith('.xml'));
    const media = entries.find((f) => hasExtension(f, VIDEO_EXTENSIONS)) ?? entries.find((f) => hasExtension(f, IMAGE_EXTENSIONS));
    if (!media) {
      skipped.push({ path: dir, reason: 'session has no video or image' });
      continue;
    }
    const xml = xmlFiles.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    const code = metatag(xml, 'Emotion');
    if (code === undefined) {
      skipped.push({ path: dir, reason: 'session has no Emotion metatag' });
      continue;
    }
    const label = MMI_CODES[code.trim()];
    if (!label) {
      skipped.push({ path: dir, reason: `unknown MMI emotion code '${code}'` });
      continue;
    }
    const subject = subjectOf(xml, media);
    if (!subject) {
      skipped.push({ path: dir, reason: 'no subject in the metadata or the media name' });
      continue;
    }
    records.push({ path: path.join(dir, media), label, subject, session, video: hasExtension(media, VIDEO_EXTENSIONS) });
  }
  return { classes: canonicalOrder(records.map((r) => r.label)), records, skipped };
}
