/**
 * What a report shows, gathered from the SQLite file: the paper-layout tables (one per
 * data set and complete setting), the GA runs with their per-generation fitness, and every trial
 * with its learning curve and confusion matrix. Renderers only format this.
 */
import fs from 'fs';
import path from 'path';

import type { EpochRecord, TrainResult } from '../native';
import type { Store, TrialRecord } from '../store/store';
import type { Setting } from './condition';
import { tablesOf } from './tables';

export interface ReportTrial {
  key: string;
  dataset: string;
  /** Of the packed data set the trial trained on. */
  fingerprint: string;
  model: string;
  activation: string;
  optimizer: string;
  /** Genes beyond activation and optimizer (learning rate, batch size, first kernel). */
  genes: Record<string, string>;
  accuracy: number;
  diverged: boolean;
  seconds: number;
  device: string;
  libtorch: string;
  classes: string[];
  /** Per epoch, averaged over the folds that reached it. */
  curve: EpochRecord[];
  /** Summed over the folds: [true class][predicted class]. */
  confusion: number[][];
  settings: Record<string, unknown>;
}

/** One data set fingerprint and one complete setting; its cells differ only in network, activation and optimizer. */
export interface ReportTable {
  dataset: string;
  fingerprint: string;
  /** Every setting the cells share that changes their numbers (what `tableSetting` keeps). */
  setting: Setting;
  /** The setting in words, with whatever tells this table apart from the data set's other tables. */
  condition: string;
  models: string[];
  optimizers: string[];
  activations: string[];
  /** One trial per network × optimizer × activation. */
  cells: ReportTrial[];
  best: ReportTrial;
  /** Keys of older trials of a cell with this same setting (another version), left out: each cell shows the newest. */
  superseded: string[];
  /** Of the cells shown: trainer versions ("unrecorded" for trials from before they were stored) and libtorch versions. */
  versions: { trainer: string[]; libtorch: string[] };
  /** "mixes trainer versions 1, 2 and libtorch …" when the cells do not all come from the same code, else null. */
  mixedVersions: string | null;
}

export interface ReportRun {
  /** The run's id (named as in every command's JSON). */
  run: number;
  kind: string;
  dataset: string;
  model: string | null;
  /** running or done, as stored. */
  state: string;
  createdAt: string;
  settings: Record<string, unknown>;
  generations: Array<{ generation: number; best: number; mean: number }>;
  best: ReportTrial | null;
  trials: number;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  versions: { ferGa: string; node: string; libtorch: string[]; devices: string[] };
  database: string;
  runs: ReportRun[];
  tables: ReportTable[];
  trials: ReportTrial[];
}

function packageVersion(): string {
  const manifest = path.resolve(__dirname, '../../package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function meanCurve(folds: TrainResult[]): EpochRecord[] {
  const epochs = Math.max(0, ...folds.map((f) => f.history.length));
  const curve: EpochRecord[] = [];
  for (let e = 0; e < epochs; e++) {
    const rows = folds.map((f) => f.history[e]).filter((r): r is EpochRecord => r !== undefined);
    const mean = (pick: (r: EpochRecord) => number) => rows.reduce((sum, r) => sum + pick(r), 0) / rows.length;
    curve.push({
      epoch: e + 1,
      trainLoss: mean((r) => r.trainLoss),
      trainAccuracy: mean((r) => r.trainAccuracy),
      validationLoss: mean((r) => r.validationLoss),
      validationAccuracy: mean((r) => r.validationAccuracy),
      seconds: mean((r) => r.seconds),
    });
  }
  return curve;
}

function toReportTrial(trial: TrialRecord): ReportTrial {
  const folds = ((trial.result as { folds?: TrainResult[] }).folds ?? []).filter((f) => f && Array.isArray(f.history));
  const size = folds[0]?.confusion.length ?? 0;
  const confusion = Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => folds.reduce((sum, f) => sum + (f.confusion[i]?.[j] ?? 0), 0)));
  const { activation = '', optimizer = '', model: _model, ...genes } = trial.genes;
  return {
    key: trial.key,
    dataset: trial.dataset,
    fingerprint: trial.fingerprint,
    model: trial.model,
    activation,
    optimizer,
    genes,
    accuracy: trial.fitness,
    diverged: trial.diverged,
    seconds: trial.seconds,
    device: trial.device,
    libtorch: trial.libtorch,
    classes: (trial.settings.classes as string[] | undefined) ?? [],
    curve: meanCurve(folds),
    confusion,
    settings: trial.settings,
  };
}

/** Everything in the file, or one run (`run`) and the trials it used. */
export function collectReport(store: Store, options: { run?: number; title?: string } = {}): ReportData {
  let runs = store.runs();
  let trials: TrialRecord[];
  if (options.run !== undefined) {
    runs = runs.filter((r) => r.id === options.run);
    if (runs.length === 0) throw new Error(`run ${options.run} is not in ${store.file}`);
    trials = store.trialsOf(options.run);
  } else {
    trials = store.allTrials();
  }
  const reportTrials = trials.map(toReportTrial);
  const byKey = new Map(reportTrials.map((t) => [t.key, t]));
  const reportRuns: ReportRun[] = runs.map((run) => {
    const used = store.trialsOf(run.id).map((t) => byKey.get(t.key) ?? toReportTrial(t));
    return {
      run: run.id,
      kind: run.kind,
      dataset: run.dataset,
      model: run.model,
      state: run.status,
      createdAt: run.createdAt,
      settings: run.settings,
      generations: store.generations(run.id),
      best: used.length > 0 ? used.reduce((a, b) => (b.accuracy > a.accuracy ? b : a)) : null,
      trials: used.length,
    };
  });
  return {
    title: options.title ?? (options.run !== undefined ? `fer-ga report: run ${options.run}` : 'fer-ga report'),
    generatedAt: new Date().toISOString(),
    versions: {
      ferGa: packageVersion(),
      node: process.version,
      libtorch: [...new Set(reportTrials.map((t) => t.libtorch))],
      devices: [...new Set(reportTrials.map((t) => t.device))],
    },
    database: path.resolve(store.file),
    runs: reportRuns,
    // In the store's order, oldest first: where two trials fill one cell, the newest is shown.
    tables: tablesOf(reportTrials),
    trials: reportTrials,
  };
}
