import path from 'path';

import { runEvolution, type EvolveSettings } from '../src/ga/evolve';
import { readFitnessTable, TableFitness } from '../src/ga/fitness-table';
import { PAPER_GENOME, type Genes } from '../src/ga/genome';
import { runPool, slotPlacements } from '../src/study/parallel';
import { Store } from '../src/store/store';

const TABLES = path.resolve(__dirname, '../data/paper-tables.csv');

describe('slot placements', () => {
  const cpu = { cuda: { available: false, devices: 0, cudnn: false }, cores: 8 };
  const gpus = (devices: number) => ({ cuda: { available: true, devices, cudnn: true }, cores: 16 });

  test("every slot keeps the user's thread count, whatever --parallel (a CPU trial's key holds it)", () => {
    expect(slotPlacements({ device: 'auto', threads: 1 }, 3, cpu)).toEqual(Array(3).fill({ device: 'auto', threads: 1 }));
    expect(slotPlacements({ device: 'cpu', threads: 2 }, 16, cpu)[0].threads).toBe(2);
    expect(slotPlacements({ device: 'cpu', threads: 4 }, 2, cpu)[1].threads).toBe(4);
    for (const parallel of [1, 2, 8]) expect(slotPlacements({ device: 'cpu', threads: 1 }, parallel, cpu).every((p) => p.threads === 1)).toBe(true);
  });

  test('several GPUs get one slot each in turn; one GPU is shared; a named device is kept', () => {
    expect(slotPlacements({ device: 'auto', threads: 0 }, 4, gpus(2)).map((p) => p.device)).toEqual(['cuda:0', 'cuda:1', 'cuda:0', 'cuda:1']);
    expect(slotPlacements({ device: 'cuda', threads: 0 }, 3, gpus(1)).map((p) => p.device)).toEqual(['cuda', 'cuda', 'cuda']);
    expect(slotPlacements({ device: 'cuda:1', threads: 0 }, 2, gpus(2)).map((p) => p.device)).toEqual(['cuda:1', 'cuda:1']);
  });
});

describe('runPool', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  test('keeps at most N calls in flight, each on a free slot, results in item order', async () => {
    let inFlight = 0;
    let most = 0;
    const slotsBusy = new Set<number>();
    const results = await runPool([5, 1, 4, 2, 3, 6, 7], 3, async (item, slot) => {
      expect(slotsBusy.has(slot)).toBe(false);
      slotsBusy.add(slot);
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < item; i++) await tick();
      inFlight--;
      slotsBusy.delete(slot);
      return item * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 60, 70]);
    expect(most).toBe(3);
  });

  test('a failure stops new calls but waits for the ones running before it rejects', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    await expect(
      runPool([1, 2, 3, 4, 5, 6], 2, async (item) => {
        started.push(item);
        await tick();
        if (item === 2) throw new Error('boom');
        for (let i = 0; i < 3; i++) await tick();
        finished.push(item);
        return item;
      }),
    ).rejects.toThrow('boom');
    expect(finished).toEqual(started.filter((i) => i !== 2));
    expect(started.length).toBeLessThan(6);
  });
});

describe('evolve with parallel evaluations', () => {
  const rows = readFitnessTable(TABLES);
  const settings = (seed: number): EvolveSettings => ({ generations: 12, population: 8, seed, genes: [...PAPER_GENOME.genes] });

  /** The table's fitness, counting how many evaluations overlap in time. */
  class OverlapCounter extends TableFitness {
    inFlight = 0;
    most = 0;
    override async fitnessOf(genes: Genes) {
      this.most = Math.max(this.most, ++this.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      this.inFlight--;
      return super.fitnessOf(genes);
    }
  }

  test.each([3, 4])('--parallel %i evaluates several genomes at once and ends exactly where one at a time does', async (parallel) => {
    for (const seed of [1, 10, 17]) {
      const sequentialStore = new Store(':memory:');
      const sequential = await runEvolution(settings(seed), {
        store: sequentialStore,
        run: sequentialStore.createRun('evolve', 'kdef', 'googlenet', {}),
        fitness: new TableFitness(rows, 'kdef', 'googlenet', TABLES),
      });
      const store = new Store(':memory:');
      const fitness = new OverlapCounter(rows, 'kdef', 'googlenet', TABLES);
      const concurrent = await runEvolution(settings(seed), { store, run: store.createRun('evolve', 'kdef', 'googlenet', {}), fitness, parallel });
      expect(fitness.most).toBeGreaterThan(1);
      expect(fitness.most).toBeLessThanOrEqual(parallel);
      expect(concurrent.best).toEqual(sequential.best);
      expect(concurrent.history).toEqual(sequential.history);
      expect(concurrent.evaluations).toBe(sequential.evaluations);
      expect(concurrent.distinct).toBe(sequential.distinct);
    }
  });
});
