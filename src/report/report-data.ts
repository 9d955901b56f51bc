/**
 * What a report holds, as every renderer (markdown, HTML, CSV, JSON) reads it. The types
 * live apart from collect.ts, which fills them, so the table grouping (tables.ts) and the
 * renderers need not import the collector.
 */
import type { HalvingSettings } from '../ga/halving';
import type { StoredEpoch } from '../store/trial-result';
import type { FailedTrialRecord } from '../store/store';
import type { Setting } from './condition';
import type { ImportanceOutcome } from '../study/grid-evidence';

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
  /** Validation images right and scored over the folds, and the 95% Wilson interval of that proportion. */
  correct: number;
  total: number;
  interval: [number, number];
  /** Not significantly worse than its table's best (exact McNemar, Holm-corrected); null where it cannot be told or outside a table. */
  tied: boolean | null;
  /** Exact McNemar p-value against its table's best; null for the best and where not compared. */
  pValue: number | null;
  diverged: boolean;
  seconds: number;
  device: string;
  libtorch: string;
  classes: string[];
  /** Per epoch, averaged over the folds that reached it. */
  curve: StoredEpoch[];
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
  /** Cells tied with the best, the best included. */
  tiedCount: number;
  /** Each gene's share of the variance between the cells (ANOVA), or why there is none. */
  importance: ImportanceOutcome;
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
  /** Queued trials that failed on every attempt and have not been trained since (scored 0 by their runs). */
  failed: FailedTrialRecord[];
}
