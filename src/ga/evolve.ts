/**
 * The GA as a state machine whose whole state (population, fitness so far, generation,
 * random-generator state, history) is saved after every step, so a killed run resumes
 * where it stopped and ends exactly as an uninterrupted one.
 *
 *   init → evaluate → select → crossover → mutate → next → evaluate … → done
 *
 * Codes that name no choice (11 in a 2-bit gene of three choices) are never trained:
 * they are redrawn among the valid codes right after initialisation and mutation (see
 * repairInvalidGenes). Should one reach evaluation anyway (a resumed state from an
 * older policy), its fitness is 0.
 *
 * Crossover and mutation come from the run's operator set (operator-sets.ts): the
 * paper's, or the default that keeps every choice reachable.
 */
import { abortError } from '../util/errors';
import { Random } from '../util/random';
import type { IndividualRecord, Store } from '../store/store';
import { Genome, type Chromosome, type Gene, type Genes } from './genome';
import { isOperatorSetName, OPERATOR_SET_NAMES, OPERATOR_SETS, type OperatorSetName } from './operator-sets';
import { evaluateGeneration, generationSummary, halvingRanks, isRungFitnessSource, leadingGenome, standingOf, type HalvingSettings, type HalvingState, type RungFitnessSource } from './halving';
import { initialPopulation, mutatesIn, repairInvalidGenes, selectTopHalf } from './operators';

export interface FitnessResult {
  fitness: number;
  /** The stored trial it came from (null for table fitness). */
  trialKey: string | null;
  /** True when this call trained a network (not a cache or table hit). */
  trained: boolean;
  /** Epochs this call trained (0 when nothing trained). */
  epochsTrained?: number;
  /**
   * Why the training failed for good (a queue's trial after every attempt): the fitness is
   * 0 for this generation only, never remembered, so the genome is tried again when a
   * later generation asks for it.
   */
  failed?: string;
}

/**
 * The GA's only view of training: a batch of genomes in, their fitness out, in order. The
 * source decides how many of a batch train at once (and where); the GA decides how many
 * distinct genomes go in one batch (`parallel`) and saves its state after each.
 */
export interface FitnessSource {
  evaluate(batch: readonly Genes[]): Promise<FitnessResult[]>;
}

/** The GA's settings as a run uses them. */
export interface GaSettings {
  generations: number;
  population: number;
  /**
   * Seeds the GA's own generator (initial population, crossover, mutation) and nothing
   * else: the training seed belongs to the trials, so runs with different GA seeds share
   * every trial they both ask for.
   */
  gaSeed: number;
  /** Which operators the run uses (operator-sets.ts). */
  operators: OperatorSetName;
  genes: Gene[];
  /**
   * Multi-fidelity by asynchronous successive halving (ga/halving.ts); absent: every
   * candidate trains the full schedule (the paper's behaviour, and every run saved before).
   */
  fidelity?: HalvingSettings;
}

/**
 * Settings as runs saved them before the GA seed and the operators were settings of
 * their own: `seed` seeded the GA (and the training), and the operators were the paper's.
 */
export interface LegacyGaSettings {
  generations: number;
  population: number;
  seed: number;
  genes: Gene[];
}

/** What a run is given and saves: current settings, or those of a run an older version began (it resumes as it began). */
export type EvolveSettings = GaSettings | LegacyGaSettings;

/** The settings a run uses, from current or legacy ones. */
export function gaSettings(settings: EvolveSettings): GaSettings {
  const gaSeed = 'gaSeed' in settings ? settings.gaSeed : settings.seed;
  const operators = 'gaSeed' in settings ? settings.operators : 'paper';
  if (!Number.isInteger(gaSeed) || gaSeed < 0 || gaSeed > 2 ** 32 - 1) throw new Error(`the GA seed must be an integer from 0 to 2^32-1 (got ${String(gaSeed)})`);
  if (!isOperatorSetName(operators)) throw new Error(`operators must be one of ${OPERATOR_SET_NAMES.join(', ')} (got ${String(operators)})`);
  const fidelity = 'fidelity' in settings ? settings.fidelity : undefined;
  return { generations: settings.generations, population: settings.population, gaSeed, operators, genes: settings.genes, ...(fidelity ? { fidelity } : {}) };
}

export type Phase = 'init' | 'evaluate' | 'select' | 'crossover' | 'mutate' | 'next' | 'done';

export interface EvolveState {
  phase: Phase;
  generation: number;
  population: Chromosome[];
  fitness: Array<number | null>;
  trialKeys: Array<string | null>;
  parents: Chromosome[];
  random: number[];
  history: Array<{ generation: number; best: number; mean: number }>;
  evaluations: number;
  /** Fitness of every distinct chromosome evaluated so far, by its bits. */
  known: Record<string, number>;
  knownTrials: Record<string, string | null>;
  /** With halving: every candidate's accuracy per rung, and its trial key. */
  halving?: HalvingState;
}

export interface EvolveResult {
  run: number;
  /** `epochs`: how far the pick was trained (with halving it is the full schedule, unless the run stopped early). */
  best: { genes: Genes; fitness: number; epochs?: number };
  generations: number;
  evaluations: number;
  distinct: number;
  trainings: number;
  /** Epochs trained by this invocation (over every trial; not counting folds). */
  epochsTrained: number;
  history: Array<{ generation: number; best: number; mean: number }>;
}

export type EvolveEvent =
  | { kind: 'step'; phase: Phase; generation: number }
  | { kind: 'individual'; generation: number; position: number; genes: Genes | null; fitness: number; trained: boolean };

export interface EvolveOptions {
  store: Store;
  run: number;
  fitness: FitnessSource;
  /** Distinct chromosomes evaluated at once (default 1). */
  parallel?: number;
  signal?: AbortSignal;
  onEvent?: (event: EvolveEvent) => void;
}

export function initialState(settings: EvolveSettings): EvolveState {
  return {
    phase: 'init',
    generation: 1,
    population: [],
    fitness: [],
    trialKeys: [],
    parents: [],
    random: new Random(gaSettings(settings).gaSeed).state(),
    history: [],
    evaluations: 0,
    known: {},
    knownTrials: {},
  };
}

export function validateSettings(settings: GaSettings): void {
  if (!Number.isInteger(settings.generations) || settings.generations < 1) throw new Error(`generations must be a positive integer (got ${settings.generations})`);
  if (!Number.isInteger(settings.population) || settings.population < 4 || settings.population % 2 !== 0) {
    throw new Error(`population must be an even integer of at least 4 (got ${settings.population})`);
  }
}

function bestOf(state: EvolveState, genome: Genome): { genes: Genes; fitness: number } {
  let best: { genes: Genes; fitness: number } | undefined;
  for (const [bits, fitness] of Object.entries(state.known)) {
    const genes = genome.decode(bits.split('').map(Number));
    if (genes && (!best || fitness > best.fitness)) best = { genes, fitness };
  }
  if (!best) throw new Error('no valid chromosome was evaluated');
  return best;
}

/** Up to `limit` distinct, valid chromosomes of this generation still to be evaluated, in order. */
function unknownGenomes(state: EvolveState, genome: Genome, limit: number): Array<{ bits: string; genes: Genes }> {
  const out: Array<{ bits: string; genes: Genes }> = [];
  state.population.forEach((chromosome, i) => {
    if (out.length >= limit || state.fitness[i] !== null) return;
    const bits = genome.key(chromosome);
    const genes = genome.decode(chromosome);
    if (genes && !(bits in state.known) && !out.some((o) => o.bits === bits)) out.push({ bits, genes });
  });
  return out;
}

/** Runs (or resumes) run `options.run` to the end. */
export async function runEvolution(given: EvolveSettings, options: EvolveOptions): Promise<EvolveResult> {
  const { store, run, fitness, signal, onEvent } = options;
  const parallel = options.parallel ?? 1;
  const trainedHere = new Set<string>();
  // Genomes whose training failed for good in this generation: 0 here, asked for again in the next.
  const failedNow = new Set<string>();
  const settings = gaSettings(given);
  validateSettings(settings);
  const operators = OPERATOR_SETS[settings.operators];
  const genome = new Genome(settings.genes);
  const record = store.getRun<EvolveState>(run);
  if (!record) throw new Error(`run ${run} does not exist`);
  let state: EvolveState = record.state ?? initialState(settings);
  let trainings = 0;
  let epochsTrained = 0;
  const fidelity = settings.fidelity;
  const rungSource = fidelity && isRungFitnessSource(fitness) ? fitness : undefined;
  if (fidelity && !rungSource) throw new Error('halving needs a fitness that trains (a fitness table has no epochs)');
  const bitsOf = (chromosome: Chromosome) => genome.key(chromosome);

  const save = (generationRows?: Parameters<Store['saveRunState']>[3]) =>
    store.saveRunState(run, state, state.phase === 'done' ? 'done' : 'running', generationRows);

  while (state.phase !== 'done') {
    if (signal?.aborted) throw abortError();
    const random = Random.fromState(state.random);
    onEvent?.({ kind: 'step', phase: state.phase, generation: state.generation });
    let generationRows: Parameters<Store['saveRunState']>[3];
    switch (state.phase) {
      case 'init': {
        const population = repairInvalidGenes(genome, initialPopulation(genome, settings.population, random), random);
        state = { ...state, population, fitness: population.map(() => null), trialKeys: population.map(() => null), phase: 'evaluate' };
        break;
      }
      case 'evaluate': {
        if (fidelity && state.fitness.some((f) => f === null)) {
          state = await evaluateByHalving(state, fidelity);
          break;
        }
        const position = state.fitness.findIndex((f) => f === null);
        const batch = parallel > 1 && position >= 0 ? unknownGenomes(state, genome, parallel) : [];
        if (batch.length > 1) {
          // Train several distinct chromosomes at once; their fitness is recorded as known
          // (and saved) before the positions are filled one by one below.
          const results = await fitness.evaluate(batch.map((entry) => entry.genes));
          const known = { ...state.known };
          const knownTrials = { ...state.knownTrials };
          batch.forEach((entry, i) => {
            if (results[i].failed !== undefined) {
              failedNow.add(entry.bits);
              return;
            }
            known[entry.bits] = results[i].fitness;
            knownTrials[entry.bits] = results[i].trialKey;
            if (results[i].trained) {
              trainings++;
              trainedHere.add(entry.bits);
            }
            epochsTrained += results[i].epochsTrained ?? 0;
          });
          state = { ...state, known, knownTrials };
          break;
        }
        if (position >= 0) {
          // One individual a step: its result is saved before the next one starts.
          const chromosome = state.population[position];
          const bits = genome.key(chromosome);
          const genes = genome.decode(chromosome) ?? null;
          let value = 0;
          let trialKey: string | null = null;
          let trained = false;
          let failed = false;
          if (genes) {
            if (failedNow.has(bits)) {
              failed = true;
            } else if (bits in state.known) {
              value = state.known[bits];
              trialKey = state.knownTrials[bits] ?? null;
              trained = trainedHere.delete(bits);
            } else {
              const [result] = await fitness.evaluate([genes]);
              value = result.failed !== undefined ? 0 : result.fitness;
              trialKey = result.trialKey;
              trained = result.trained;
              failed = result.failed !== undefined;
              if (failed) failedNow.add(bits);
              if (trained) trainings++;
              epochsTrained += result.epochsTrained ?? 0;
            }
          }
          const fitnessList = [...state.fitness];
          fitnessList[position] = value;
          const keys = [...state.trialKeys];
          keys[position] = trialKey;
          state = {
            ...state,
            fitness: fitnessList,
            trialKeys: keys,
            evaluations: state.evaluations + 1,
            known: genes && !failed ? { ...state.known, [bits]: value } : state.known,
            knownTrials: genes && !failed ? { ...state.knownTrials, [bits]: trialKey } : state.knownTrials,
          };
          onEvent?.({ kind: 'individual', generation: state.generation, position, genes, fitness: value, trained });
          break;
        }
        const values = state.fitness as number[];
        const summary = fidelity
          ? generationSummary(state.halving, fidelity, state.population.map(bitsOf))
          : { best: Math.max(...values), mean: values.reduce((a, b) => a + b, 0) / values.length };
        const entry = { generation: state.generation, ...summary };
        const individuals: IndividualRecord[] = state.population.map((c, i) => {
          const standing = fidelity ? standingOf(state.halving, fidelity, bitsOf(c)) : undefined;
          return {
            position: i,
            chromosome: genome.key(c),
            genes: genome.decode(c) ?? null,
            trialKey: state.trialKeys[i],
            fitness: values[i],
            ...(standing && !standing.full ? { epochs: standing.epochs } : {}),
          };
        });
        generationRows = { ...entry, individuals };
        state = { ...state, history: [...state.history, entry], phase: state.generation >= settings.generations ? 'done' : 'select' };
        break;
      }
      case 'select':
        state = {
          ...state,
          parents: selectTopHalf(state.population, fidelity ? halvingRanks(state.halving, fidelity, state.population.map(bitsOf)) : (state.fitness as number[])),
          phase: 'crossover',
        };
        break;
      case 'crossover':
        state = { ...state, population: operators.crossover(genome, state.parents, settings.population, random), phase: 'mutate' };
        break;
      case 'mutate':
        state = {
          ...state,
          population: mutatesIn(state.generation) ? repairInvalidGenes(genome, operators.mutate(genome, state.population, random), random) : state.population,
          phase: 'next',
        };
        break;
      case 'next':
        failedNow.clear();
        state = {
          ...state,
          generation: state.generation + 1,
          parents: [],
          fitness: state.population.map(() => null),
          trialKeys: state.population.map(() => null),
          phase: 'evaluate',
        };
        break;
    }
    state = { ...state, random: random.state() };
    save(generationRows);
  }

  return {
    run,
    best: (fidelity && leadingGenome(state.halving, fidelity, genome)) || bestOf(state, genome),
    generations: state.history.length,
    evaluations: state.evaluations,
    distinct: Object.keys(state.known).length,
    trainings,
    epochsTrained,
    history: state.history,
  };

  /**
   * The whole evaluate phase of a generation by halving; the state (with every result so
   * far) is saved after each training, so a killed run resumes from its last result.
   */
  async function evaluateByHalving(current: EvolveState, halvingSettings: HalvingSettings): Promise<EvolveState> {
    const genomes = current.population.flatMap((c) => {
      const genes = genome.decode(c);
      return genes ? [{ bits: bitsOf(c), genes }] : [];
    });
    const halving = await evaluateGeneration({
      settings: halvingSettings,
      halving: current.halving,
      genomes,
      decode: (bits) => genome.decode(bits.split('').map(Number)) as Genes,
      source: rungSource as RungFitnessSource,
      slots: parallel,
      finish: current.generation >= settings.generations,
      onResult: (progress, bits, result) => {
        if (result.trained) trainings++;
        epochsTrained += result.epochsTrained;
        const standing = standingOf(progress, halvingSettings, bits);
        state = {
          ...state,
          halving: progress,
          known: { ...state.known, [bits]: standing?.accuracy ?? 0 },
          knownTrials: { ...state.knownTrials, [bits]: standing?.full ? result.trialKey : null },
        };
        save();
      },
    });
    const fitnessList = current.population.map((c) => standingOf(halving, halvingSettings, bitsOf(c))?.accuracy ?? 0);
    const keys = current.population.map((c) => {
      const standing = standingOf(halving, halvingSettings, bitsOf(c));
      return standing?.full ? standing.key : null;
    });
    current.population.forEach((c, position) =>
      onEvent?.({ kind: 'individual', generation: current.generation, position, genes: genome.decode(c) ?? null, fitness: fitnessList[position], trained: false }),
    );
    return { ...state, halving, fitness: fitnessList, trialKeys: keys, evaluations: state.evaluations + current.population.length };
  }
}
