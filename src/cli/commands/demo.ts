import os from 'os';
import path from 'path';
import type { CommandModule } from 'yargs';

import { UsageError } from '../../util/errors';
import { DEMO_ACTIVATIONS, DEMO_DEFAULTS, DEMO_OPTIMIZERS, runDemo } from '../../study/demo';
import { MODELS, type LearningRateScheduleName, type ModelName } from '../../names';
import { progressBar, type Progress } from '../../util/progress';
import { choiceFlag, integerFlag, numberFlag } from '../arguments';
import { checkTrainingInputs, lrScheduleFlag } from '../training-options';
import { describeCost } from '../../fidelity/rungs';
import { halvingOf, refuseRepeatsWithHalving, withFidelityOptions, type FidelityArguments } from '../fidelity-options';
import { withInterrupt } from '../interrupt';
import type { GlobalArguments } from '../global-arguments';
import { printJson, printTable } from '../output';
import { native } from '../../binding/native';
import { slotPlacements } from '../../study/parallel';
import { describeImportance, describeTies } from '../../study/grid-evidence';
import { formatAccuracy, formatInterval } from '../../store/trial-accuracy';

interface DemoArguments extends GlobalArguments, FidelityArguments {
  out: string;
  model: ModelName;
  size: number;
  epochs: number;
  'batch-size': number;
  lr: number;
  'lr-schedule': LearningRateScheduleName;
  population: number;
  generations: number;
  seed: number;
  'split-seed'?: number;
  repeats: number;
  cache?: string;
  device: string;
  threads: number;
  parallel: number;
}

/** Two cells at once where there are two cores: a grid cell's result does not depend on what trains beside it. */
function demoParallel(): number {
  return Math.max(1, Math.min(2, os.availableParallelism()));
}

export const demoCommand: CommandModule<GlobalArguments, DemoArguments> = {
  command: 'demo',
  describe: 'the whole method on the built-in synthetic set in minutes on a CPU: GA and 3 × 3 grid, table, pick, HTML report',
  builder: (yargs) =>
    withFidelityOptions(yargs, 'halving')
      .option('out', { type: 'string', requiresArg: true, default: DEMO_DEFAULTS.out, describe: 'folder for results.db, report.html and best.ckpt' })
      .option('model', { requiresArg: true, default: DEMO_DEFAULTS.model, describe: 'network', coerce: choiceFlag('model', MODELS) })
      .option('size', { requiresArg: true, default: DEMO_DEFAULTS.size, describe: 'input size in pixels', coerce: integerFlag('size', 8, 1024) })
      .option('epochs', { requiresArg: true, default: DEMO_DEFAULTS.epochs, describe: 'epochs a trial', coerce: integerFlag('epochs', 1, 1000) })
      .option('batch-size', { requiresArg: true, default: DEMO_DEFAULTS.batchSize, describe: 'mini-batch', coerce: integerFlag('batch-size', 2, 65536) })
      .option('lr', { requiresArg: true, default: DEMO_DEFAULTS.learningRate, describe: 'learning rate', coerce: numberFlag('lr', 0, 1e11) })
      .option('lr-schedule', { ...lrScheduleFlag(), default: DEMO_DEFAULTS.learningRateSchedule })
      .option('population', { requiresArg: true, default: DEMO_DEFAULTS.population, describe: 'GA population (even)', coerce: integerFlag('population', 4, 10000) })
      .option('generations', { requiresArg: true, default: DEMO_DEFAULTS.generations, describe: 'GA generations', coerce: integerFlag('generations', 1, 10000) })
      .option('seed', { requiresArg: true, default: DEMO_DEFAULTS.seed, describe: 'random seed', coerce: integerFlag('seed', 0, 2 ** 32 - 1) })
      .option('split-seed', { requiresArg: true, describe: 'seed of the split into training and validation subjects (default: --seed)', coerce: integerFlag('split-seed', 0, 2 ** 32 - 1) })
      .option('repeats', { requiresArg: true, default: 1, describe: 'training seeds per combination on one split, for the GA and the grid (needs --fidelity full)', coerce: integerFlag('repeats', 1, 100) })
      .option('cache', { type: 'string', requiresArg: true, describe: 'cache folder (default .fer-ga-cache)' })
      .option('device', { type: 'string', requiresArg: true, default: 'auto', describe: 'auto, cpu, cuda or cuda:N' })
      .option('threads', { requiresArg: true, default: DEMO_DEFAULTS.threads, describe: "libtorch threads a trial trains with on the CPU (part of a CPU trial's key)", coerce: integerFlag('threads', 1, 1024) })
      .option('parallel', {
        requiresArg: true,
        default: demoParallel(),
        describe: "grid cells trained at once (the GA trains one candidate at a time, so its pick does not depend on the machine's timing)",
        coerce: integerFlag('parallel', 1, 64),
      }) as never,
  handler: async (args) => {
    if (args.population % 2 !== 0) throw new UsageError(`--population must be even (got ${args.population})`);
    await checkTrainingInputs(args, [args.model]);
    const halving = halvingOf(args, args.epochs);
    refuseRepeatsWithHalving(args.repeats, halving);
    const placement = { device: args.device, threads: args.threads };
    let preparing: Progress | undefined;
    let training: Progress | undefined;
    const say = (line: string) => {
      if (!args.json) process.stderr.write(`${line}\n`);
    };
    const result = await withInterrupt((signal) =>
      runDemo({
        out: args.out,
        model: args.model,
        size: args.size,
        epochs: args.epochs,
        batchSize: args['batch-size'],
        learningRate: args.lr,
        learningRateSchedule: args['lr-schedule'],
        population: args.population,
        generations: args.generations,
        seed: args.seed,
        ...(args['split-seed'] !== undefined ? { splitSeed: args['split-seed'] } : {}),
        repeats: args.repeats,
        ...(halving ? { halving } : {}),
        cacheDir: args.cache,
        placement,
        gridPlacements: slotPlacements(placement, args.parallel, native().info()),
        signal,
        onStage: (stage) => say(`demo: ${stage}`),
        onPrepare: (done, total) => {
          preparing ??= progressBar('preprocessing', total, { quiet: args.json });
          preparing.tick(done);
          if (done === total) preparing.finish();
        },
        onProgress: (done, total) => {
          training ??= progressBar('training (epochs of 9 trials)', total, { quiet: args.json });
          training.tick(done);
        },
      }),
    );
    training?.finish();
    if (args.json) {
      // The GA's best is a trial's score: `accuracy`, as in evolve's and grid's JSON.
      const { genes, fitness } = result.ga.best;
      const { correct, total, interval, tiedWithBest, pValue } = result.pick;
      printJson({ ...result, ga: { ...result.ga, best: { genes, accuracy: fitness, correct, total, interval, tiedWithBest, pValue } } });
      return;
    }
    const cell = (optimizer: string, activation: string) => {
      const row = result.grid.find((r) => r.optimizer === optimizer && r.activation === activation);
      const seeds = row?.repeats ? `, sd ${((row.sd ?? 0) * 100).toFixed(1)}, seeds ${formatInterval(row.seedInterval ?? null)}` : '';
      return row ? `${formatAccuracy(row.accuracy, row.interval ?? null)}${seeds}${row.diverged ? '*' : ''}${row.tied ? ' ≈' : ''}` : '';
    };
    process.stdout.write(`\nSynthetic set: ${result.dataset.images} images, ${result.dataset.classes.length} classes (chance ${(result.chance * 100).toFixed(1)}%). Validation accuracy (%), ${args.model}, ${args.epochs} epochs:\n\n`);
    printTable(
      ['network', 'optimizer', ...DEMO_ACTIVATIONS],
      DEMO_OPTIMIZERS.map((optimizer) => [args.model, optimizer, ...DEMO_ACTIVATIONS.map((activation) => cell(optimizer, activation))]),
      [false, false, true, true, true],
    );
    const shown = (file: string) => (file.startsWith(process.cwd() + path.sep) ? path.relative(process.cwd(), file) : file);
    const best = result.gridBest;
    const worst = result.grid.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
    process.stdout.write(
      `\n${describeTies(result.gridTied, result.grid.length, result.grid.some((r) => r.tied === null), args.repeats > 1)}\n` +
        `importance:   ${describeImportance(result.importance)}\n` +
        `\ngrid's best:  ${best.activation} + ${best.optimizer} (${formatAccuracy(best.accuracy, best.interval ?? null)}; worst ${(worst.accuracy * 100).toFixed(1)}%)\n` +
        `${result.pick.line}, after training ${result.gaTrainings} of the ${result.grid.length} combinations\n` +
        `GA's cost:    ${result.fidelity}: ${describeCost(result.gaEpochsTrained, result.fullGridEpochs)}\n` +
        `\nreport:     ${shown(result.report)}\n` +
        `results:    ${shown(result.database)}\n` +
        `checkpoint: ${shown(result.checkpoint)}  (npx fer-ga predict --checkpoint ${shown(result.checkpoint)} IMAGE…)\n` +
        `web page:   ${shown(result.web)}/  (npx fer-ga serve ${shown(result.web)}, then open the address it prints)\n` +
        `took ${Math.round(result.seconds)} s\n`,
    );
  },
};
