/** Random search, the baseline of `npm run bench:search`: distinct draws, the budget kept, the best returned. */
import { genesByName } from '../src/ga/genes';
import { randomSearch, randomSearchDraws } from '../src/ga/random-search';

const EXTRA = genesByName(['activation', 'optimizer', 'learningRate', 'batchSize']);

describe('random search', () => {
  test('draws distinct genomes, round(budget / epochs) of them, the same for the same seed', () => {
    const draws = randomSearchDraws(EXTRA, { budgetEpochs: 100, epochs: 8, seed: 3 });
    expect(draws).toHaveLength(13);
    expect(new Set(draws.map((g) => JSON.stringify(g))).size).toBe(13);
    expect(randomSearchDraws(EXTRA, { budgetEpochs: 100, epochs: 8, seed: 3 })).toEqual(draws);
    expect(randomSearchDraws(EXTRA, { budgetEpochs: 100, epochs: 8, seed: 4 })).not.toEqual(draws);
    for (const genes of draws) expect(Object.keys(genes).sort()).toEqual(['activation', 'batchSize', 'learningRate', 'optimizer']);
  });

  test('trains at least one genome and never more than exist (144 here)', () => {
    expect(randomSearchDraws(EXTRA, { budgetEpochs: 1, epochs: 8, seed: 1 })).toHaveLength(1);
    const everything = randomSearchDraws(EXTRA, { budgetEpochs: 1e6, epochs: 1, seed: 1 });
    expect(new Set(everything.map((g) => JSON.stringify(g))).size).toBe(144);
  });

  test('returns the best of what it trained, and the epochs spent', async () => {
    const score = (genes: Record<string, string>) => (genes.optimizer === 'adam' ? 0.5 : 0.1) + Number(genes.learningRate);
    const result = await randomSearch(EXTRA, { budgetEpochs: 40, epochs: 4, seed: 7 }, async (genes) => score(genes));
    expect(result.tried).toHaveLength(10);
    expect(result.epochsTrained).toBe(40);
    expect(result.best.fitness).toBe(Math.max(...result.tried.map((t) => t.fitness)));
    expect(score(result.best.genes)).toBe(result.best.fitness);
  });
});
