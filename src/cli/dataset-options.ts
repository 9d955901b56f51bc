/** The data-set flags, declared once for `prepare` and the commands that train, and the data set they name. */
import type { Argv } from 'yargs';

import { DEFAULT_CACHE_DIR, prepareDataset, type PreparedDataset } from '../data/dataset';
import { KDEF_ANGLES } from '../data/kdef';
import { progressBar, type Progress } from '../util/progress';
import { choiceFlag, choiceListFlag, integerFlag, numberFlag } from './arguments';

export interface DatasetArguments {
  dataset: string;
  size: number;
  color: 'grey' | 'rgb';
  face: 'detect' | 'none';
  margin: number;
  classes?: string;
  // No defaults of their own: the index's apply, and caches made without the flags stay valid.
  'peak-frames'?: number;
  angles?: string[];
  cache: string;
}

export function withDatasetOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('dataset', { type: 'string', requiresArg: true, default: 'synthetic', describe: 'synthetic, ckplus:PATH, kdef:PATH, mmi:PATH, folder:PATH or pack:FILE' })
    .option('size', { requiresArg: true, default: 48, describe: 'square input size in pixels', coerce: integerFlag('size', 8, 1024) })
    .option('color', { requiresArg: true, default: 'grey' as const, describe: 'grey or rgb', coerce: choiceFlag('color', ['grey', 'rgb'] as const) })
    .option('face', { requiresArg: true, default: 'detect' as const, describe: 'detect (Haar cascade, centre crop when none) or none (centre crop)', coerce: choiceFlag('face', ['detect', 'none'] as const) })
    .option('margin', { requiresArg: true, default: 0.2, describe: 'fraction of the face box added on each side', coerce: numberFlag('margin', 0, 1, true) })
    .option('classes', { type: 'string', requiresArg: true, describe: 'preset (paper, all) or comma-separated class names' })
    .option('peak-frames', { requiresArg: true, defaultDescription: '1', describe: 'CK+: frames taken from the end of each sequence', coerce: integerFlag('peak-frames', 1, 1000) })
    .option('angles', { type: 'string', requiresArg: true, defaultDescription: 'S', describe: `KDEF: camera angles, comma-separated (${KDEF_ANGLES.join(',')})`, coerce: choiceListFlag('angles', KDEF_ANGLES) })
    .option('cache', { type: 'string', requiresArg: true, default: DEFAULT_CACHE_DIR, describe: 'cache folder' });
}

/** The data-set flags alone, e.g. to store with a run so that resuming it prepares the same data. */
export function datasetArguments(args: DatasetArguments): DatasetArguments {
  const { dataset, size, color, face, margin, classes, angles, cache } = args;
  return { dataset, size, color, face, margin, classes, 'peak-frames': args['peak-frames'], angles, cache };
}

/** prepareDataset with a progress bar on stderr while images are preprocessed. */
export async function loadDataset(args: DatasetArguments): Promise<PreparedDataset> {
  let bar: Progress | undefined;
  const prepared = await prepareDataset(args.dataset, {
    size: args.size,
    color: args.color,
    face: args.face,
    margin: args.margin,
    classes: args.classes,
    peakFrames: args['peak-frames'],
    angles: args.angles,
    cacheDir: args.cache,
    onProgress: (done, total) => {
      bar ??= progressBar('preprocessing', total);
      bar.tick(done);
    },
  });
  bar?.finish();
  return prepared;
}
