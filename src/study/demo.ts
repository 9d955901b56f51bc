/**
 * The whole method on the built-in synthetic set, sized for a laptop CPU: draw and pack
 * the set (once), run the GA over activation × optimizer on one network, then the full
 * 3 × 3 grid for comparison. Both share the trial cache, so the grid trains only what the
 * GA did not, and the GA's pick can be checked against the grid's best.
 */
import fs from 'fs';
import path from 'path';

import { BestCheckpoint } from './best-checkpoint';
import { checkpointToWebPage } from '../onnx/checkpoint-export';
import { DEFAULT_CACHE_DIR, prepareDataset, type PreparedDataset } from '../data/dataset';
import { runEvolution, type EvolveResult } from '../ga/evolve';
import { PAPER_GENOME } from '../ga/genome';
import { DEFAULT_OPERATORS } from '../ga/operator-sets';
import { bestGridRow, runGrid } from './grid';
import { gridEvidence, type GridRowWithEvidence, type ImportanceOutcome } from './grid-evidence';
import { describePick, pickVerdictOf, type PickVerdict } from './pick-verdict';
import { accuracyEvidence, type AccuracyEvidence } from '../store/trial-accuracy';
import { PAPER_ACTIVATIONS, PAPER_OPTIMIZERS, type ActivationName, type LearningRateScheduleName, type ModelName, type OptimizerName } from '../names';
import { collectReport } from '../report/collect';
import { renderReport, writeReportFile } from '../report/render';
import { withRunOwnership } from '../store/run-ownership';
import { Store } from '../store/store';
import { RungTrainingFitness } from '../fidelity/rung-fitness';
import { DEFAULT_ETA } from '../fidelity/rungs';
import type { HalvingSettings } from '../ga/halving';
import { scheduleSetting } from './trial-key';
import { TRIAL_DEFAULTS, TrainingFitness, type TrialEvent, type TrialPlacement, type TrialSettings } from './trials';

export const DEMO_ACTIVATIONS: readonly ActivationName[] = PAPER_ACTIVATIONS;
export const DEMO_OPTIMIZERS: readonly OptimizerName[] = PAPER_OPTIMIZERS;

export interface DemoOptions {
  /** Everything goes here: results.db, report.html, best.ckpt. */
  out: string;
  model: ModelName;
  size: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  learningRateSchedule: LearningRateScheduleName;
  population: number;
  generations: number;
  seed: number;
  /** The split's seed (default: `seed`). */
  splitSeed?: number;
  /** Training seeds per combination, for the GA and the grid (full fidelity only). */
  repeats?: number;
  /** The GA by halving (absent: every candidate trains the full schedule); the grid is always full. */
  halving?: HalvingSettings;
  cacheDir?: string;
  placement: TrialPlacement;
  /**
   * Where the grid's cells train, several at once (default: the one placement). The GA
   * always trains one candidate at a time: with halving, which training finishes first
   * decides promotions, and the demo's pick should not depend on the machine's timing.
   */
  gridPlacements?: TrialPlacement[];
  signal?: AbortSignal;
  /** Every finished epoch of every trial, and each trial answered from the cache. */
  onProgress?: (done: number, total: number) => void;
  onPrepare?: (done: number, total: number) => void;
  onStage?: (stage: string) => void;
}

/**
 * Defaults chosen on the 2-core development machine: GoogLeNet at 32 px, batch 16, the
 * paper's learning rate (1e-4) for every optimizer, falling along half a cosine over 15
 * epochs. One libtorch thread a trial: at this size GoogLeNet's layers are too small for a
 * second thread to pay, and two trials side by side (the grid's --parallel 2) use both
 * cores. Why these:
 * - Every cell is at chance after one epoch (GoogLeNet from scratch needs about two to
 *   leave it), so the first halving rung cannot be shorter than 2 epochs; over 15 epochs
 *   that rung (the default, 15/8 rounded up) costs 2/15 of the grid, leaving room to
 *   promote and still train under 40% of the grid's epochs.
 * - A constant rate leaves the last epoch's accuracy swinging by 10-30 points between
 *   epochs (RMSprop at 1e-4 without decay), so a full-length result was a draw from that
 *   swing; the cosine's small last steps make it a settled number, and rankings at the
 *   early rungs then predict the final ones. See BENCHMARKS.md (search quality per cost).
 * SGD-momentum learns slowly at this rate: the paper's finding, not a broken cell. A
 * population of 6 lets the GA see most of the nine cells; with 4 it settled on a runner-up.
 */
export const DEMO_DEFAULTS = {
  out: 'fer-ga-demo',
  model: 'googlenet' as ModelName,
  size: 32,
  epochs: 15,
  batchSize: 16,
  learningRate: 1e-4,
  learningRateSchedule: 'cosine' as LearningRateScheduleName,
  population: 6,
  generations: 5,
  seed: 1,
  threads: 1,
  eta: DEFAULT_ETA,
};

export interface DemoResult {
  dataset: { images: number; classes: string[]; reused: boolean };
  /** Each cell with its correct count, Wilson interval and whether it is tied with the best. */
  grid: GridRowWithEvidence[];
  gridBest: GridRowWithEvidence;
  /** Cells tied with the grid's best, the best included. */
  gridTied: number;
  /** Each gene's share of the variance between the grid's cells (ANOVA), or why there is none. */
  importance: ImportanceOutcome;
  /** The GA's pick against the grid's best, image by image; `line` says it in words. */
  pick: PickVerdict & { accuracy: number; line: string } & Partial<AccuracyEvidence>;
  ga: EvolveResult;
  /** Distinct combinations the GA had to train (of the grid's nine). */
  gaTrainings: number;
  fidelity: 'full' | 'halving';
  /** Epochs this invocation trained: the GA's, then what the grid added. */
  epochsTrained: number;
  /** The GA's epochs against the full grid's (cells × epochs). */
  gaEpochsTrained: number;
  fullGridEpochs: number;
  pickMatchesGrid: boolean;
  chance: number;
  report: string;
  database: string;
  checkpoint: string;
  /** The best network as a web page (export --format web). */
  web: string;
  seconds: number;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  options.onStage?.('preparing the synthetic set');
  const packed: PreparedDataset = await prepareDataset('synthetic', {
    size: options.size,
    cacheDir: options.cacheDir,
    onProgress: options.onPrepare,
  });
  const base: TrialSettings = {
    ...TRIAL_DEFAULTS,
    model: options.model,
    activation: 'relu',
    optimizer: 'sgdm',
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    ...scheduleSetting(options.learningRateSchedule),
    seed: options.seed,
    ...(options.splitSeed !== undefined && options.splitSeed !== options.seed ? { splitSeed: options.splitSeed } : {}),
  };
  const cells = DEMO_ACTIVATIONS.length * DEMO_OPTIMIZERS.length;
  const total = cells * options.epochs * (options.repeats ?? 1);
  let done = 0;
  const finished = new Set<string>();
  const onEvent = (event: TrialEvent) => {
    if (event.kind !== 'fold') return;
    done++;
    if (event.epoch === event.epochs) finished.add(`${event.settings.activation}|${event.settings.optimizer}`);
    options.onProgress?.(Math.min(done, total), total);
  };
  // A trial answered from the cache counts as all its epochs at once.
  const credit = (activation: string, optimizer: string) => {
    const id = `${activation}|${optimizer}`;
    if (finished.has(id)) return;
    finished.add(id);
    done += options.epochs;
    options.onProgress?.(Math.min(done, total), total);
  };

  // Zero first, so the bar's clock (and its ETA) starts with the training, not after the first epoch.
  options.onProgress?.(0, total);
  const store = new Store(path.join(out, 'results.db'));
  const keeper = new BestCheckpoint(out);
  try {
    options.onStage?.(`GA over activation × optimizer on ${options.model} (population ${options.population}, ${options.generations} generations)`);
    const gaSettings = {
      generations: options.generations,
      population: options.population,
      gaSeed: options.seed,
      operators: DEFAULT_OPERATORS,
      genes: [...PAPER_GENOME.genes],
      ...(options.halving ? { fidelity: options.halving } : {}),
    };
    // Rung states live beside the packed set, so a stopped demo's promotions continue from them.
    const statesDir = path.join(path.resolve(options.cacheDir ?? DEFAULT_CACHE_DIR), 'states');
    const run = store.createRun('evolve', 'synthetic', options.model, { ga: gaSettings, trial: base, args: { dataset: 'synthetic', size: options.size }, demo: true });
    const control = { signal: options.signal, onEvent, checkpoint: keeper.trialFile, run, repeats: options.repeats ?? 1 };
    const fitness = options.halving
      ? new RungTrainingFitness(store, packed, base, [options.placement], { ...control, statesDir })
      : new TrainingFitness(store, packed, base, [options.placement], control);
    const ga = await withRunOwnership(store, run, () =>
      runEvolution(gaSettings, {
        store,
        run,
        fitness,
        signal: options.signal,
        // With halving an individual may have stopped part-way: its epochs count as they train.
        onEvent: (e) => !options.halving && e.kind === 'individual' && e.genes && credit(String(e.genes.activation), String(e.genes.optimizer)),
      }),
    );

    options.onStage?.(`the ${cells}-cell grid for comparison (the GA's trials come from the cache)`);
    const gridRun = store.createRun('grid', 'synthetic', options.model, { trial: base, demo: true });
    const grid = await withRunOwnership(store, gridRun, () =>
      runGrid(store, packed, base, { models: [options.model], optimizers: DEMO_OPTIMIZERS, activations: DEMO_ACTIVATIONS }, options.gridPlacements ?? options.placement, {
        signal: options.signal,
        onEvent,
        checkpoint: keeper.trialFile,
        // A cell the GA stopped at a rung continues from there.
        statesDir,
        repeats: options.repeats ?? 1,
      }),
    );
    for (const row of grid) credit(row.activation, row.optimizer);
    store.linkTrials(gridRun, grid.flatMap((r) => (r.repeatKeys ?? [r.key]).map((key) => ({ key, trained: !r.cached }))));
    store.finishRun(gridRun);
    const gridBest = bestGridRow(grid);
    const evidence = gridEvidence(store, grid, options.epochs);
    const pick = pickOfGrid(store, ga, evidence);
    const checkpoint = await keeper.keep(packed, { ...base, activation: gridBest.activation, optimizer: gridBest.optimizer }, gridBest.accuracy, options.placement, {
      signal: options.signal,
    });

    // The pick, taken out of fer-ga: a page that reads expressions in the browser.
    const web = path.join(out, 'web');
    await checkpointToWebPage(checkpoint, web);

    const data = collectReport(store, { title: `fer-ga demo: ${options.model} on the synthetic set` });
    const report = writeReportFile(renderReport(data, 'html'), path.join(out, 'report.html'));
    const bestAccuracy = gridBest.accuracy;
    return {
      dataset: { images: packed.header.count, classes: packed.header.classes, reused: packed.reused },
      grid: evidence.rows,
      gridBest: evidence.best,
      gridTied: evidence.tiedCount,
      importance: evidence.importance,
      pick,
      ga,
      gaTrainings: ga.distinct,
      fidelity: options.halving ? 'halving' : 'full',
      epochsTrained: ga.epochsTrained + grid.reduce((sum, r) => sum + r.epochsTrained, 0),
      gaEpochsTrained: ga.epochsTrained,
      fullGridEpochs: cells * options.epochs * (options.repeats ?? 1),
      // Ties count: two cells with the same accuracy are equally good picks.
      pickMatchesGrid: Math.abs(ga.best.fitness - bestAccuracy) < 1e-12,
      chance: 1 / packed.header.classes.length,
      report,
      database: store.file,
      checkpoint,
      web,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    store.close();
  }
}

/** The GA's pick as a cell of the grid (the same trial: the same settings and genes), judged against the grid's tie set. */
function pickOfGrid(store: Store, ga: EvolveResult, evidence: ReturnType<typeof gridEvidence>): DemoResult['pick'] {
  const at = evidence.rows.findIndex((r) => r.activation === ga.best.genes.activation && r.optimizer === ga.best.genes.optimizer);
  const [pickTrial, bestTrial] = [store.findTrial(evidence.rows[at].key), store.findTrial(evidence.best.key)];
  if (!pickTrial || !bestTrial) throw new Error("the demo's grid left no trial for the GA's pick or its best cell");
  const verdict = pickVerdictOf(evidence.verdicts[at], evidence.rows[at].key === evidence.best.key, bestTrial);
  const row = evidence.rows[at];
  const evidenceOfPick = row.interval ? { correct: row.correct as number, total: row.total as number, interval: row.interval } : accuracyEvidence(pickTrial);
  return { ...verdict, accuracy: row.accuracy, ...evidenceOfPick, line: describePick("GA's pick", { genes: pickTrial.genes, accuracy: row.accuracy, interval: evidenceOfPick.interval }, verdict, "the grid's best") };
}
