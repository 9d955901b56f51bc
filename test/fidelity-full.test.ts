/**
 * `--fidelity full` is the GA as it was before multi-fidelity, exactly: the same
 * evaluations in the same order, the same picks and history (pinned below from the code
 * before rungs existed), and on real training the same full-length trials a grid stores,
 * with nothing stopped part-way.
 */
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { runEvolution, type FitnessResult, type GaSettings } from '../src/ga/evolve';
import { genesByName } from '../src/ga/genes';
import type { Genes } from '../src/ga/genome';
import type { RungFitness, RungFitnessSource } from '../src/ga/halving';
import { Store } from '../src/store/store';
import { runCli, smallSet, type SmallSet } from './helpers/cli';

/** A fixed accuracy per genome, with ties, so ranks and tie-breaks both count. */
function accuracyOf(genes: Genes): number {
  const text = Object.entries(genes).map(([k, v]) => `${k}=${v}`).join(';');
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return (h % 7) / 10 + 0.1;
}

/** Trains (in name) every genome its whole 4 epochs; asked to stop at a rung, it fails the test. */
class FullOnly implements RungFitnessSource {
  readonly calls: string[] = [];
  async evaluate(batch: readonly Genes[]): Promise<FitnessResult[]> {
    return batch.map((genes) => {
      this.calls.push(Object.values(genes).join('/'));
      return { fitness: accuracyOf(genes), trialKey: null, trained: true, epochsTrained: 4 };
    });
  }
  async evaluateRung(): Promise<RungFitness> {
    throw new Error('a full-fidelity run trained a genome to a rung');
  }
}

// Recorded by running the GA of the code before multi-fidelity (generations 5, population 8) over accuracyOf.
const PINNED = [
  {
    genes: ['activation', 'optimizer'], operators: 'reachable', parallel: 1, gaSeed: 11, distinct: 9,
    calls: ['leaky-relu/rmsprop', 'relu/adam', 'relu/sgdm', 'clipped-relu/adam', 'relu/rmsprop', 'leaky-relu/adam', 'clipped-relu/rmsprop', 'clipped-relu/sgdm', 'leaky-relu/sgdm'],
    best: { genes: { activation: 'clipped-relu', optimizer: 'sgdm' }, fitness: 0.7 },
    population: ['0101', '0101', '0110', '1000', '0100', '1001', '0001', '1010'],
    means: [0.42499999999999993, 0.5625, 0.5624999999999999, 0.575, 0.575],
  },
  {
    genes: ['activation', 'optimizer'], operators: 'paper', parallel: 3, gaSeed: 5, distinct: 7,
    calls: ['clipped-relu/adam', 'leaky-relu/adam', 'clipped-relu/sgdm', 'relu/rmsprop', 'clipped-relu/rmsprop', 'leaky-relu/sgdm', 'leaky-relu/rmsprop'],
    best: { genes: { activation: 'clipped-relu', optimizer: 'sgdm' }, fitness: 0.7 },
    population: ['0110', '1000', '0110', '0101', '1000', '0100', '0101', '1010'],
    means: [0.5625, 0.6, 0.6625, 0.6125, 0.625],
  },
  {
    genes: ['activation', 'optimizer', 'learningRate', 'batchSize'], operators: 'reachable', parallel: 2, gaSeed: 7, distinct: 19,
    calls: [
      'leaky-relu/sgdm/0.00001/32', 'clipped-relu/adam/0.0001/128', 'leaky-relu/rmsprop/0.001/16', 'relu/rmsprop/0.00001/128', 'clipped-relu/rmsprop/0.001/64',
      'leaky-relu/rmsprop/0.01/16', 'relu/adam/0.00001/128', 'leaky-relu/sgdm/0.001/16', 'leaky-relu/sgdm/0.00001/128', 'clipped-relu/sgdm/0.0001/32',
      'clipped-relu/adam/0.00001/32', 'leaky-relu/sgdm/0.0001/128', 'leaky-relu/adam/0.00001/32', 'leaky-relu/adam/0.00001/128', 'leaky-relu/rmsprop/0.01/128',
      'clipped-relu/sgdm/0.00001/128', 'leaky-relu/adam/0.0001/32', 'clipped-relu/adam/0.00001/128', 'leaky-relu/adam/0.0001/128',
    ],
    best: { genes: { activation: 'clipped-relu', optimizer: 'adam', learningRate: '0.0001', batchSize: '128' }, fitness: 0.7 },
    population: ['10100000', '01001000', '01101000', '01001010', '01100000', '10101000', '01000000', '01101010'],
    means: [0.36250000000000004, 0.47500000000000003, 0.5625000000000001, 0.5625, 0.5625],
  },
] as const;

test.each(PINNED.map((pin) => [`${pin.genes.join(',')}, ${pin.operators} operators, parallel ${pin.parallel}`, pin] as const))(
  'without halving the GA evaluates, picks and evolves exactly as before multi-fidelity (%s)',
  async (_name, pin) => {
    const store = new Store(':memory:');
    try {
      // What `evolve --fidelity full` stores: no fidelity among the GA's settings, as every run saved before.
      const settings: GaSettings = { generations: 5, population: 8, gaSeed: pin.gaSeed, operators: pin.operators, genes: genesByName(pin.genes) };
      const run = store.createRun('evolve', 'pinned', 'googlenet', settings as unknown as Record<string, unknown>);
      const fitness = new FullOnly();
      const result = await runEvolution(settings, { store, run, fitness, parallel: pin.parallel });
      expect(fitness.calls).toEqual(pin.calls);
      expect(result.best).toEqual(pin.best);
      expect(result.history).toEqual(pin.means.map((mean, i) => ({ generation: i + 1, best: 0.7, mean })));
      expect([result.evaluations, result.distinct, result.trainings, result.epochsTrained]).toEqual([40, pin.distinct, pin.distinct, 4 * pin.distinct]);
      const state = store.getRun<{ population: number[][]; halving?: unknown }>(run)?.state;
      expect(state?.population.map((c) => c.join(''))).toEqual(pin.population);
      expect(state?.halving).toBeUndefined();
    } finally {
      store.close();
    }
  },
);

describe('on real training', () => {
  let set: SmallSet;
  beforeAll(async () => {
    set = await smallSet('fidelity-full');
  });
  afterAll(() => fs.rmSync(set.tmp, { recursive: true, force: true }));

  interface EvolveJson {
    best: { genes: Genes; accuracy: number };
    history: unknown[];
    trainings: number;
    epochsTrained: number;
    fidelity: string;
  }

  test('--fidelity full answers every genome with the full-length trial a grid trains, and picks what the GA picks over those accuracies', () => {
    const db = path.join(set.tmp, 'results.db');
    const train = [...set.flags, '--lr', '0.001', '--epochs', '2', '--db', db];
    const grid = runCli('grid', ...train, '--models', 'googlenet', '--activations', 'relu,leaky-relu,clipped-relu', '--optimizers', 'sgdm,rmsprop,adam', '--json');
    expect(grid.stderr).not.toMatch(/fer-ga:/);
    expect(grid.code).toBe(0);
    const cells = (JSON.parse(grid.stdout) as { rows: Array<{ activation: string; optimizer: string; accuracy: number }> }).rows;

    const ga = ['--generations', '3', '--population', '4', '--ga-seed', '9', '--json'];
    const evolved = runCli('evolve', ...train, '--model', 'googlenet', '--fidelity', 'full', ...ga);
    expect(evolved.stderr).not.toMatch(/fer-ga:/);
    expect(evolved.code).toBe(0);
    const full = JSON.parse(evolved.stdout) as EvolveJson;
    // Every genome was the grid's full-length trial: nothing trained, nothing stopped, no rung state kept.
    expect([full.fidelity, full.trainings, full.epochsTrained]).toEqual(['full', 0, 0]);
    const file = new Database(db, { readonly: true });
    try {
      expect(file.prepare('SELECT COUNT(*) AS n FROM trial_rungs').get()).toEqual({ n: 0 });
      expect(file.prepare('SELECT COUNT(*) AS n FROM run_rungs').get()).toEqual({ n: 0 });
      expect(file.prepare('SELECT COUNT(*) AS n FROM individuals WHERE run_id = 2 AND (epochs IS NOT NULL OR trial_key IS NULL)').get()).toEqual({ n: 0 });
      const stored = JSON.parse((file.prepare('SELECT settings FROM runs WHERE id = 2').get() as { settings: string }).settings) as { ga: Record<string, unknown> };
      expect(Object.keys(stored.ga).sort()).toEqual(['gaSeed', 'generations', 'genes', 'operators', 'population']);
    } finally {
      file.close();
    }
    expect(fs.existsSync(path.join(set.tmp, 'cache', 'states'))).toBe(false);

    // The same GA over the grid's accuracies as a fitness table (a path halving never touches) picks the same and evolves the same.
    const table = path.join(set.tmp, 'grid.csv');
    fs.writeFileSync(table, ['dataset,model,optimizer,activation,accuracy', ...cells.map((c) => `tiny,googlenet,${c.optimizer},${c.activation},${c.accuracy}`)].join('\n'));
    const fromTable = runCli('evolve', '--fitness-table', table, '--dataset', 'tiny', '--model', 'googlenet', '--db', path.join(set.tmp, 'table.db'), ...ga);
    expect(fromTable.code).toBe(0);
    const paper = JSON.parse(fromTable.stdout) as EvolveJson;
    // A fitness table holds accuracies alone: the trials' image counts, intervals and tie verdict are the full run's own.
    expect({ genes: full.best.genes, accuracy: full.best.accuracy }).toEqual(paper.best);
    expect(full.best).toMatchObject({ total: 7, correct: Math.round(full.best.accuracy * 7), tiedWithBest: true });
    expect(full.history).toEqual(paper.history);
  });
});
