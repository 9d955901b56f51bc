import { Genome, PAPER_GENOME } from '../src/ga/genome';
import { crossover, initialPopulation, mutate, mutatesIn, selectTopHalf } from '../src/ga/operators';
import { Random } from '../src/random';

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
