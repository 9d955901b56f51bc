/**
 * The paper-layout tables: one per data set fingerprint and complete setting, so every
 * cell of a table was trained the same way but for its network, activation and optimizer.
 * Which code computed the cells (trainer and libtorch versions) does not split a table;
 * a table whose cells come from more than one version says so.
 */
import type { ReportTable, ReportTrial } from './report-data';
import { conditionLine, type Setting } from './condition';
import { canonicalJson } from '../util/canonical-json';
import { ACTIVATIONS, MODELS, OPTIMIZERS } from '../names';
import type { TrialRecord } from '../store/store';
import { geneImportance, type ImportanceOutcome } from '../study/grid-evidence';
import { tieSet } from '../study/tie-set';

/**
 * Trial settings that do not make a table: the table's axes, where a trial ran (placement
 * does not change what it computes), the trainer's version (reported, not split on) and
 * the weights' path (their content hash, `weightsSha256`, is the setting).
 */
export const NOT_TABLE_SETTINGS: readonly string[] = ['model', 'activation', 'optimizer', 'device', 'threads', 'trainerVersion', 'weightsFile'];

/**
 * As in the trial key (trial-key.ts): an option at its "off" value, or one that does
 * nothing in this configuration (a hold-out fraction under k-fold, freezing or partial
 * loading without pretrained weights), is the same setting as the option absent. Trials
 * stored before settings were canonical wrote these differently; they still share a table.
 */
function doesNothing(name: string, value: unknown, settings: Record<string, unknown>): boolean {
  if (value === undefined || value === null || (name === 'amp' && value === false)) return true;
  if (name === 'validationFraction') return Number(settings.folds) >= 2;
  const fromWeights = typeof settings.weightsSha256 === 'string';
  if (name === 'partialWeights') return !fromWeights || value === false;
  if (name === 'freezeEpochs') return !fromWeights || value === 0;
  return false;
}

/** The complete setting a trial was trained under, as the table it belongs to names it. */
export function tableSetting(trial: ReportTrial): Setting {
  return Object.fromEntries(
    Object.entries(trial.settings)
      .filter(([name, value]) => !NOT_TABLE_SETTINGS.includes(name) && !doesNothing(name, value, trial.settings))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** Rows and columns in the name table's order (the paper's first, then those beyond it). */
const ORDER: Record<'models' | 'optimizers' | 'activations', readonly string[]> = {
  models: MODELS,
  optimizers: OPTIMIZERS,
  activations: ACTIVATIONS,
};

function ordered(values: Iterable<string>, order: readonly string[]): string[] {
  const rank = (v: string) => (order.includes(v) ? order.indexOf(v) : order.length);
  return [...new Set(values)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const byVersion = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export function trainerVersionOf(trial: ReportTrial): string {
  const version = trial.settings.trainerVersion;
  return version === undefined || version === null ? 'unrecorded' : String(version);
}

/** "mixes trainer versions 1, 2 and libtorch 2.5.1, 2.6.0", or null when every cell came from the same code. */
function versionNote(trainer: string[], libtorch: string[]): string | null {
  const mixes = [trainer.length > 1 ? `trainer versions ${trainer.join(', ')}` : '', libtorch.length > 1 ? `libtorch ${libtorch.join(', ')}` : ''].filter(Boolean);
  return mixes.length > 0 ? `mixes ${mixes.join(' and ')}` : null;
}

interface Group {
  dataset: string;
  fingerprint: string;
  setting: Setting;
  /** One trial per network × optimizer × activation. */
  cells: Map<string, ReportTrial>;
  superseded: string[];
}

/** As the GA ranks candidates: by epochs reached, then accuracy; a table's best is trained to the end unless none of its cells is. */
function rank(trial: ReportTrial): [number, number] {
  return [trial.stoppedAt ?? Infinity, trial.accuracy];
}

function moreAccurate(a: ReportTrial, b: ReportTrial): ReportTrial {
  const [x, y] = [rank(a), rank(b)];
  return y[0] > x[0] || (y[0] === x[0] && y[1] > x[1]) ? b : a;
}

type Comparable = Pick<TrialRecord, 'key' | 'fingerprint' | 'settings' | 'result'>;

/** The cells with their tie to the best (tie-set.ts), from their stored records; unknown (null) for a cell without one. */
function judgeCells(cells: ReportTrial[], best: ReportTrial, records: ReadonlyMap<string, Comparable>): ReportTrial[] {
  const bestRecord = records.get(best.key);
  if (!bestRecord) return cells.map((c) => ({ ...c, tied: c.key === best.key ? true : null, pValue: null }));
  const verdicts = tieSet(bestRecord, cells.map((c) => records.get(c.key) ?? { key: c.key, fingerprint: '', settings: {}, result: null }));
  return cells.map((c, i) => ({ ...c, tied: verdicts[i].tied, pValue: verdicts[i].pValue }));
}

/** An ANOVA of the cells' accuracies on the table's genes: only a complete design of full-length cells is one. */
function importanceOf(cells: readonly ReportTrial[]): ImportanceOutcome {
  if (cells.some((c) => c.stoppedAt !== null)) return { ok: false, reason: 'some cells were stopped by halving: not one design' };
  return geneImportance(cells.map((c) => ({ levels: { model: c.model, optimizer: c.optimizer, activation: c.activation }, value: c.accuracy })), ['model', 'optimizer', 'activation']);
}

/**
 * `trials` oldest first: where two trials share a cell and the complete setting (they differ only in version), the newest is shown.
 * `records`, by key, are what the store holds for them: with them each cell is judged against the table's best image by image.
 * A trial halving stopped fills a cell only where no full-length trial does, and is never counted as superseded.
 */
export function tablesOf(trials: readonly ReportTrial[], records: ReadonlyMap<string, Comparable> = new Map()): ReportTable[] {
  const groups = new Map<string, Group>();
  for (const trial of trials) {
    const setting = tableSetting(trial);
    const id = canonicalJson([trial.dataset, trial.fingerprint, setting]);
    const group: Group = groups.get(id) ?? { dataset: trial.dataset, fingerprint: trial.fingerprint, setting, cells: new Map(), superseded: [] };
    groups.set(id, group);
    const cell = `${trial.model}\u0000${trial.optimizer}\u0000${trial.activation}`;
    const older = group.cells.get(cell);
    if (older && older.stoppedAt === null && trial.stoppedAt !== null) continue;
    if (older && older.stoppedAt === null) group.superseded.push(older.key);
    group.cells.set(cell, trial);
  }
  const all = [...groups.values()];
  return all.map((group) => {
    const cells = [...group.cells.values()];
    const trainer = [...new Set(cells.map(trainerVersionOf))].sort(byVersion);
    const libtorch = [...new Set(cells.map((c) => c.libtorch))].sort(byVersion);
    const best = cells.reduce(moreAccurate);
    const judged = judgeCells(cells, best, records);
    return {
      dataset: group.dataset,
      fingerprint: group.fingerprint,
      setting: group.setting,
      condition: conditionLine(group, all.filter((g) => g.dataset === group.dataset)),
      models: ordered(cells.map((c) => c.model), ORDER.models),
      optimizers: ordered(cells.map((c) => c.optimizer), ORDER.optimizers),
      activations: ordered(cells.map((c) => c.activation), ORDER.activations),
      cells: judged,
      best: judged[cells.indexOf(best)],
      tiedCount: judged.filter((c) => c.tied === true).length,
      importance: importanceOf(judged),
      superseded: group.superseded,
      versions: { trainer, libtorch },
      mixedVersions: versionNote(trainer, libtorch),
    };
  });
}
