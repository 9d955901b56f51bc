/** Which trials a run used, and whether it trained each or found it in the trial cache. */
import { Store, type TrialRecord } from '../src/store/store';

const trial = (key: string): TrialRecord => ({
  key, dataset: 'synthetic', fingerprint: 'f', model: 'googlenet', genes: { activation: 'relu', optimizer: 'adam' }, settings: {},
  fitness: 0.5, diverged: false, result: {}, seconds: 1, device: 'cpu', libtorch: '2.5.1',
});

describe('Store.linkTrials', () => {
  let store: Store;
  beforeEach(() => {
    store = new Store(':memory:');
    ['a', 'b', 'c', 'd'].forEach((key) => store.saveTrial(trial(key)));
  });
  afterEach(() => store.close());

  test('records what a run did for each trial; bare keys record nothing; trained stays trained', () => {
    const run = store.createRun('grid', 'synthetic', null, {});
    store.linkTrials(run, ['a']);
    expect(store.runTrialCounts(run)).toEqual({ trials: 1, trained: 0, cached: 0 });
    store.linkTrials(run, [{ key: 'a', trained: false }, { key: 'b', trained: true }, { key: 'c', trained: false }]);
    store.linkTrials(run, [{ key: 'b', trained: false }, 'c', { key: 'd', trained: true }]);
    expect(store.runTrialCounts(run)).toEqual({ trials: 4, trained: 2, cached: 2 });
    expect(store.trialsOf(run).map((t) => t.key)).toEqual(['a', 'b', 'c', 'd']);
  });

  test("a run's best: its fittest individual, else its best linked trial", () => {
    store.saveTrial({ ...trial('e'), fitness: 0.9, genes: { activation: 'elu', optimizer: 'sgdm' } });
    const grid = store.createRun('grid', 'synthetic', null, {});
    expect(store.bestOfRun(grid)).toBeUndefined();
    store.linkTrials(grid, ['a', { key: 'e', trained: true }]);
    expect(store.bestOfRun(grid)).toEqual({ key: 'e', genes: { activation: 'elu', optimizer: 'sgdm' }, fitness: 0.9 });

    const evolve = store.createRun('evolve', 'kdef', 'googlenet', {});
    store.saveRunState(evolve, {}, 'running', {
      generation: 1, best: 0.7, mean: 0.6,
      individuals: [
        { position: 0, chromosome: '0000', genes: { activation: 'relu', optimizer: 'sgdm' }, trialKey: null, fitness: 0.5 },
        { position: 1, chromosome: '0101', genes: { activation: 'leaky-relu', optimizer: 'rmsprop' }, trialKey: null, fitness: 0.7 },
        { position: 2, chromosome: '1111', genes: null, trialKey: null, fitness: 0 },
      ],
    });
    expect(store.bestOfRun(evolve)).toEqual({ key: null, genes: { activation: 'leaky-relu', optimizer: 'rmsprop' }, fitness: 0.7 });
  });
});
