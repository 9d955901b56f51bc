import path from 'path';
import type { CommandModule } from 'yargs';

import { describePick, pickOfRun } from '../../study/pick-verdict';

import { absoluteDatasetSpec, type PreparedDataset } from '../../data/dataset';
import { abortError, UsageError } from '../../util/errors';
import { gaSettings, runEvolution, type EvolveSettings, type EvolveState, type FitnessSource } from '../../ga/evolve';
import { readFitnessTable, TableFitness } from '../../ga/fitness-table';
import { GENE_CHOICES, genesByName, GENE_NAMES } from '../../ga/genes';
import { DEFAULT_OPERATORS, OPERATOR_SET_NAMES, type OperatorSetName } from '../../ga/operator-sets';
import type { ActivationName, ModelName, OptimizerName } from '../../names';
import { displayUrl } from '../../queue/connection';
import { withRunOwnership } from '../../store/run-ownership';
import { Store } from '../../store/store';
import { BestCheckpoint } from '../../study/best-checkpoint';
import { applyGenes, placedThreads, TrainingFitness, weightsOf, type TrialSettings } from '../../study/trials';
import { choiceFlag, geneListFlag, integerFlag } from '../arguments';
import { RungTrainingFitness } from '../../fidelity/rung-fitness';
import { describeCost } from '../../fidelity/rungs';
import { halvingOf, refuseRepeatsWithHalving, statesDirOf, withFidelityOptions, type FidelityArguments } from '../fidelity-options';
import { datasetArguments, loadDataset, type DatasetArguments } from '../dataset-options';
import { explicitFlags } from '../explicit-flags';
import { withInterrupt } from '../interrupt';
import type { GlobalArguments } from '../global-arguments';
import { printJson } from '../output';
import { checkRunInputs, fileSha256, type RunInputs } from '../run-inputs';
import {
  activationFlag,
  checkTrainingInputs,
  logTrialEvent,
  modelFlag,
  optimizerFlag,
  placement,
  placements,
  probeQueueFlag,
  trialSettings,
  withQueueTrainer,
  withParallelOption,
  withTrainingOptions,
  type ParallelArguments,
  type TrainingArguments,
} from '../training-options';

interface EvolveArguments extends TrainingArguments, ParallelArguments, FidelityArguments {
  model: ModelName;
  /** The activation and optimizer of every candidate when --genes does not search them. */
  activation: ActivationName;
  optimizer: OptimizerName;
  'fitness-table'?: string;
  generations: number;
  population: number;
  resume?: number;
  genes: string[];
  'ga-seed'?: number;
  operators: OperatorSetName;
}

/** What an evolve run stores: enough to resume it from any folder, and to check that its inputs are unchanged. */
export interface RunSettings {
  ga: EvolveSettings;
  /** The network (or the one the fitness table's rows are for); the run record keeps it too. */
  model?: string;
  /** Absolute. */
  fitnessTable?: string;
  /**
   * The CPU threads its trials are keyed with (null: CUDA trials); absent for runs begun
   * before it was saved. A resume that would key them otherwise is refused.
   */
  cpuThreads?: number | null;
  trial?: TrialSettings;
  /** Training seeds per genome, its fitness their mean; absent for runs begun before repeats (one). */
  repeats?: number;
  /** The data-set flags, with absolute paths. */
  args: DatasetArguments;
  inputs?: RunInputs;
}

/** Flags a resumed run may take with any value: they change where and how its trials run, not what they compute. */
export const RESUME_FLAGS = new Set(['resume', 'db', 'json', 'device', 'threads', 'parallel', 'save-best', 'cache', 'queue', 'help']);

/**
 * Where each flag that defines a run is kept in its settings: given again with --resume
 * (the same command line with --resume added), it must say what the run already holds.
 * Every other flag of the command is in RESUME_FLAGS (a test holds the two lists to the command's flags).
 */
export const RUN_FLAGS: Record<string, (settings: RunSettings) => unknown> = {
  dataset: (s) => s.args.dataset,
  size: (s) => s.args.size,
  color: (s) => s.args.color,
  face: (s) => s.args.face,
  margin: (s) => s.args.margin,
  classes: (s) => s.args.classes,
  'peak-frames': (s) => s.args['peak-frames'],
  angles: (s) => s.args.angles,
  model: (s) => s.model,
  activation: (s) => s.trial?.activation,
  optimizer: (s) => s.trial?.optimizer,
  epochs: (s) => s.trial?.epochs,
  'batch-size': (s) => s.trial?.batchSize,
  lr: (s) => s.trial?.learningRate,
  // Stored only when not constant (see scheduleSetting).
  'lr-schedule': (s) => s.trial && (s.trial.learningRateSchedule ?? 'constant'),
  'weight-decay': (s) => s.trial?.weightDecay,
  augment: (s) => s.trial?.augment,
  'first-kernel': (s) => s.trial?.firstKernel,
  folds: (s) => s.trial?.folds,
  validation: (s) => s.trial?.validationFraction,
  seed: (s) => s.trial?.seed ?? (s.ga as { seed?: number }).seed,
  // Absent from a trial whose split seed is its training seed (the default).
  'split-seed': (s) => s.trial && (s.trial.splitSeed ?? s.trial.seed),
  repeats: (s) => s.repeats ?? 1,
  amp: (s) => s.trial?.amp,
  weights: (s) => s.trial?.weightsFile,
  'freeze-epochs': (s) => s.trial?.freezeEpochs,
  'partial-weights': (s) => s.trial?.partialWeights,
  'fitness-table': (s) => s.fitnessTable,
  generations: (s) => s.ga.generations,
  population: (s) => s.ga.population,
  genes: (s) => s.ga.genes.map((g) => g.name),
  'ga-seed': (s) => gaSettings(s.ga).gaSeed,
  operators: (s) => gaSettings(s.ga).operators,
  fidelity: (s) => (gaSettings(s.ga).fidelity ? 'halving' : 'full'),
  'min-epochs': (s) => gaSettings(s.ga).fidelity?.minEpochs,
  eta: (s) => gaSettings(s.ga).fidelity?.eta,
};

/** Refuses a flag given with --resume that would change the run: one line naming it, its value and the run's. */
function refuseChangingFlags(run: number, stored: RunSettings, args: EvolveArguments): void {
  const asGiven = newRunSettings(args);
  for (const typed of explicitFlags()) {
    // yargs takes --batchSize for --batch-size.
    const flag = typed.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (RESUME_FLAGS.has(flag)) continue;
    const field = RUN_FLAGS[flag];
    const given = field?.(asGiven);
    const held = field?.(stored);
    if (!field || JSON.stringify(given ?? null) !== JSON.stringify(held ?? null)) {
      const show = (value: unknown) => (value === undefined || value === null ? 'unset' : Array.isArray(value) ? value.join(',') : String(value));
      throw new UsageError(
        `--resume ${run} continues the run with its own settings: --${flag} ${show(given)} differs from the run's ${show(held)} (drop it, or start a new run)`,
      );
    }
  }
}

/** Every network a run may train: each value of the model gene, or the one --model. */
function networksOf(settings: Pick<RunSettings, 'ga' | 'trial'>): ModelName[] {
  const searchesModel = settings.ga.genes.some((gene) => gene.name === 'model');
  return searchesModel ? (GENE_CHOICES.model as ModelName[]) : settings.trial ? [settings.trial.model] : [];
}

/**
 * --device and --threads may change on resume only where the trials keep their keys: a
 * CPU trial's key holds its thread count, and a CPU trial is another trial than a CUDA one.
 */
function refuseOtherKeys(run: number, stored: RunSettings, args: EvolveArguments): void {
  if (stored.fitnessTable || stored.cpuThreads === undefined) return;
  const given = placedThreads(placement(args));
  if (given === stored.cpuThreads) return;
  const show = (threads: number | null) => (threads === null ? 'on CUDA' : `on the CPU with ${threads} thread${threads === 1 ? '' : 's'}`);
  const fix = stored.cpuThreads === null ? '--device cuda' : `--device cpu --threads ${stored.cpuThreads}`;
  throw new UsageError(`--resume ${run}: its trials are keyed as trained ${show(stored.cpuThreads)}; --device ${args.device} --threads ${args.threads} would train them ${show(given)}, as other trials (give ${fix}, or start a new run)`);
}

function newRunSettings(args: EvolveArguments): RunSettings {
  const fitnessTable = args['fitness-table'] && path.resolve(args['fitness-table']);
  // Halving stops training part-way: a fitness table has no epochs, so its runs are full (the default gives way; the flag is refused).
  if (fitnessTable && args.fidelity === 'halving' && explicitFlags().has('fidelity')) {
    throw new UsageError('--fidelity halving needs training: a --fitness-table has no epochs to stop early (drop --fidelity or use --fidelity full)');
  }
  const fidelity = fitnessTable ? undefined : halvingOf(args, args.epochs);
  refuseRepeatsWithHalving(args.repeats, fidelity);
  if (fitnessTable && args.repeats > 1) throw new UsageError('--repeats needs training: a --fitness-table holds one accuracy a combination');
  const settings: RunSettings = {
    ga: {
      generations: args.generations,
      population: args.population,
      gaSeed: args['ga-seed'] ?? args.seed,
      operators: args.operators,
      genes: genesByName(args.genes),
      ...(fidelity ? { fidelity } : {}),
    },
    fitnessTable,
    model: args.model,
    ...(fitnessTable ? {} : { cpuThreads: placedThreads(placement(args)) }),
    ...(args.repeats > 1 ? { repeats: args.repeats } : {}),
    // A gene the run does not search takes its flag's value; applyGenes sets those it does.
    trial: fitnessTable ? undefined : trialSettings(args, { model: args.model, activation: args.activation, optimizer: args.optimizer }),
    // With a fitness table, --dataset names its rows, not files.
    args: { ...datasetArguments(args), dataset: fitnessTable ? args.dataset : absoluteDatasetSpec(args.dataset), cache: path.resolve(args.cache) },
  };
  if (fitnessTable && settings.ga.genes.some((g) => g.name !== 'activation' && g.name !== 'optimizer')) {
    throw new UsageError('a fitness table holds activation × optimizer only: use --genes activation,optimizer with --fitness-table');
  }
  return settings;
}

/**
 * What can be refused before any data set is prepared or anything trained: every network
 * a gene can pick must take the input size (a resumed run is checked again, with its own
 * settings), the weights must read, --save-best must be writable.
 */
async function checkRunSettings(settings: RunSettings, args: EvolveArguments): Promise<void> {
  if (settings.fitnessTable) return;
  await checkTrainingInputs(
    {
      size: settings.args.size,
      weights: settings.trial?.weightsFile,
      'save-best': args['save-best'],
      'freeze-epochs': settings.trial?.freezeEpochs,
      'partial-weights': settings.trial?.partialWeights,
    },
    networksOf(settings),
  );
}

export const evolveCommand: CommandModule<GlobalArguments, EvolveArguments> = {
  command: 'evolve',
  describe: 'the genetic algorithm over activation × optimizer (and more genes); fitness from training (or --fitness-table)',
  builder: (yargs) =>
    withFidelityOptions(withParallelOption(withTrainingOptions(yargs)), 'halving')
      .option('model', modelFlag())
      .option('activation', { ...activationFlag(), describe: 'activation of every candidate, unless --genes searches it' })
      .option('optimizer', { ...optimizerFlag(), describe: 'optimizer of every candidate, unless --genes searches it' })
      .option('fitness-table', { type: 'string', requiresArg: true, describe: 'CSV or JSON of dataset,model,optimizer,activation,accuracy; --dataset names the rows' })
      .option('generations', { requiresArg: true, default: 20, describe: 'generations', coerce: integerFlag('generations', 1, 10000) })
      .option('population', { requiresArg: true, default: 8, describe: 'population (even)', coerce: integerFlag('population', 4, 10000) })
      .option('genes', {
        type: 'string',
        requiresArg: true,
        default: 'activation,optimizer',
        describe: `genes to search: ${GENE_NAMES.map((g) => g.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', ')}`,
        coerce: geneListFlag('genes'),
      })
      .option('ga-seed', { requiresArg: true, describe: "seed of the GA's own draws (default: --seed); not part of any trial", coerce: integerFlag('ga-seed', 0, 2 ** 32 - 1) })
      .option('operators', {
        requiresArg: true,
        default: DEFAULT_OPERATORS,
        describe: "reachable (every choice stays reachable) or paper (the paper's operators exactly)",
        coerce: choiceFlag('operators', OPERATOR_SET_NAMES),
      })
      .option('resume', { requiresArg: true, describe: 'continue run ID where it stopped (its own settings apply)', coerce: integerFlag('resume', 1) }) as never,
  handler: async (args) => {
    if (args.population % 2 !== 0) throw new UsageError(`--population must be even (got ${args.population})`);
    // A new run's settings are checked before the results file is opened or created.
    const fresh = args.resume === undefined ? newRunSettings(args) : undefined;
    // A fitness table trains nothing: its runs never reach the queue (a resumed run is known once read).
    if (fresh && !fresh.fitnessTable) await probeQueueFlag(args);
    if (fresh) await checkRunSettings(fresh, args);
    const store = new Store(args.db);
    let run = 0;
    try {
      let settings: RunSettings;
      let model: string = args.model;
      if (fresh) {
        settings = fresh;
      } else {
        const existing = store.getRun<EvolveState>(args.resume as number);
        if (!existing || existing.kind !== 'evolve') throw new UsageError(`--resume ${args.resume}: no evolve run with that id in ${args.db}`);
        settings = { ...(existing.settings as unknown as RunSettings), model: existing.model ?? undefined };
        refuseChangingFlags(existing.id, settings, args);
        refuseOtherKeys(existing.id, settings, args);
        if (explicitFlags().has('cache')) settings = { ...settings, args: { ...settings.args, cache: path.resolve(args.cache) } };
        model = existing.model ?? model;
        run = existing.id;
        if (!settings.fitnessTable) await probeQueueFlag(args);
        await checkRunSettings(settings, args);
      }
      const keeper = args['save-best'] && !settings.fitnessTable ? new BestCheckpoint(args['save-best']) : undefined;

      let packed: PreparedDataset | undefined;
      let table: TableFitness | undefined;
      const inputs: RunInputs = {};
      if (settings.fitnessTable) {
        table = new TableFitness(readFitnessTable(settings.fitnessTable), settings.args.dataset, model, settings.fitnessTable);
        inputs.fitnessTableSha256 = fileSha256(settings.fitnessTable, 'fitness table');
      } else {
        packed = await loadDataset(settings.args);
        inputs.fingerprint = packed.header.fingerprint;
        if (settings.trial?.weightsFile) {
          const read = await weightsOf(settings.trial.weightsFile);
          // A run begun when keys hashed the weights file's bytes recorded those.
          inputs.weightsSha256 = settings.inputs?.weightsSha256 === read.fileSha256 ? read.fileSha256 : read.sha256;
        }
      }
      if (run > 0) {
        checkRunInputs(run, settings.inputs ?? {}, inputs, { dataset: settings.args.dataset, weights: settings.trial?.weightsFile, fitnessTable: settings.fitnessTable });
      } else {
        settings = { ...settings, inputs };
        run = store.createRun('evolve', settings.args.dataset, model, settings as unknown as Record<string, unknown>);
      }
      process.stderr.write(`evolve run ${run} in ${args.db}${args.resume !== undefined ? ' (resumed)' : ''}\n`);

      const ga = gaSettings(settings.ga);
      // One process steps a run at a time: a second `--resume` of it is refused, naming the holder.
      // With a fitness table nothing trains, so no queue is needed.
      await withQueueTrainer(table ? {} : args, (trainer) => withRunOwnership(store, run, () => withInterrupt(async (signal) => {
        let fitness: FitnessSource;
        if (table) {
          fitness = table;
        } else if (ga.fidelity) {
          fitness = new RungTrainingFitness(store, packed as PreparedDataset, settings.trial as TrialSettings, placements(args), {
            signal,
            onEvent: logTrialEvent,
            checkpoint: keeper?.trialFile,
            run,
            trainer,
            statesDir: statesDirOf(settings.args.cache),
          });
        } else {
          fitness = new TrainingFitness(store, packed as PreparedDataset, settings.trial as TrialSettings, placements(args), {
            signal,
            onEvent: logTrialEvent,
            checkpoint: keeper?.trialFile,
            run,
            trainer,
            repeats: settings.repeats ?? 1,
          });
        }
        const result = await runEvolution(ga, {
          store,
          run,
          fitness,
          // On a queue a whole generation is queued at once: its workers decide how many train together.
          parallel: trainer ? ga.population : args.parallel,
          signal,
          onEvent: (e) => {
            if (e.kind === 'individual' && e.position === ga.population - 1) {
              process.stderr.write(`generation ${e.generation}/${ga.generations} evaluated\n`);
            }
          },
        });
        const checkpoint =
          keeper && packed
            ? await keeper.keep(packed, applyGenes(settings.trial as TrialSettings, result.best.genes), result.best.fitness, placements(args)[0], { signal })
            : null;
        // The pick held against the best candidate trained (a fitness table has no images to compare).
        const judged = table ? undefined : pickOfRun(store, run);
        const best = {
          genes: result.best.genes,
          accuracy: result.best.fitness,
          ...(result.best.epochs !== undefined ? { epochs: result.best.epochs } : {}),
          ...(judged ? { ...judged.summary, accuracy: result.best.fitness, tiedWithBest: judged.verdict.tiedWithBest, pValue: judged.verdict.pValue } : {}),
        };
        // The cost against training every combination the genes allow, each its full schedule.
        const combinations = ga.genes.reduce((product, gene) => product * gene.choices.length, 1);
        const fullGridEpochs = table ? 0 : combinations * (settings.trial as TrialSettings).epochs;
        const fidelity = ga.fidelity ? 'halving' : 'full';
        if (args.json) printJson({ ...result, fidelity, best, candidates: result.distinct, fullGridEpochs, checkpoint });
        else {
          for (const h of result.history) process.stdout.write(`generation ${String(h.generation).padStart(2)}  best ${h.best.toFixed(4)}  mean ${h.mean.toFixed(4)}\n`);
          const pick = Object.entries(best.genes).map(([gene, choice]) => `${gene} ${choice}`).join(', ');
          process.stdout.write(
            `\nrun ${run}: best ${pick} (${(best.accuracy * 100).toFixed(2)}%); ` +
              `${result.distinct} distinct genomes in ${result.evaluations} evaluations, ${result.trainings} trainings now\n`,
          );
          if (judged) {
            const shown = { genes: judged.pick.genes, accuracy: result.best.fitness, interval: judged.summary.interval };
            process.stdout.write(`${describePick("GA's pick", shown, judged.verdict, 'the best candidate trained')}\n`);
          }
          if (!table) process.stdout.write(`${fidelity}: ${describeCost(result.epochsTrained, fullGridEpochs)}\n`);
          if (checkpoint) process.stdout.write(`checkpoint: ${checkpoint}\n`);
        }
      })));
    } catch (error) {
      if ((error as Error).name === 'AbortError' && run > 0) {
        // Its queued trials go on training meanwhile; the resumed run waits for them again.
        const queue = args.queue !== undefined ? ` --queue ${displayUrl(args.queue)}` : '';
        throw abortError(`stopped; the state is saved: resume with fer-ga evolve --resume ${run} --db ${args.db}${queue}`);
      }
      throw error;
    } finally {
      store.close();
    }
  },
};
