#!/usr/bin/env node
'use strict';
// Search quality per cost on the built-in synthetic set, over several seeds (each seed is
// the trial seed, the split and the GA's seed):
//
// 1. The demo's study (its network, size, epochs, batch, learning rate, population and
//    generations): the cell `evolve --fidelity halving` picks, scored by its full-length
//    accuracy from the exhaustive grid (`grid`, which trains every cell to the end), against
//    the grid's best; whether the pick is in the grid's tie set (not significantly worse than
//    its best: exact McNemar, Holm-corrected; a hit), the hit rate and the mean gap; and the
//    share of the grid's epochs the GA trained.
// 2. The extra genes (activation, optimizer, learning rate, batch size: 144 combinations)
//    at a smaller size: the GA with halving against random search (src/ga/random-search.ts)
//    given the epochs the GA trained; each pick scored by its full-length accuracy (`train`).
//
// Everything goes through the CLI (one results file per seed and part, one cache), as a
// user would run it. Run after `npm run build:ts`:
//
//   node scripts/bench-search.js [--seeds 1,2,3,4,5] [--part cells|extra|both] [--json FILE]
//     [--size N] [--epochs N] [--lr X] [--lr-schedule S] [--extra-size N] [--extra-epochs N]
//     [--extra-population N] [--extra-generations N] [--min-epochs N] [--eta N] [--threads N]
//     [--parallel N] [--keep DIR]
//
// The GA trains one candidate at a time, as the demo's does: with halving, which of two
// trainings in flight finishes first decides promotions, so a parallel GA's pick depends on
// the machine's timing. `--parallel` applies to the grid.

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { DEMO_ACTIVATIONS, DEMO_DEFAULTS, DEMO_OPTIMIZERS } = require('../dist/study/demo');
const { genesByName } = require('../dist/ga/genes');
const { defaultMinEpochs } = require('../dist/fidelity/rungs');
const { randomSearch } = require('../dist/ga/random-search');

const BIN = path.resolve(__dirname, '../bin/fer-ga.js');
const EXTRA_GENES = ['activation', 'optimizer', 'learningRate', 'batchSize'];

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const seeds = String(flag('seeds', '1,2,3,4,5')).split(',').map(Number);
const part = flag('part', 'both');
const threads = String(flag('threads', 1));
const parallel = String(flag('parallel', Math.max(1, Math.min(2, os.availableParallelism()))));
const cells = {
  model: flag('model', DEMO_DEFAULTS.model),
  size: Number(flag('size', DEMO_DEFAULTS.size)),
  epochs: Number(flag('epochs', DEMO_DEFAULTS.epochs)),
  batchSize: Number(flag('batch-size', DEMO_DEFAULTS.batchSize)),
  lr: Number(flag('lr', DEMO_DEFAULTS.learningRate)),
  schedule: String(flag('lr-schedule', DEMO_DEFAULTS.learningRateSchedule)),
  population: Number(flag('population', DEMO_DEFAULTS.population)),
  generations: Number(flag('generations', DEMO_DEFAULTS.generations)),
};
const extra = {
  ...cells,
  size: Number(flag('extra-size', 32)),
  epochs: Number(flag('extra-epochs', 4)),
  population: Number(flag('extra-population', 8)),
  generations: Number(flag('extra-generations', 8)),
};
const minEpochsFlag = flag('min-epochs', undefined);
/** The first rung: --min-epochs, else the CLI's default for the schedule (epochs/8 rounded up). */
const minEpochsFor = (epochs) => Math.min(minEpochsFlag === undefined ? defaultMinEpochs(epochs) : Number(minEpochsFlag), epochs);
const eta = Number(flag('eta', DEMO_DEFAULTS.eta));

const keep = flag('keep', undefined);
const tmp = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-bench-search-'));
fs.mkdirSync(tmp, { recursive: true });
if (!keep) process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(1));
const cache = path.join(tmp, 'cache');

function fer(args) {
  const result = spawnSync(process.execPath, [BIN, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`fer-ga ${args.join(' ')} exited ${result.status}:\n${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout);
}

function trainingFlags(settings, seed, db) {
  return ['--dataset', 'synthetic', '--cache', cache, '--db', db, '--size', String(settings.size), '--epochs', String(settings.epochs),
    '--batch-size', String(settings.batchSize), '--lr', String(settings.lr), '--lr-schedule', settings.schedule, '--seed', String(seed), '--threads', threads];
}

function evolve(settings, seed, db, genes) {
  const fidelity = ['--fidelity', 'halving', '--min-epochs', String(minEpochsFor(settings.epochs)), '--eta', String(eta)];
  const result = fer(['evolve', ...trainingFlags(settings, seed, db), '--model', settings.model, '--population', String(settings.population),
    '--generations', String(settings.generations), '--genes', genes.join(','), '--parallel', '1', ...fidelity]);
  return { pick: result.best.genes, accuracy: result.best.accuracy, epochsTrained: result.epochsTrained };
}

/** A genome's full-length accuracy, from the results file's trial cache when it is there. */
function fullLength(settings, seed, db, genes) {
  const lr = genes.learningRate ?? String(settings.lr);
  const batch = genes.batchSize ?? String(settings.batchSize);
  const flags = trainingFlags({ ...settings, lr, batchSize: batch }, seed, db);
  const result = fer(['train', ...flags, '--model', settings.model, '--activation', genes.activation, '--optimizer', genes.optimizer]);
  return { accuracy: result.accuracy, cached: result.cached };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const pct = (x) => (x * 100).toFixed(2);
const say = (line) => process.stderr.write(`${line}\n`);

function benchCells() {
  const rows = [];
  const fullEpochs = DEMO_ACTIVATIONS.length * DEMO_OPTIMIZERS.length * cells.epochs;
  for (const seed of seeds) {
    const db = path.join(tmp, `cells-${seed}.db`);
    const started = Date.now();
    const ga = evolve(cells, seed, db, ['activation', 'optimizer']);
    // The grid after the GA, in the same results file: it trains only the cells the GA did not finish.
    const grid = fer(['grid', ...trainingFlags(cells, seed, db), '--models', cells.model, '--activations', DEMO_ACTIVATIONS.join(','),
      '--optimizers', DEMO_OPTIMIZERS.join(','), '--parallel', parallel]);
    const best = grid.rows.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    const picked = grid.rows.find((r) => r.activation === ga.pick.activation && r.optimizer === ga.pick.optimizer);
    const row = {
      seed,
      gridBest: best.accuracy,
      gridBestCell: `${best.activation} + ${best.optimizer}`,
      pick: `${ga.pick.activation} + ${ga.pick.optimizer}`,
      pickFullLength: picked.accuracy,
      gap: (best.accuracy - picked.accuracy) * 100,
      // A pick tied with the grid's best is as good as it, as far as the validation images can tell.
      hit: picked.tied === true,
      pValue: picked.pValue,
      epochsTrained: ga.epochsTrained,
      share: ga.epochsTrained / fullEpochs,
      seconds: (Date.now() - started) / 1000,
    };
    say(`cells, seed ${seed}: grid best ${row.gridBestCell} ${pct(row.gridBest)}%, pick ${row.pick} ${pct(row.pickFullLength)}% (gap ${row.gap.toFixed(2)} points, ${row.hit ? 'tied with the best' : 'not tied'}), ${row.epochsTrained}/${fullEpochs} epochs`);
    rows.push(row);
  }
  return { settings: cells, fullEpochs, rows, hitRate: mean(rows.map((r) => (r.hit ? 1 : 0))), meanGap: mean(rows.map((r) => r.gap)), meanShare: mean(rows.map((r) => r.share)) };
}

async function benchExtra() {
  const rows = [];
  const genes = genesByName(EXTRA_GENES);
  for (const seed of seeds) {
    const db = path.join(tmp, `extra-${seed}.db`);
    const started = Date.now();
    const ga = evolve(extra, seed, db, EXTRA_GENES);
    const gaFull = fullLength(extra, seed, db, ga.pick);
    const random = await randomSearch(genes, { budgetEpochs: ga.epochsTrained, epochs: extra.epochs, seed }, async (drawn) => fullLength(extra, seed, db, drawn).accuracy);
    const row = {
      seed,
      gaPick: ga.pick,
      gaFullLength: gaFull.accuracy,
      gaEpochs: ga.epochsTrained,
      randomPick: random.best.genes,
      randomFullLength: random.best.fitness,
      randomEpochs: random.epochsTrained,
      randomTrials: random.tried.length,
      seconds: (Date.now() - started) / 1000,
    };
    say(`extra genes, seed ${seed}: GA ${pct(row.gaFullLength)}% (${row.gaEpochs} epochs), random ${pct(row.randomFullLength)}% (${row.randomTrials} trials, ${row.randomEpochs} epochs)`);
    rows.push(row);
  }
  return {
    settings: extra,
    rows,
    medianGa: median(rows.map((r) => r.gaFullLength)),
    medianRandom: median(rows.map((r) => r.randomFullLength)),
  };
}

function printCells(c) {
  process.stdout.write(
    `\n${c.settings.model}, ${c.settings.size} px, ${c.settings.epochs} epochs, batch ${c.settings.batchSize}, lr ${c.settings.lr} (${c.settings.schedule}); GA ${c.settings.population} × ${c.settings.generations}, --fidelity halving --min-epochs ${minEpochsFor(c.settings.epochs)} --eta ${eta}\n\n` +
      '| seed | grid best (full length) | GA pick | pick, full length | gap (points) | in the tie set (p) | GA epochs / grid epochs |\n|---:|---|---|---:|---:|---|---:|\n' +
      c.rows.map((r) => `| ${r.seed} | ${r.gridBestCell} ${pct(r.gridBest)} | ${r.pick} | ${pct(r.pickFullLength)} | ${r.gap.toFixed(2)} | ${r.hit ? 'yes' : 'no'}${r.pValue === null ? ' (the best)' : ` (${r.pValue.toFixed(3)})`} | ${r.epochsTrained} / ${c.fullEpochs} (${(r.share * 100).toFixed(0)}%) |`).join('\n') +
      `\n| mean | | | | ${c.meanGap.toFixed(2)} | hit rate ${(c.hitRate * 100).toFixed(0)}% | ${(c.meanShare * 100).toFixed(0)}% |\n`,
  );
}

function printExtra(x) {
  const show = (g) => `${g.activation}, ${g.optimizer}, lr ${g.learningRate}, batch ${g.batchSize}`;
  process.stdout.write(
    `\nExtra genes (${EXTRA_GENES.join(', ')}: 144 combinations), ${x.settings.model}, ${x.settings.size} px, ${x.settings.epochs} epochs; GA ${x.settings.population} × ${x.settings.generations} with halving\n\n` +
      '| seed | GA pick | GA, full length | GA epochs | random search pick | random, full length | random trials (epochs) |\n|---:|---|---:|---:|---|---:|---:|\n' +
      x.rows.map((r) => `| ${r.seed} | ${show(r.gaPick)} | ${pct(r.gaFullLength)} | ${r.gaEpochs} | ${show(r.randomPick)} | ${pct(r.randomFullLength)} | ${r.randomTrials} (${r.randomEpochs}) |`).join('\n') +
      `\n| median | | ${pct(x.medianGa)} | | | ${pct(x.medianRandom)} | |\n`,
  );
}

(async () => {
  const started = Date.now();
  const out = { seeds };
  if (part === 'cells' || part === 'both') printCells((out.cells = benchCells()));
  if (part === 'extra' || part === 'both') printExtra((out.extra = await benchExtra()));
  process.stdout.write(`\n${Math.round((Date.now() - started) / 1000)} s in all\n`);
  const jsonFile = flag('json', undefined);
  if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
})().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
