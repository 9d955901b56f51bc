/**
 * What a report shows, gathered from the SQLite file: the paper-layout tables (one per
 * data set and input), the GA runs with their per-generation fitness, and every trial
 * with its learning curve and confusion matrix. Renderers only format this.
 */
import fs from 'fs';
import path from 'path';

import type { EpochRecord, TrainResult } from '../native';
import type { Store, TrialRecord } from '../store/store';

export interface ReportTrial {
  key: string;
  dataset: string;
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

export interface ReportTable {
  dataset: string;
  /** What else the trials in this table share (size, epochs, …), as one line. */
  condition: string;
  models: string[];
  optimizers: string[];
  activations: string[];
  cells: ReportTrial[];
  best: ReportTrial;
}

export interface ReportRun {
  id: number;
  kind: string;
  dataset: string;
  model: string | null;
  status: string;
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

const ORDER: Record<string, string[]> = {
  models: ['alexnet', 'googlenet', 'vgg16', 'resnet50'],
  optimizers: ['sgdm', 'rmsprop', 'adam', 'adamw', 'amsgrad', 'adagrad'],
  activations: ['relu', 'leaky-relu', 'clipped-relu', 'elu', 'gelu', 'swish'],
};

function ordered(values: Iterable<string>, order: string[]): string[] {
  const rank = (v: string) => (order.includes(v) ? order.indexOf(v) : order.length);
  return [...new Set(values)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
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

/** The settings that distinguish tables of one data set: everything but the three table axes. */
function condition(trial: ReportTrial): string {
  const s = trial.settings;
  const parts = [
    `${String(s.size)} px ${s.channels === 1 ? 'grey' : 'RGB'}`,
    `${String(s.epochs)} epochs`,
    `batch ${String(s.batchSize)}`,
    `lr ${String(s.learningRate)}`,
    s.folds && Number(s.folds) >= 2 ? `${String(s.folds)}-fold` : `hold-out ${String(s.validationFraction)}`,
    `seed ${String(s.seed)}`,
  ];
  if (Number(s.firstKernel) > 0) parts.push(`first kernel ${String(s.firstKernel)}`);
  if (s.amp) parts.push('bf16');
  if (s.augment === false) parts.push('no augmentation');
  return parts.join(', ');
}

function tablesOf(trials: ReportTrial[]): ReportTable[] {
  const groups = new Map<string, ReportTrial[]>();
  for (const t of trials) {
    const id = `${t.dataset}\u0000${condition(t)}`;
    groups.set(id, [...(groups.get(id) ?? []), t]);
  }
  return [...groups.values()].map((cells) => ({
    dataset: cells[0].dataset,
    condition: condition(cells[0]),
    models: ordered(cells.map((c) => c.model), ORDER.models),
    optimizers: ordered(cells.map((c) => c.optimizer), ORDER.optimizers),
    activations: ordered(cells.map((c) => c.activation), ORDER.activations),
    cells,
    best: cells.reduce((a, b) => (b.accuracy > a.accuracy ? b : a)),
  }));
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
      id: run.id,
      kind: run.kind,
      dataset: run.dataset,
      model: run.model,
      status: run.status,
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
    tables: tablesOf(reportTrials),
    trials: reportTrials,
  };
}
