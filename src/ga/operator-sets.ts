/**
 * The operator sets a run can use (EvolveSettings.operators). Both share the paper's
 * initialisation, selection, crossover and mutation schedule (every MUTATION_PERIOD-th
 * generation); they differ in what keeps the search from losing a choice.
 *
 * - 'paper': the paper's operators exactly. Its mutation complements a gene, which never
 *   turns another code into 00, and crossover only recombines the parents' genes; so once
 *   no chromosome carries a choice (say relu, 00) it is gone for good and the pick depends
 *   on the seed: on the paper's own tables it misses the table's best in up to about a
 *   quarter of seeds.
 * - 'reachable' (the default): every choice stays reachable. Mutation gives the gene any
 *   other valid choice, and a child that crossover can only make as a copy of a chromosome
 *   already in the population (the parents have converged) is replaced by an immigrant
 *   drawn among the valid chromosomes not in the population.
 */
import type { Random } from '../util/random';
import type { Chromosome, Genome } from './genome';
import { crossover, mutate, mutateToAnyChoice } from './operators';

export const OPERATOR_SET_NAMES = ['reachable', 'paper'] as const;

export type OperatorSetName = (typeof OPERATOR_SET_NAMES)[number];

export const DEFAULT_OPERATORS: OperatorSetName = 'reachable';

export interface OperatorSet {
  crossover(genome: Genome, parents: Chromosome[], size: number, random: Random): Chromosome[];
  mutate(genome: Genome, population: Chromosome[], random: Random): Chromosome[];
}

export const OPERATOR_SETS: Record<OperatorSetName, OperatorSet> = {
  paper: {
    crossover: (genome, parents, size, random) => crossover(genome, parents, size, random),
    mutate,
  },
  reachable: {
    crossover: (genome, parents, size, random) => crossover(genome, parents, size, random, true),
    mutate: mutateToAnyChoice,
  },
};

export function isOperatorSetName(value: unknown): value is OperatorSetName {
  return typeof value === 'string' && (OPERATOR_SET_NAMES as readonly string[]).includes(value);
}
