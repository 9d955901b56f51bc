import path from 'path';

import { runEvolution, type EvolveSettings } from '../src/ga/evolve';
import { readFitnessTable, TableFitness } from '../src/ga/fitness-table';
import { PAPER_GENOME } from '../src/ga/genome';
import { Store } from '../src/store/store';

const TABLES = path.resolve(__dirname, '../data/paper-tables.csv');
const settings = (seed: number): EvolveSettings => ({ generations: 20, population: 8, seed, genes: [...PAPER_GENOME.genes] });

describe('the GA on the paper’s tables', () => {
  const rows = readFitnessTable(TABLES);

  const CASES = [
    ['ckplus', 'vgg16', { activation: 'relu', optimizer: 'adam' }],
    ['mmi', 'vgg16', { activation: 'relu', optimizer: 'adam' }],
    ['kdef', 'googlenet', { activation: 'leaky-relu', optimizer: 'rmsprop' }],
    ['kdef', 'vgg16', { activation: 'leaky-relu', optimizer: 'adam' }],
  ] as const;

  // The paper's operators can lose a choice for good: once no chromosome carries relu
  // (00), complementing a gene never brings it back. So the pick depends on the seed;
  // over 100 seeds it is the paper's (the table's best cell) in 72-89% of runs.
  test.each(CASES)('%s / %s: the paper’s pick in most seeds, never more than 9 genomes', async (dataset, model, expected) => {
    const best = Math.max(...rows.filter((r) => r.dataset === dataset && r.model === model).map((r) => r.accuracy)) / 100;
    const store = new Store(':memory:');
    let found = 0;
    for (let seed = 0; seed < 40; seed++) {
      const run = store.createRun('evolve', dataset, model, {});
      const result = await runEvolution(settings(seed), { store, run, fitness: new TableFitness(rows, dataset, model, TABLES) });
      if (result.best.genes.activation === expected.activation && result.best.genes.optimizer === expected.optimizer) {
        found++;
        expect(result.best.fitness).toBeCloseTo(best, 10);
      }
      expect(result.distinct).toBeLessThanOrEqual(9);
      expect(result.generations).toBe(20);
      expect(result.evaluations).toBe(160);
      expect(result.trainings).toBe(0);
      expect(store.generations(run)).toHaveLength(20);
    }
    expect(found).toBeGreaterThanOrEqual(26);
    store.close();
  });

  test('seed 10 gives the paper’s pick on all four', async () => {
    for (const [dataset, model, expected] of CASES) {
      const store = new Store(':memory:');
      const run = store.createRun('evolve', dataset, model, {});
      const result = await runEvolution(settings(10), { store, run, fitness: new TableFitness(rows, dataset, model, TABLES) });
      expect([dataset, model, result.best.genes]).toEqual([dataset, model, expected]);
      store.close();
    }
  });

  test('a run stopped after any step resumes to the same end', async () => {
    const fitness = new TableFitness(rows, 'kdef', 'googlenet', TABLES);
    const whole = new Store(':memory:');
    const reference = await runEvolution(settings(7), { store: whole, run: whole.createRun('evolve', 'kdef', 'googlenet', {}), fitness });
    for (const stopAfter of [1, 5, 23, 60]) {
      const store = new Store(':memory:');
      const run = store.createRun('evolve', 'kdef', 'googlenet', {});
      const controller = new AbortController();
      let steps = 0;
      await expect(
        runEvolution(settings(7), { store, run, fitness, signal: controller.signal, onEvent: (e) => e.kind === 'step' && ++steps === stopAfter && controller.abort() }),
      ).rejects.toMatchObject({ name: 'AbortError' });
      const resumed = await runEvolution(settings(7), { store, run, fitness });
      expect(resumed.best).toEqual(reference.best);
      expect(resumed.history).toEqual(reference.history);
      expect(store.getRun(run)?.state).toEqual(whole.getRun(1)?.state);
      store.close();
    }
    whole.close();
  });
});
