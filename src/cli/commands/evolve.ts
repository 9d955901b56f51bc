import type { CommandModule } from 'yargs';

import { UsageError } from '../../errors';
import { runEvolution, type EvolveSettings, type EvolveState, type FitnessSource } from '../../ga/evolve';
import { readFitnessTable, TableFitness } from '../../ga/fitness-table';
import { genesByName, GENE_NAMES } from '../../ga/genes';
import type { ModelName } from '../../names';
import { Store } from '../../store/store';
import { BestCheckpoint } from '../../best-checkpoint';
import type { PreparedDataset } from '../../data/dataset';
import { applyGenes, TrainingFitness, type TrialSettings } from '../../trials';
import { choiceListFlag, integerFlag } from '../arguments';
import { withInterrupt } from '../interrupt';
import type { GlobalArguments } from '../main';
import { printJson } from '../output';
import { checkTrainingInputs, loadDataset, logTrialEvent, modelFlag, placements, trialSettings, withTrainingOptions, type TrainingArguments } from '../training-options';

interface EvolveArguments extends TrainingArguments {
  model: ModelName;
  'fitness-table'?: string;
  generations: number;
  population: number;
  resume?: number;
  genes: string[];
}

interface RunSettings {
  ga: EvolveSettings;
  fitnessTable?: string;
  trial?: TrialSettings;
  args: Pick<TrainingArguments, 'dataset' | 'size' | 'color' | 'face' | 'cache'>;
}

export const evolveCommand: CommandModule<GlobalArguments, EvolveArguments> = {
  command: 'evolve',
  describe: 'the genetic algorithm over activation × optimizer; fitness from training (or --fitness-table)',
  builder: (yargs) =>
    withTrainingOptions(yargs)
      .option('model', modelFlag())
      .option('fitness-table', { type: 'string', requiresArg: true, describe: 'CSV or JSON of dataset,model,optimizer,activation,accuracy; --dataset names the rows' })
      .option('generations', { requiresArg: true, default: 20, describe: 'generations', coerce: integerFlag('generations', 1, 10000) })
      .option('population', { requiresArg: true, default: 8, describe: 'population (even)', coerce: integerFlag('population', 4, 10000) })
      .option('genes', {
        type: 'string',
        requiresArg: true,
        default: 'activation,optimizer',
        describe: `genes to search: ${GENE_NAMES.join(', ')}`,
        coerce: choiceListFlag('genes', GENE_NAMES),
      })
      .option('resume', { requiresArg: true, describe: 'continue run ID where it stopped (its own settings apply)', coerce: integerFlag('resume', 1) }) as never,
  handler: async (args) => {
    if (args.population % 2 !== 0) throw new UsageError(`--population must be even (got ${args.population})`);
    // A resumed run was checked when it began; a fitness table trains nothing.
    if (args.resume === undefined && !args['fitness-table']) await checkTrainingInputs(args, [args.model]);
    const store = new Store(args.db);
    let run = 0;
    try {
      await withInterrupt(async (signal) => {
        let settings: RunSettings;
        let model: string = args.model;
        if (args.resume !== undefined) {
          const existing = store.getRun<EvolveState>(args.resume);
          if (!existing || existing.kind !== 'evolve') throw new UsageError(`--resume ${args.resume}: no evolve run with that id in ${args.db}`);
          settings = existing.settings as unknown as RunSettings;
          model = existing.model ?? model;
          run = existing.id;
        } else {
          settings = {
            ga: { generations: args.generations, population: args.population, seed: args.seed, genes: genesByName(args.genes) },
            fitnessTable: args['fitness-table'],
            trial: args['fitness-table'] ? undefined : trialSettings(args, { model: args.model, activation: 'relu', optimizer: 'sgdm' }),
            args: { dataset: args.dataset, size: args.size, color: args.color, face: args.face, cache: args.cache },
          };
          if (settings.fitnessTable && settings.ga.genes.some((g) => g.name !== 'activation' && g.name !== 'optimizer')) {
            throw new UsageError('a fitness table holds activation × optimizer only: use --genes activation,optimizer with --fitness-table');
          }
          run = store.createRun('evolve', args.dataset, model, settings as unknown as Record<string, unknown>);
        }
        let fitness: FitnessSource;
        let packed: PreparedDataset | undefined;
        const keeper = args['save-best'] && !settings.fitnessTable ? new BestCheckpoint(args['save-best']) : undefined;
        if (settings.fitnessTable) {
          fitness = new TableFitness(readFitnessTable(settings.fitnessTable), settings.args.dataset, model, settings.fitnessTable);
        } else {
          packed = await loadDataset({ ...args, ...settings.args });
          fitness = new TrainingFitness(store, packed, settings.trial as TrialSettings, placements(args), {
            signal,
            onEvent: logTrialEvent,
            checkpoint: keeper?.trialFile,
          });
        }
        const result = await runEvolution(settings.ga, {
          store,
          run,
          fitness,
          parallel: args.parallel,
          signal,
          onEvent: (e) => {
            if (e.kind === 'individual' && e.position === settings.ga.population - 1) {
              process.stderr.write(`generation ${e.generation}/${settings.ga.generations} evaluated\n`);
            }
          },
        });
        const checkpoint =
          keeper && packed
            ? await keeper.keep(packed, applyGenes(settings.trial as TrialSettings, result.best.genes), result.best.fitness, placements(args)[0], { signal })
            : null;
        if (args.json) printJson({ ...result, checkpoint });
        else {
          for (const h of result.history) process.stdout.write(`generation ${String(h.generation).padStart(2)}  best ${h.best.toFixed(4)}  mean ${h.mean.toFixed(4)}\n`);
          const pick = Object.entries(result.best.genes).map(([gene, choice]) => `${gene} ${choice}`).join(', ');
          process.stdout.write(
            `\nrun ${run}: best ${pick} (${(result.best.fitness * 100).toFixed(2)}%); ` +
              `${result.distinct} distinct genomes in ${result.evaluations} evaluations, ${result.trainings} trainings now\n`,
          );
          if (checkpoint) process.stdout.write(`checkpoint: ${checkpoint}\n`);
        }
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError' && run > 0) throw new Error(`stopped; the state is saved: resume with --resume ${run} --db ${args.db}`);
      throw error;
    } finally {
      store.close();
    }
  },
};
