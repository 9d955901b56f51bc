#!/usr/bin/env node
'use strict';
// Replays `evolve --fidelity halving --parallel 1` over the activation × optimizer grid in
// results files, without training: a candidate's accuracy at a rung of k epochs is epoch
// k of its full-length trial's history. The replay is exact: a trial continued from a rung
// computes what one trained at once does (test/training-state.test.ts), and with one
// training at a time the order of promotions follows from the results alone. It answers
// "what would halving have picked, at what cost, with another --min-epochs, --eta,
// population or generations" of grids already trained (`fer-ga grid`, one fold).
// Run after `npm run build:ts`:
//
//   node scripts/replay-halving.js --db A.db,B.db,… [--min-epochs N] [--eta N]
//     [--population N] [--generations N]
//
// Each file's grid trials (every trial in it with the paper's three activations and
// optimizers, one model, one seed) are one study; the GA's seed is the trials' seed, as
// `npm run bench:search` runs it. Prints per file the grid's best, the pick (scored at
// full length), the gap and the GA's epochs against the grid's, then the means.

const path = require('path');

const { Store } = require('../dist/store/store');
const { runEvolution } = require('../dist/ga/evolve');
const { PAPER_GENOME } = require('../dist/ga/genome');
const { DEFAULT_OPERATORS } = require('../dist/ga/operator-sets');
const { DEFAULT_ETA, defaultMinEpochs } = require('../dist/fidelity/rungs');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function fail(line) {
  process.stderr.write(`replay-halving: ${line}\n`);
  process.exit(2);
}

/** Per cell ("activation+optimizer"): the full-length accuracy and the per-epoch validation accuracies. */
function gridOf(file) {
  const store = new Store(file);
  try {
    const cells = new Map();
    let epochs;
    let seed;
    for (const trial of store.allTrials()) {
      const folds = trial.result && trial.result.folds;
      if (!Array.isArray(folds) || folds.length !== 1) fail(`${file}: trial ${trial.key} is not a one-fold trial`);
      const history = folds[0].history.map((e) => e.validationAccuracy);
      if (history.length !== trial.settings.epochs) continue; // diverged: it has no rung past its last epoch
      epochs ??= trial.settings.epochs;
      seed ??= trial.settings.seed;
      if (trial.settings.epochs !== epochs || trial.settings.seed !== seed) fail(`${file} holds trials of more than one schedule or seed`);
      cells.set(`${trial.genes.activation}+${trial.genes.optimizer}`, { accuracy: trial.fitness, history });
    }
    if (cells.size !== 9) fail(`${file} holds ${cells.size} full-length cells, not the 9 of the grid`);
    return { cells, epochs, seed };
  } finally {
    store.close();
  }
}

async function replay(grid, options) {
  const store = new Store(':memory:');
  const ga = {
    generations: options.generations,
    population: options.population,
    gaSeed: grid.seed,
    operators: DEFAULT_OPERATORS,
    genes: [...PAPER_GENOME.genes],
    fidelity: { epochs: grid.epochs, minEpochs: options.minEpochs ?? defaultMinEpochs(grid.epochs), eta: options.eta },
  };
  const run = store.createRun('evolve', 'replay', null, { ga });
  const reached = new Map();
  let epochsTrained = 0;
  // A rung's result from the history; the trial "key" names the cell, which has no stored trial here.
  const source = {
    evaluate: () => Promise.reject(new Error('a replay evaluates by rungs only')),
    evaluateRung: async (genes, untilEpoch) => {
      const cell = `${genes.activation}+${genes.optimizer}`;
      const from = reached.get(cell) ?? 0;
      const to = Math.max(untilEpoch, from);
      reached.set(cell, to);
      epochsTrained += to - from;
      return { fitness: grid.cells.get(cell).history[to - 1], trialKey: cell, epochs: to, trained: to > from, epochsTrained: to - from };
    },
  };
  try {
    storeWithoutTrialLinks(store);
    const result = await runEvolution(ga, { store, run, fitness: source, parallel: 1 });
    return { pick: `${result.best.genes.activation}+${result.best.genes.optimizer}`, epochsTrained };
  } finally {
    store.close();
  }
}

/** The replay's individuals name cells, not stored trials: the in-memory file does not hold them to the trials table. */
function storeWithoutTrialLinks(store) {
  store.db.pragma('foreign_keys = OFF');
}

(async () => {
  const files = String(flag('db', '')).split(',').filter(Boolean);
  if (files.length === 0) fail('--db FILE[,FILE…] is required');
  const options = {
    minEpochs: flag('min-epochs', undefined) === undefined ? undefined : Number(flag('min-epochs')),
    eta: Number(flag('eta', DEFAULT_ETA)),
    population: Number(flag('population', 6)),
    generations: Number(flag('generations', 5)),
  };
  const rows = [];
  for (const file of files) {
    const grid = gridOf(path.resolve(file));
    const { pick, epochsTrained } = await replay(grid, options);
    const [bestCell, best] = [...grid.cells.entries()].reduce((a, b) => (b[1].accuracy > a[1].accuracy ? b : a));
    const gap = (best.accuracy - grid.cells.get(pick).accuracy) * 100;
    const share = epochsTrained / (9 * grid.epochs);
    rows.push({ gap, share });
    process.stdout.write(
      `${path.basename(file)}: seed ${grid.seed}, grid best ${bestCell} ${(best.accuracy * 100).toFixed(2)}, pick ${pick} ${(grid.cells.get(pick).accuracy * 100).toFixed(2)} ` +
        `(gap ${gap.toFixed(2)}), ${epochsTrained}/${9 * grid.epochs} epochs (${(share * 100).toFixed(0)}%)\n`,
    );
  }
  const mean = (f) => rows.reduce((sum, r) => sum + f(r), 0) / rows.length;
  process.stdout.write(`mean gap ${mean((r) => r.gap).toFixed(2)} points, mean share ${(mean((r) => r.share) * 100).toFixed(0)}%\n`);
})().catch((error) => fail(error.stack || String(error)));
