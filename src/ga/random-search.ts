/**
 * Random search: the baseline a multi-fidelity GA has to beat at the same cost. Distinct
 * genomes are drawn uniformly (without replacement) from every valid combination of the
 * genes, and each is trained to full length until the epoch budget is spent; the pick is
 * the best of those.
 */
import { Random } from '../util/random';
import { Genome, type Gene, type Genes } from './genome';

export interface RandomSearchOptions {
  /** Epochs the search may train in all; it trains round(budget / epochs) genomes, at least one. */
  budgetEpochs: number;
  /** Epochs of each (full-length) trial. */
  epochs: number;
  seed: number;
}

export interface RandomSearchResult {
  best: { genes: Genes; fitness: number };
  /** In the order drawn. */
  tried: Array<{ genes: Genes; fitness: number }>;
  epochsTrained: number;
}

/** The genomes a search with these options trains, in order. */
export function randomSearchDraws(genes: readonly Gene[], options: RandomSearchOptions): Genes[] {
  if (!(options.epochs >= 1) || !(options.budgetEpochs >= 0)) throw new Error(`random search needs epochs ≥ 1 and a budget ≥ 0 (got ${options.epochs}, ${options.budgetEpochs})`);
  const genome = new Genome(genes);
  const all = genome.all().map((chromosome) => genome.decode(chromosome) as Genes);
  const count = Math.min(all.length, Math.max(1, Math.round(options.budgetEpochs / options.epochs)));
  return new Random(options.seed).shuffle(all).slice(0, count);
}

/** Trains the drawn genomes one after another with `evaluate` (a full-length trial's accuracy). */
export async function randomSearch(
  genes: readonly Gene[],
  options: RandomSearchOptions,
  evaluate: (genes: Genes) => Promise<number>,
): Promise<RandomSearchResult> {
  const tried: RandomSearchResult['tried'] = [];
  for (const drawn of randomSearchDraws(genes, options)) tried.push({ genes: drawn, fitness: await evaluate(drawn) });
  // Ties go to the first drawn, as a researcher reading the list top-down would pick.
  const best = tried.reduce((a, b) => (b.fitness > a.fitness ? b : a));
  return { best, tried, epochsTrained: tried.length * options.epochs };
}
