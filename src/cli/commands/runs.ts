import path from 'path';
import type { CommandModule } from 'yargs';

import { CLAIM_STALE_MS, isStale } from '../../store/claims';
import { accuracyEvidence, formatAccuracy, type AccuracyEvidence } from '../../store/trial-accuracy';
import type { RunRecord, Store } from '../../store/store';
import type { GlobalArguments } from '../global-arguments';
import { printJson, printTable } from '../output';
import { openExistingResults, resultsFileFlag } from '../results-file';

interface RunsArguments extends GlobalArguments {
  db: string;
}

export interface RunSummary {
  run: number;
  kind: string;
  dataset: string;
  model: string | null;
  /** done; running while a process holds the run; stopped when unfinished and none does (Ctrl-C, killed). */
  state: 'running' | 'done' | 'stopped';
  /** With the Wilson interval of its stored trial where it has one (a candidate stopped part-way has none). */
  best: ({ accuracy: number; genes: Record<string, string>; key: string | null } & Partial<AccuracyEvidence>) | null;
  started: string;
  updated: string;
  trials: number;
  /** Of the run's trials, those it trained and those it found in the cache; null where the run did not record it. */
  trained: number | null;
  cached: number | null;
}

// A grid searches these three; its trials' other genes are the run's fixed settings.
const GRID_GENES = ['model', 'activation', 'optimizer'];

function stateOf(store: Store, run: RunRecord): RunSummary['state'] {
  if (run.status === 'done') return 'done';
  const holder = store.claimHolder('run', String(run.id));
  return holder && !isStale(holder, CLAIM_STALE_MS) ? 'running' : 'stopped';
}

export function summariseRuns(store: Store): RunSummary[] {
  return store.runs().map((run) => {
    const counts = store.runTrialCounts(run.id);
    const recorded = counts.trained + counts.cached > 0;
    const best = store.bestOfRun(run.id);
    const genes = best && run.kind === 'grid' ? Object.fromEntries(GRID_GENES.map((g) => [g, best.genes[g]])) : best?.genes;
    return {
      run: run.id,
      kind: run.kind,
      dataset: run.dataset,
      model: run.model,
      state: stateOf(store, run),
      best: best && genes ? { accuracy: best.fitness, ...evidenceOf(store, best.key), genes, key: best.key } : null,
      started: run.createdAt,
      updated: run.updatedAt,
      trials: counts.trials,
      trained: recorded ? counts.trained : null,
      cached: recorded ? counts.cached : null,
    };
  });
}

function evidenceOf(store: Store, key: string | null): Partial<AccuracyEvidence> {
  const trial = key ? store.findTrial(key) : undefined;
  return trial ? accuracyEvidence(trial) : {};
}

const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export const runsCommand: CommandModule<GlobalArguments, RunsArguments> = {
  command: 'runs',
  describe: 'the grid and evolve runs in a results file: state, best so far, trials trained and found cached',
  builder: (yargs) => yargs.option('db', resultsFileFlag()),
  handler: (args) => {
    const store = openExistingResults(args.db);
    let runs: RunSummary[];
    try {
      runs = summariseRuns(store);
    } finally {
      store.close();
    }
    if (args.json) {
      printJson({ db: path.resolve(args.db), runs });
      return;
    }
    if (runs.length === 0) {
      process.stdout.write(`no runs in ${args.db} yet (grid, evolve and demo make them)\n`);
      return;
    }
    const count = (n: number | null) => (n === null ? '-' : String(n));
    printTable(
      ['run', 'kind', 'dataset', 'model', 'state', 'accuracy', 'best genes', 'trials', 'trained', 'cached', 'started (UTC)'],
      runs.map((r) => [
        String(r.run),
        r.kind,
        r.dataset,
        r.model ?? '-',
        r.state,
        r.best ? formatAccuracy(r.best.accuracy, r.best.interval ?? null, 2) : '-',
        r.best ? Object.entries(r.best.genes).map(([gene, choice]) => `${gene} ${choice}`).join(', ') : '-',
        String(r.trials),
        count(r.trained),
        count(r.cached),
        minute(r.started),
      ]),
      [true, false, false, false, false, true, false, true, true, true, false],
    );
  },
};
