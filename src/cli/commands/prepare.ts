import type { CommandModule } from 'yargs';

import { DEFAULT_CACHE_DIR } from '../../data/dataset';
import { KDEF_ANGLES } from '../../data/kdef';
import { choiceFlag, choiceListFlag, integerFlag } from '../arguments';
import type { GlobalArguments } from '../main';
import { loadDataset } from '../training-options';
import { printJson, printTable } from '../output';

interface PrepareArguments extends GlobalArguments {
  dataset: string;
  size: number;
  color: 'grey' | 'rgb';
  face: 'detect' | 'none';
  margin: number;
  classes?: string;
  'peak-frames': number;
  angles: string[];
  cache: string;
}

export const prepareCommand: CommandModule<GlobalArguments, PrepareArguments> = {
  command: 'prepare',
  describe: 'index, preprocess and cache a data set; class counts and subjects',
  builder: (yargs) =>
    yargs
      .option('dataset', { type: 'string', default: 'synthetic', requiresArg: true, describe: 'synthetic, ckplus:PATH, kdef:PATH, mmi:PATH or folder:PATH' })
      .option('size', { requiresArg: true, default: 48, describe: 'square output size in pixels', coerce: integerFlag('size', 8, 1024) })
      .option('color', { requiresArg: true, default: 'grey' as const, describe: 'grey or rgb', coerce: choiceFlag('color', ['grey', 'rgb'] as const) })
      .option('face', { requiresArg: true, default: 'detect' as const, describe: 'detect (Haar cascade, centre crop when none) or none (centre crop)', coerce: choiceFlag('face', ['detect', 'none'] as const) })
      .option('margin', { type: 'number', requiresArg: true, default: 0.2, describe: 'fraction of the face box added on each side' })
      .option('classes', { type: 'string', requiresArg: true, describe: 'preset (paper, all) or comma-separated class names' })
      .option('peak-frames', { requiresArg: true, default: 1, describe: 'CK+: frames taken from the end of each sequence', coerce: integerFlag('peak-frames', 1, 1000) })
      .option('angles', { type: 'string', requiresArg: true, default: 'S', describe: `KDEF: camera angles (${KDEF_ANGLES.join(',')})`, coerce: choiceListFlag('angles', KDEF_ANGLES) })
      .option('cache', { type: 'string', requiresArg: true, default: DEFAULT_CACHE_DIR, describe: 'cache folder' }),
  handler: async (args) => {
    const started = Date.now();
    const prepared = await loadDataset(args, {
      margin: args.margin,
      classes: args.classes,
      peakFrames: args['peak-frames'],
      angles: args.angles,
    });
    const { header } = prepared;
    const summary = {
      dataset: header.dataset,
      classes: header.classes,
      counts: header.counts,
      images: header.count,
      subjects: header.subjects.length,
      skipped: header.skipped,
      faces: header.faces,
      cache: prepared.file,
      reused: prepared.reused,
      seconds: (Date.now() - started) / 1000,
    };
    if (args.json) {
      printJson(summary);
      return;
    }
    const perSubject = new Map<number, number[]>();
    for (let i = 0; i < header.count; i++) {
      const row = perSubject.get(prepared.subjects[i]) ?? new Array<number>(header.classes.length).fill(0);
      row[prepared.labels[i]]++;
      perSubject.set(prepared.subjects[i], row);
    }
    printTable(
      ['subject', ...header.classes],
      [...perSubject.entries()].sort((a, b) => a[0] - b[0]).map(([s, row]) => [header.subjects[s], ...row.map(String)]),
      [false, ...header.classes.map(() => true)],
    );
    process.stdout.write(
      `\n${header.count} images of ${header.subjects.length} subjects: ${header.classes.map((c) => `${c} ${header.counts[c]}`).join(', ')}\n` +
        `faces detected ${header.faces.detected}, centre-cropped ${header.faces.fallback}; skipped ${header.skipped.length}\n` +
        `${prepared.reused ? 'reused' : 'wrote'} ${prepared.file}\n`,
    );
    for (const s of header.skipped.slice(0, 20)) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
    if (header.skipped.length > 20) process.stderr.write(`… and ${header.skipped.length - 20} more (see --json)\n`);
  },
};
