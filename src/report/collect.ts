/**
 * What a report shows, gathered from the SQLite file: the paper-layout tables (one per
 * data set and complete setting), the GA runs with their per-generation fitness, and every trial
 * with its learning curve and confusion matrix. Renderers only format this.
 */
import path from 'path';

import { rungSchedule } from '../fidelity/rungs';
import type { HalvingSettings } from '../ga/halving';
import type { RungRecord, Store, TrialRecord } from '../store/store';
import { foldsOf, type StoredEpoch, type StoredFold } from '../store/trial-result';
import { accuracyEvidence } from '../store/trial-accuracy';
import type { ReportCandidate, ReportData, ReportRun, ReportTrial } from './report-data';
import { tablesOf } from './tables';
import { packageVersion } from '../util/package-version';

export type { ReportCandidate, ReportData, ReportRun, ReportTable, ReportTrial } from './report-data';


function meanCurve(folds: StoredFold[]): StoredEpoch[] {
  const epochs = Math.max(0, ...folds.map((f) => f.history.length));
  const curve: StoredEpoch[] = [];
  for (let e = 0; e < epochs; e++) {
    const rows = folds.map((f) => f.history[e]).filter((r): r is StoredEpoch => r !== undefined);
    const mean = (pick: (r: StoredEpoch) => number) => rows.reduce((sum, r) => sum + pick(r), 0) / rows.length;
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
  const folds = foldsOf(trial);
  const size = folds[0]?.confusion.length ?? 0;
  const confusion = Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => folds.reduce((sum, f) => sum + (f.confusion[i]?.[j] ?? 0), 0)));
  const { activation = '', optimizer = '', model: _model, ...genes } = trial.genes;
  const evidence = accuracyEvidence(trial);
  return {
    key: trial.key,
    dataset: trial.dataset,
    fingerprint: trial.fingerprint,
    model: trial.model,
    activation,
    optimizer,
    genes,
    accuracy: trial.fitness,
    ...evidence,
    // Set by the table the trial is a cell of (tables.ts).
    tied: null,
    pValue: null,
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
    // A key with a full-length trial is judged by it, whatever rung of it a run stopped at.
    tables: tablesOf([...reportTrials, ...stopped], new Map([...stoppedRungs, ...trials].map((t) => [t.key, t]))),
    trials: reportTrials,
    stopped,
    failed: store.failedTrials(),
  };
}
