/**
 * What a report shows, gathered from the SQLite file: the paper-layout tables (one per
 * data set and complete setting), the GA runs with their per-generation fitness, and every trial
 * with its learning curve and confusion matrix. Renderers only format this.
 */
import fs from 'fs';
import path from 'path';

import { rungSchedule } from '../fidelity/rungs';
import type { HalvingSettings } from '../ga/halving';
import type { EpochRecord, TrainResult } from '../native';
import type { RungRecord, Store, TrialRecord } from '../store/store';
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
  /** Epochs it had trained when successive halving stopped it (below `settings.epochs`); null: it trained its whole schedule. */
  stoppedAt: number | null;
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
  /** One trial per network × optimizer × activation: full-length, or where a cell has none, the furthest rung of one halving stopped. */
  cells: ReportTrial[];
  /** The most accurate full-length cell (a stopped one only when no cell trained to the end). */
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
  /** With --fidelity halving: the schedule's rungs (epochs at each); null for full-length runs. */
  fidelity: (HalvingSettings & { rungs: number[] }) | null;
  /** With halving: how far each candidate got, ranked as the GA ranks them (rung reached, then accuracy). */
  candidates: ReportCandidate[];
}

/** A halving run's candidate: the trial and the rung it reached. */
export interface ReportCandidate {
  key: string;
  model: string;
  activation: string;
  optimizer: string;
  genes: Record<string, string>;
  accuracy: number;
  /** Epochs reached, of `scheduledEpochs`. */
  epochs: number;
  scheduledEpochs: number;
  /** Rung reached, 1-based, of `rungs`. */
  rung: number;
  rungs: number;
  /** Halving stopped it below the full schedule. */
  stopped: boolean;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  versions: { ferGa: string; node: string; libtorch: string[]; devices: string[] };
  database: string;
  runs: ReportRun[];
  tables: ReportTable[];
  /** Full-length trials. */
  trials: ReportTrial[];
  /** Trials halving stopped part-way (no full-length result), at the furthest rung stored. */
  stopped: ReportTrial[];
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

function toReportTrial(trial: TrialRecord | RungRecord): ReportTrial {
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
    stoppedAt: 'epochs' in trial && trial.epochs < Number(trial.settings.epochs) ? trial.epochs : null,
  };
}

/** The halving a run was given (evolve keeps it with the GA's settings, grid beside its trial settings), or null. */
function halvingOfRun(settings: Record<string, unknown>): HalvingSettings | null {
  const ga = settings.ga as { fidelity?: HalvingSettings } | undefined;
  return ga?.fidelity ?? (settings.fidelity as HalvingSettings | undefined) ?? null;
}

function candidatesOf(full: ReportTrial[], stopped: ReportTrial[], rungs: number[]): ReportCandidate[] {
  const top = rungs[rungs.length - 1];
  const candidates = [...full, ...stopped].map((t): ReportCandidate => {
    const epochs = t.stoppedAt ?? top;
    // A rung from a schedule other than the run's (stored by another run) counts as the highest of the run's rungs it covers.
    const rung = rungs.filter((r) => r <= epochs).length;
    return { key: t.key, model: t.model, activation: t.activation, optimizer: t.optimizer, genes: t.genes, accuracy: t.accuracy, epochs, scheduledEpochs: top, rung, rungs: rungs.length, stopped: t.stoppedAt !== null };
  });
  return candidates.sort((a, b) => b.epochs - a.epochs || b.accuracy - a.accuracy);
}

/** Everything in the file, or one run (`run`) and the trials it used. */
export function collectReport(store: Store, options: { run?: number; title?: string } = {}): ReportData {
  let runs = store.runs();
  let trials: TrialRecord[];
  let stoppedRungs: RungRecord[];
  if (options.run !== undefined) {
    runs = runs.filter((r) => r.id === options.run);
    if (runs.length === 0) throw new Error(`run ${options.run} is not in ${store.file}`);
    trials = store.trialsOf(options.run);
    stoppedRungs = store.stoppedRungsOf(options.run);
  } else {
    trials = store.allTrials();
    stoppedRungs = store.allStoppedRungs();
  }
  const reportTrials = trials.map(toReportTrial);
  const stopped = stoppedRungs.map(toReportTrial);
  const byKey = new Map(reportTrials.map((t) => [t.key, t]));
  const reportRuns: ReportRun[] = runs.map((run) => {
    const used = store.trialsOf(run.id).map((t) => byKey.get(t.key) ?? toReportTrial(t));
    const halving = halvingOfRun(run.settings);
    const rungs = halving ? rungSchedule(halving.epochs, halving) : [];
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
      fidelity: halving && { ...halving, rungs },
      candidates: halving ? candidatesOf(used, store.stoppedRungsOf(run.id).map(toReportTrial), rungs) : [],
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
    // Stopped trials fill the cells no full-length trial fills, marked as stopped.
    tables: tablesOf([...reportTrials, ...stopped]),
    trials: reportTrials,
    stopped,
  };
}
