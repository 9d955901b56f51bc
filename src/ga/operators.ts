/**
 * The paper's operators, each a pure function of (population, random): the only state
 * they touch is the generator, whose state the caller saves.
 */
import type { Random } from '../random';
import type { Chromosome, Genome } from './genome';

/**
 * "Gene uniform distribution": half the population random bit strings, the other half
 * their complements, so every bit position holds as many 0s as 1s.
 */
export function initialPopulation(genome: Genome, size: number, random: Random): Chromosome[] {
  if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) throw new Error(`population must be an even number of at least 2 (got ${size})`);
  const half = Array.from({ length: size / 2 }, () => Array.from({ length: genome.length }, () => random.int(2)));
  return [...half, ...half.map((c) => c.map((bit) => 1 - bit))];
}

/** Rank by fitness (best first; ties keep population order) and keep the top half. */
export function selectTopHalf(population: Chromosome[], fitness: number[]): Chromosome[] {
  const order = population.map((_, i) => i).sort((a, b) => fitness[b] - fitness[a] || a - b);
  return order.slice(0, Math.max(1, Math.floor(population.length / 2))).map((i) => [...population[i]]);
}

/** How often a child that copies a chromosome already in the next population is drawn again. */
export const DUPLICATE_REDRAWS = 10;

/**
 * Uniform crossover refilling the population to `size`: two distinct random parents and
 * a random threshold per child; each gene comes from parent 1 when its draw is above the
 * threshold, else from parent 2. A child identical to one already in the population is
 * drawn again (up to DUPLICATE_REDRAWS times): a copy costs nothing to evaluate (the
 * trial cache has it) but takes a slot that could explore, and with 8 individuals over
 * 9 genomes those slots are the whole search.
 */
export function crossover(genome: Genome, parents: Chromosome[], size: number, random: Random): Chromosome[] {
  const next = parents.map((p) => [...p]);
  if (parents.length < 2) throw new Error('crossover needs at least two parents');
  const present = new Set(next.map((c) => genome.key(c)));
  while (next.length < size) {
    let child: Chromosome = [];
    for (let attempt = 0; attempt <= DUPLICATE_REDRAWS; attempt++) {
      child = uniformChild(genome, parents, random);
      if (!present.has(genome.key(child))) break;
    }
    present.add(genome.key(child));
    next.push(child);
  }
  return next;
}

function uniformChild(genome: Genome, parents: Chromosome[], random: Random): Chromosome {
  const first = random.int(parents.length);
  let second = random.int(parents.length - 1);
  if (second >= first) second++;
  const threshold = random.next();
  const child: Chromosome = [];
  genome.genes.forEach((_, g) => {
    const from = random.next() > threshold ? parents[first] : parents[second];
    const at = genome.offset(g);
    child.push(...from.slice(at, at + genome.widths[g]));
  });
  return child;
}

export const MUTATION_PERIOD = 5;

export function mutatesIn(generation: number): boolean {
  return generation > 0 && generation % MUTATION_PERIOD === 0;
}

/** Complements one gene (all of its bits) of one random chromosome. */
export function mutate(genome: Genome, population: Chromosome[], random: Random): Chromosome[] {
  const next = population.map((c) => [...c]);
  const who = random.int(next.length);
  const gene = random.int(genome.genes.length);
  const at = genome.offset(gene);
  for (let b = at; b < at + genome.widths[gene]; b++) next[who][b] = 1 - next[who][b];
  return next;
}

/**
 * The policy for codes that name no choice (11 for three choices): each such gene is
 * redrawn uniformly among the valid codes, so no chromosome that cannot be trained ever
 * reaches evaluation. Applied after initialisation and mutation (crossover copies whole
 * genes from valid parents, so it cannot make one). Besides never training nonsense, the
 * redraw is the only way a choice lost from the population can come back: the paper's
 * mutation turns 00 into 11 and never into 00.
 */
export function repairInvalidGenes(genome: Genome, population: Chromosome[], random: Random): Chromosome[] {
  return population.map((chromosome) => {
    const codes = genome.codes(chromosome);
    if (codes.every((code, g) => code < genome.genes[g].choices.length)) return [...chromosome];
    const genes: Record<string, string> = {};
    genome.genes.forEach((gene, g) => {
      genes[gene.name] = gene.choices[codes[g] < gene.choices.length ? codes[g] : random.int(gene.choices.length)];
    });
    return genome.encode(genes);
  });
}
