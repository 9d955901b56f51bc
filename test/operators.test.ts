import { Genome, PAPER_GENOME } from '../src/ga/genome';
import { DEFAULT_OPERATORS, OPERATOR_SETS } from '../src/ga/operator-sets';
import { crossover, initialPopulation, mutate, mutatesIn, mutateToAnyChoice, selectTopHalf } from '../src/ga/operators';
import { Random } from '../src/util/random';

describe('genome', () => {
  test('the paper’s encoding: 4 bits, 11 names no choice', () => {
    expect(PAPER_GENOME.length).toBe(4);
    expect(PAPER_GENOME.decode([0, 1, 1, 0])).toEqual({ activation: 'leaky-relu', optimizer: 'adam' });
    expect(PAPER_GENOME.decode([1, 0, 0, 1])).toEqual({ activation: 'clipped-relu', optimizer: 'rmsprop' });
    expect(PAPER_GENOME.decode([1, 1, 0, 0])).toBeUndefined();
    expect(PAPER_GENOME.decode([0, 0, 1, 1])).toBeUndefined();
    expect(PAPER_GENOME.encode({ activation: 'relu', optimizer: 'adam' })).toEqual([0, 0, 1, 0]);
    expect(PAPER_GENOME.all()).toHaveLength(9);
  });

  test('ceil(log2 n) bits a gene', () => {
    const g = new Genome([
      { name: 'a', choices: ['x', 'y'] },
      { name: 'b', choices: ['1', '2', '3', '4', '5'] },
    ]);
    expect(g.widths).toEqual([1, 3]);
    expect(g.decode([1, 1, 0, 0])).toEqual({ a: 'y', b: '5' });
    expect(g.decode([1, 1, 0, 1])).toBeUndefined();
  });
});

describe('operators', () => {
  test('initialisation balances every bit position 1:1', () => {
    for (let seed = 0; seed < 50; seed++) {
      const population = initialPopulation(PAPER_GENOME, 8, new Random(seed));
      expect(population).toHaveLength(8);
      for (let bit = 0; bit < 4; bit++) expect(population.filter((c) => c[bit] === 1)).toHaveLength(4);
      for (let i = 0; i < 4; i++) expect(population[i + 4]).toEqual(population[i].map((b) => 1 - b));
    }
  });

  test('selection keeps exactly the top half, best first', () => {
    const population = [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 1], [0, 1, 1, 0], [1, 0, 0, 0], [1, 0, 0, 1]];
    const fitness = [0.1, 0.9, 0.3, 0.8, 0.2, 0.7, 0.4, 0.6];
    expect(selectTopHalf(population, fitness)).toEqual([[0, 0, 0, 1], [0, 1, 0, 0], [0, 1, 1, 0], [1, 0, 0, 1]]);
  });

  test('children carry only their parents’ genes, whole genes at a time', () => {
    const random = new Random(3);
    const parents = [[0, 0, 0, 1], [1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 1]];
    for (let round = 0; round < 200; round++) {
      const next = crossover(PAPER_GENOME, parents, 8, random);
      expect(next.slice(0, 4)).toEqual(parents);
      for (const child of next.slice(4)) {
        const activation = child.slice(0, 2).join('');
        const optimizer = child.slice(2).join('');
        expect(parents.map((p) => p.slice(0, 2).join(''))).toContain(activation);
        expect(parents.map((p) => p.slice(2).join(''))).toContain(optimizer);
      }
    }
  });

  test('mutation happens only in generations 5, 10, 15, 20 and flips exactly one gene', () => {
    expect(Array.from({ length: 21 }, (_, g) => g).filter(mutatesIn)).toEqual([5, 10, 15, 20]);
    const random = new Random(11);
    const population = [[0, 0, 0, 0], [1, 1, 1, 1]];
    for (let round = 0; round < 50; round++) {
      const after = mutate(PAPER_GENOME, population, random);
      const changed = after.flatMap((c, i) => c.map((bit, b) => (bit !== population[i][b] ? `${i}:${b}` : ''))).filter(Boolean);
      expect(changed.length).toBe(2);
      const [who, first] = changed[0].split(':').map(Number);
      expect(changed[1]).toBe(`${who}:${first + 1}`);
      expect(first % 2).toBe(0);
    }
  });

  test('the same seed gives the same populations', () => {
    const run = (seed: number) => {
      const random = new Random(seed);
      const p = initialPopulation(PAPER_GENOME, 8, random);
      return mutate(PAPER_GENOME, crossover(PAPER_GENOME, selectTopHalf(p, p.map((_, i) => i)), 8, random), random);
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });
});

describe('operators that keep every choice reachable', () => {
  const gene = (chromosome: number[], g: number) => chromosome.slice(2 * g, 2 * g + 2).join('');

  test('the paper’s mutation never brings 00 back; mutateToAnyChoice reaches every choice from every choice', () => {
    for (const from of ['01', '10']) {
      const population = [[...from.split('').map(Number), 0, 1]];
      const random = new Random(1);
      const paper = new Set(Array.from({ length: 100 }, () => mutate(PAPER_GENOME, population, random)[0]).map((c) => gene(c, 0)));
      expect(paper.has('00')).toBe(false);
    }
    for (const from of ['00', '01', '10']) {
      const random = new Random(2);
      const reached = new Set<string>();
      for (let round = 0; round < 200; round++) {
        const before = [[...from.split('').map(Number), ...from.split('').map(Number)]];
        const [after] = mutateToAnyChoice(PAPER_GENOME, before, random);
        const changed = [0, 1].filter((g) => gene(after, g) !== gene(before[0], g));
        // Exactly one gene takes another valid choice.
        expect(changed).toHaveLength(1);
        expect(PAPER_GENOME.isValid(after)).toBe(true);
        reached.add(gene(after, changed[0]));
      }
      expect([...reached].sort()).toEqual(['00', '01', '10'].filter((code) => code !== from));
    }
  });

  test('mutateToAnyChoice changes one chromosome of the population and copies the rest', () => {
    const population = PAPER_GENOME.all().slice(0, 6);
    const random = new Random(5);
    for (let round = 0; round < 50; round++) {
      const after = mutateToAnyChoice(PAPER_GENOME, population, random);
      expect(after.filter((c, i) => PAPER_GENOME.key(c) !== PAPER_GENOME.key(population[i]))).toHaveLength(1);
    }
  });

  test('converged parents: the paper’s crossover can only copy them; with immigrants the children are new, distinct and valid', () => {
    const parents = [[0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0]];
    const random = new Random(8);
    for (let round = 0; round < 50; round++) {
      expect(crossover(PAPER_GENOME, parents, 8, random).slice(4)).toEqual(parents);
      const children = crossover(PAPER_GENOME, parents, 8, random, true).slice(4).map((c) => PAPER_GENOME.key(c));
      expect(new Set(children).size).toBe(4);
      expect(children).not.toContain('0110');
      for (const child of children) expect(PAPER_GENOME.decode(child.split('').map(Number))).toBeDefined();
    }
  });

  test('immigrants give way to copies once every valid chromosome is in the population', () => {
    const parents = PAPER_GENOME.all().slice(0, 6);
    const next = crossover(PAPER_GENOME, parents, 12, new Random(4), true);
    expect(next).toHaveLength(12);
    expect(new Set(next.map((c) => PAPER_GENOME.key(c))).size).toBe(9);
  });

  test('a crossover that already makes a new child is the paper’s, draw for draw', () => {
    const parents = [[0, 0, 0, 1], [1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 1]];
    const [a, b] = [new Random(21), new Random(21)];
    let compared = 0;
    // Until the first copy, after which the immigrant's draw puts the generators apart.
    for (; compared < 20; compared++) {
      const paper = crossover(PAPER_GENOME, parents, 6, a);
      const reachable = crossover(PAPER_GENOME, parents, 6, b, true);
      if (new Set(paper.map((c) => PAPER_GENOME.key(c))).size < 6) break;
      expect(reachable).toEqual(paper);
    }
    expect(compared).toBeGreaterThanOrEqual(3);
  });

  test('the default set is the reachable one; the paper set is the paper’s operators', () => {
    expect(DEFAULT_OPERATORS).toBe('reachable');
    expect(OPERATOR_SETS.paper.mutate).toBe(mutate);
    expect(OPERATOR_SETS.reachable.mutate).toBe(mutateToAnyChoice);
  });
});
