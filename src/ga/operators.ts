/**
 * The GA's operators, each a pure function of (population, random): the only state
 * they touch is the generator, whose state the caller saves. The paper's operators, plus
 * the two that make the default operator set (operator-sets.ts) keep every choice
 * reachable: a mutation that can draw any valid code, and immigrants in place of copies.
 */
import type { Random } from '../util/random';
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
 *
 * With `immigrants`, a child that is still a copy after the redraws (the parents have
 * converged: they can only make what is already there) is replaced by an immigrant, a
 * valid chromosome drawn uniformly among those not in the population. Crossover alone
 * only recombines the parents' genes, so without immigrants a choice no parent carries
 * is gone until a mutation brings it back.
 */
export function crossover(genome: Genome, parents: Chromosome[], size: number, random: Random, immigrants = false): Chromosome[] {
  const next = parents.map((p) => [...p]);
  if (parents.length < 2) throw new Error('crossover needs at least two parents');
  const present = new Set(next.map((c) => genome.key(c)));
  while (next.length < size) {
    let child: Chromosome = [];
    for (let attempt = 0; attempt <= DUPLICATE_REDRAWS; attempt++) {
      child = uniformChild(genome, parents, random);
      if (!present.has(genome.key(child))) break;
    }
    if (immigrants && present.has(genome.key(child))) child = immigrant(genome, present, random) ?? child;
    present.add(genome.key(child));
    next.push(child);
  }
  return next;
}

/** A valid chromosome not in `present`, uniformly; undefined when every one is. */
function immigrant(genome: Genome, present: ReadonlySet<string>, random: Random): Chromosome | undefined {
  const absent = genome.all().filter((c) => !present.has(genome.key(c)));
  return absent.length > 0 ? absent[random.int(absent.length)] : undefined;
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

/**
 * The paper's mutation: complements one gene (all of its bits) of one random chromosome.
 * For a gene of three choices this only swaps 01 and 10, and turns 00 into the invalid 11
 * (redrawn by repairInvalidGenes), so it never brings back a lost 00.
 */
export function mutate(genome: Genome, population: Chromosome[], random: Random): Chromosome[] {
  const next = population.map((c) => [...c]);
  const who = random.int(next.length);
  const gene = random.int(genome.genes.length);
  const at = genome.offset(gene);
  for (let b = at; b < at + genome.widths[gene]; b++) next[who][b] = 1 - next[who][b];
  return next;
}

/**
 * One gene of one random chromosome takes another valid choice, drawn uniformly among
 * the gene's other choices: every choice is one mutation away from every other, and the
 * result is always valid.
 */
export function mutateToAnyChoice(genome: Genome, population: Chromosome[], random: Random): Chromosome[] {
  const next = population.map((c) => [...c]);
  const who = random.int(next.length);
  const g = random.int(genome.genes.length);
  const gene = genome.genes[g];
  const current = genome.codes(next[who])[g];
  // Draw among the other choices; a current code past the last choice has none to skip.
  let code = random.int(current < gene.choices.length ? gene.choices.length - 1 : gene.choices.length);
  if (current < gene.choices.length && code >= current) code++;
  const at = genome.offset(g);
  const width = genome.widths[g];
  for (let b = 0; b < width; b++) next[who][at + b] = (code >> (width - 1 - b)) & 1;
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
