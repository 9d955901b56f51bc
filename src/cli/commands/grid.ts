import type { CommandModule } from 'yargs';

import { ACTIVATIONS, MODELS, OPTIMIZERS, PAPER_ACTIVATIONS, PAPER_OPTIMIZERS, type ActivationName, type ModelName, type OptimizerName } from '../../names';
import { BestCheckpoint } from '../../study/best-checkpoint';
import { withRunOwnership } from '../../store/run-ownership';
import { Store } from '../../store/store';
import { bestGridRow, runGrid, type GridRow } from '../../study/grid';
import { describeImportance, describeTies, gridEvidence, type GridEvidence } from '../../study/grid-evidence';
import { formatAccuracy, formatInterval } from '../../store/trial-accuracy';
import { weightsOf } from '../../study/trials';
import { absoluteDatasetSpec } from '../../data/dataset';
import { abortError } from '../../util/errors';
import { choiceListFlag } from '../arguments';
import { describeCost } from '../../fidelity/rungs';
import { halvingOf, refuseRepeatsWithHalving, statesDirOf, withFidelityOptions, type FidelityArguments } from '../fidelity-options';
import { withInterrupt } from '../interrupt';
import type { GlobalArguments } from '../global-arguments';
import { printJson, printTable } from '../output';
import { loadDataset } from '../dataset-options';
import {
  checkTrainingInputs,
  logTrialEvent,
  placements,
  probeQueueFlag,
  trialSettings,
  withQueueTrainer,
  withParallelOption,
  withTrainingOptions,
  type ParallelArguments,
  type TrainingArguments,
} from '../training-options';

interface GridArguments extends TrainingArguments, ParallelArguments, FidelityArguments {
  models: ModelName[];
  activations: ActivationName[];
  optimizers: OptimizerName[];
}


export const gridCommand: CommandModule<GlobalArguments, GridArguments> = {
  command: 'grid',
  describe: "every network × optimizer × activation, in the paper's table layout (trials shared with evolve)",
  builder: (yargs) =>
    withFidelityOptions(withParallelOption(withTrainingOptions(yargs)), 'full')
      // --model as train and evolve spell it: one list, whichever name, repeated or comma-separated.
      .option('models', { alias: 'model', type: 'string', requiresArg: true, default: 'resnet50', describe: 'networks, comma-separated or repeated (--model is the same flag)', coerce: choiceListFlag('models', MODELS) })
      .option('activations', { type: 'string', requiresArg: true, default: PAPER_ACTIVATIONS.join(','), describe: 'comma-separated activations', coerce: choiceListFlag('activations', ACTIVATIONS) })
      .option('optimizers', { type: 'string', requiresArg: true, default: PAPER_OPTIMIZERS.join(','), describe: 'comma-separated optimizers', coerce: choiceListFlag('optimizers', OPTIMIZERS) }) as never,
  handler: async (args) => {
    const halving = halvingOf(args, args.epochs);
    refuseRepeatsWithHalving(args.repeats, halving);
    await probeQueueFlag(args);
    await checkTrainingInputs(args, args.models);
    const packed = await loadDataset(args);
    const store = new Store(args.db);
    const keeper = args['save-best'] ? new BestCheckpoint(args['save-best']) : undefined;
    const base = trialSettings(args, { model: args.models[0], activation: args.activations[0], optimizer: args.optimizers[0] });
    let rows: GridRow[] = [];
    let bestCheckpoint: string | undefined;
    let evidence: GridEvidence | undefined;
    let run = 0;
    try {
      const dataset = absoluteDatasetSpec(args.dataset);
      const settings = {
        trial: base,
        ...(halving ? { fidelity: halving } : {}),
        choices: { models: args.models, optimizers: args.optimizers, activations: args.activations },
        inputs: { fingerprint: packed.header.fingerprint, ...(base.weightsFile ? { weightsSha256: (await weightsOf(base.weightsFile)).sha256 } : {}) },
      };
      // The same grid again (same data, weights and settings) continues its run, finished or stopped, instead of leaving another.
      const same = store.findIdleRun('grid', dataset, settings);
      run = same?.id ?? store.createRun('grid', dataset, args.models.length === 1 ? args.models[0] : null, settings);
      process.stderr.write(`grid run ${run} in ${args.db}${same ? ' (continued)' : ''}\n`);
      // Held while it trains, so `fer-ga runs` tells a grid in progress from a stopped one.
      rows = await withQueueTrainer(args, (trainer) => withRunOwnership(store, run, () => withInterrupt(async (signal) => {
        const done = await runGrid(store, packed, base, args, placements(args), {
          signal,
          onEvent: logTrialEvent,
          checkpoint: keeper?.trialFile,
          trainer,
          repeats: args.repeats,
          ...(halving ? { halving: { ...halving, statesDir: statesDirOf(args.cache) } } : {}),
          // Linked as each cell finishes, so a stopped grid's run still lists what it trained (a failed cell stored no trial).
          onCell: (cell) => {
            if (cell.failed !== undefined) return;
            if (cell.epochs < args.epochs) store.linkRungs(run, [{ key: cell.key, epochs: cell.epochs, trained: cell.epochsTrained > 0 }]);
            else store.linkTrials(run, (cell.repeatKeys ?? [cell.key]).map((key) => ({ key, trained: !cell.cached })));
          },
        });
        store.finishRun(run);
        return done;
      })));
      evidence = gridEvidence(store, rows, args.epochs);
      const top = bestGridRow(rows);
      if (keeper && top.failed === undefined) bestCheckpoint = await withInterrupt((signal) => keeper.keep(packed, { ...base, model: top.model, optimizer: top.optimizer, activation: top.activation }, top.accuracy, placements(args)[0], { signal }));
    } catch (error) {
      if ((error as Error).name === 'AbortError' && run > 0) {
        throw abortError(`stopped; run ${run} keeps the cells it finished, and the same command continues from them (the trial cache answers them)`);
      }
      throw error;
    } finally {
      store.close();
    }
    const { rows: cells, best, tiedCount, importance } = evidence as GridEvidence;
    const failed = rows.filter((r) => r.failed !== undefined);
    const epochsTrained = rows.reduce((sum, r) => sum + r.epochsTrained, 0);
    const fullGridEpochs = rows.length * args.epochs;
    if (args.json) {
      printJson({
        run,
        dataset: packed.header.dataset,
        fidelity: args.fidelity,
        rows: cells,
        best,
        cells: rows.length,
        epochsTrained,
        fullGridEpochs,
        trainings: rows.filter((r) => !r.cached && r.failed === undefined).length,
        failed: failed.length,
        checkpoint: bestCheckpoint ?? null,
        tiedCells: tiedCount,
        importance: importance.ok ? importance.importance : null,
        ...(importance.ok ? {} : { importanceNote: importance.reason }),
      });
      return;
    }
    printTable(
      ['network', 'optimizer', ...args.activations],
      args.models.flatMap((model) =>
        args.optimizers.map((optimizer) => [
          model,
          optimizer,
          ...args.activations.map((activation) => {
            const row = cells.find((r) => r.model === model && r.optimizer === optimizer && r.activation === activation);
            if (!row) return '';
            if (row.failed !== undefined) return 'failed';
            // A cell stopped by halving shows how far it got; ≈ marks the cells tied with the best.
            const seeds = row.repeats ? `, sd ${((row.sd ?? 0) * 100).toFixed(1)}, seeds ${formatInterval(row.seedInterval ?? null)}` : '';
            return `${formatAccuracy(row.accuracy, row.interval ?? null)}${seeds}${row.diverged ? '*' : ''}${row.epochs < args.epochs ? ` (${row.epochs}/${args.epochs} ep)` : ''}${row.tied ? ' ≈' : ''}`;
          }),
        ]),
      ),
      [false, false, ...args.activations.map(() => true)],
    );
    if (args.repeats > 1) {
      process.stdout.write(`\neach cell: the mean of ${args.repeats} training seeds on one split [95% Wilson interval over the images of every seed], the seeds' sd, and the 95% t interval of the mean over seeds\n`);
    }
    process.stdout.write(`\n${args.fidelity === 'halving' ? 'halving: ' : ''}${describeCost(epochsTrained, fullGridEpochs * args.repeats)}\n`);
    if (best.failed === undefined) {
      process.stdout.write(`\nbest: ${best.model} ${best.activation} + ${best.optimizer} (${formatAccuracy(best.accuracy, best.interval ?? null, 2)})${rows.some((r) => r.diverged) ? '; * diverged' : ''}\n`);
      process.stdout.write(`${describeTies(tiedCount, cells.length, cells.some((r) => r.tied === null && r.failed === undefined), args.repeats > 1)}\n`);
      process.stdout.write(`importance: ${describeImportance(importance)}\n`);
    } else {
      process.stdout.write('\nno best: every cell failed\n');
    }
    // Stored as failed; the same command asks the queue for them again.
    for (const row of failed) process.stdout.write(`failed: ${row.model} ${row.activation} + ${row.optimizer}: ${row.failed}\n`);
    if (bestCheckpoint) process.stdout.write(`checkpoint: ${bestCheckpoint}\n`);
  },
};

