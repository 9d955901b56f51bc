/**
 * A table's condition line: its complete setting in words ("48 px grey, 8 epochs, batch 32,
 * lr 0.001, wd 0.0001, hold-out 0.2, seed 1"), plus whatever else tells it apart from the
 * other tables of its data set, so two tables never read alike.
 */
import { canonicalJson } from '../util/canonical-json';

/** A table's complete setting: the settings that change a trial's numbers, with "off" options left out. */
export type Setting = Record<string, unknown>;

export interface ConditionSubject {
  fingerprint: string;
  setting: Setting;
}

/** Words for some settings; `keys` are the settings the words account for, even when they print nothing (an option off). */
interface Phrase {
  keys: string[];
  text?: string;
}

const str = (value: unknown) => String(value);

function preprocessPhrase(preprocess: unknown): string | undefined {
  if (typeof preprocess !== 'object' || preprocess === null) return undefined;
  const { face, margin } = preprocess as { face?: unknown; margin?: unknown };
  if (face === 'none') return 'no face detection';
  if (face === 'detect') return margin === undefined ? 'face detected' : `face margin ${str(margin)}`;
  return undefined;
}

function phrases(s: Setting, siblingsDifferIn: (key: string) => boolean): Phrase[] {
  const kFold = Number(s.folds) >= 2;
  return [
    { keys: ['size', 'channels'], text: `${str(s.size)} px ${s.channels === 1 ? 'grey' : 'RGB'}` },
    { keys: ['preprocess'], text: preprocessPhrase(s.preprocess) },
    { keys: ['epochs'], text: `${str(s.epochs)} epochs` },
    { keys: ['batchSize'], text: `batch ${str(s.batchSize)}` },
    { keys: ['learningRate'], text: `lr ${str(s.learningRate)}` },
    { keys: ['weightDecay'], text: s.weightDecay === undefined ? undefined : `wd ${str(s.weightDecay)}` },
    { keys: ['folds', 'validationFraction'], text: kFold ? `${str(s.folds)}-fold` : `hold-out ${str(s.validationFraction)}` },
    { keys: ['seed'], text: `seed ${str(s.seed)}` },
    { keys: ['firstKernel'], text: Number(s.firstKernel) > 0 ? `first kernel ${str(s.firstKernel)}` : undefined },
    { keys: ['amp'], text: s.amp ? 'bf16' : undefined },
    { keys: ['augment'], text: s.augment === false ? 'no augmentation' : undefined },
    { keys: ['weightsSha256'], text: typeof s.weightsSha256 === 'string' ? `weights ${s.weightsSha256.slice(0, 8)}` : undefined },
    { keys: ['partialWeights'], text: s.partialWeights ? 'partial weights' : undefined },
    { keys: ['freezeEpochs'], text: s.freezeEpochs ? `features frozen for ${str(s.freezeEpochs)} epochs` : undefined },
    // Every table of a data set usually has the same classes: named only where they are what differs.
    { keys: ['classes'], text: siblingsDifferIn('classes') && Array.isArray(s.classes) ? `classes ${s.classes.join('/')}` : undefined },
  ];
}

function valueText(value: unknown): string {
  if (value === undefined) return 'unset';
  if (Array.isArray(value)) return value.map(valueText).join('/');
  return typeof value === 'object' && value !== null ? canonicalJson(value) : String(value);
}

/** The condition line of `table` among `siblings`, every table of the same data set (`table` included). */
export function conditionLine(table: ConditionSubject, siblings: readonly ConditionSubject[]): string {
  const differ = (key: string) => new Set(siblings.map((t) => canonicalJson(t.setting[key]))).size > 1;
  const said = phrases(table.setting, differ);
  const parts = said.map((p) => p.text).filter((text): text is string => Boolean(text));
  // Settings with no words of their own (added after this was written, or an unusual combination) still tell tables apart.
  const covered = new Set(said.flatMap((p) => p.keys));
  const keys = [...new Set(siblings.flatMap((t) => Object.keys(t.setting)))].filter((key) => !covered.has(key) && differ(key)).sort();
  for (const key of keys) parts.push(`${key} ${valueText(table.setting[key])}`);
  // The packed data (source files, face crop, preprocessing version) is known only by its fingerprint.
  if (new Set(siblings.map((t) => t.fingerprint)).size > 1) parts.push(`data ${table.fingerprint.slice(0, 8)}`);
  return parts.join(', ');
}
