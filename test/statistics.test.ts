/**
 * Known answers for every statistic fer-ga prints, each from another implementation
 * (SciPy 1.17.1's scipy.stats; its call is written beside each number).
 */
import { wilsonInterval } from '../src/statistics/wilson';
import { exactMcNemar } from '../src/statistics/mcnemar';
import { holmAdjust } from '../src/statistics/holm';
import { tInterval } from '../src/statistics/t-interval';
import { factorialAnova, type Observation } from '../src/statistics/anova';

describe('exact McNemar (two-sided binomial test on the discordant images)', () => {
  it.each([
    [6, 8, 0.79052734375], // binomtest(6, 14, 0.5).pvalue; R: binom.test(6, 14)$p.value
    [8, 6, 0.79052734375], // binomtest(8, 14, 0.5).pvalue
    [2, 8, 0.109375], // binomtest(2, 10, 0.5).pvalue
    [0, 5, 0.0625], // binomtest(0, 5, 0.5).pvalue
    [1, 11, 0.00634765625], // binomtest(1, 12, 0.5).pvalue
    [30, 40, 0.281978921793656], // binomtest(30, 70, 0.5).pvalue
  ])('onlyA %i, onlyB %i: p = %f', (onlyA, onlyB, p) => {
    const result = exactMcNemar(onlyA, onlyB);
    expect(result.pValue).toBeCloseTo(p, 10);
    expect(result).toMatchObject({ onlyA, onlyB, test: 'exact McNemar' });
  });

  it('calls two trials that no image tells apart equal (p = 1), and refuses counts that are not counts', () => {
    expect(exactMcNemar(0, 0).pValue).toBe(1);
    expect(() => exactMcNemar(-1, 2)).toThrow(/discordant/);
    expect(() => exactMcNemar(1.5, 2)).toThrow(/discordant/);
  });
});

describe('Wilson score interval', () => {
  it.each([
    [148, 168, 0.8232735714942907, 0.921599062143905], // binomtest(148, 168).proportion_ci(0.95, 'wilson')
    [0, 10, 0.0, 0.27753279986288926], // binomtest(0, 10).proportion_ci(0.95, 'wilson')
    [10, 10, 0.7224672001371109, 1.0], // binomtest(10, 10).proportion_ci(0.95, 'wilson')
    [81, 100, 0.7222115462093562, 0.8748524849023126], // binomtest(81, 100).proportion_ci(0.95, 'wilson')
  ])('%i of %i', (k, n, lo, hi) => {
    const [low, high] = wilsonInterval(k, n);
    expect(low).toBeCloseTo(lo, 9);
    expect(high).toBeCloseTo(hi, 9);
  });

  it('says nothing is known of no images, and refuses impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
    expect(() => wilsonInterval(11, 10)).toThrow(/successes/);
  });
});

describe('Holm correction', () => {
  it('matches p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02', () => {
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12));
  });

  it('never exceeds 1 and keeps the order of the raw values', () => {
    expect(holmAdjust([0.5, 0.9, 0.6])).toEqual([1, 1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });
});

describe('t interval over seeds', () => {
  it('matches scipy.stats.t.interval(0.95, 2, loc=mean, scale=sem) for 65.6%, 66.6%, 64.9%', () => {
    const summary = tInterval([0.656, 0.666, 0.649]);
    expect(summary.mean).toBeCloseTo(0.657, 12); // numpy.mean
    expect(summary.sd).toBeCloseTo(0.008544003745317538, 12); // numpy.std(x, ddof=1)
    expect(summary.interval?.[0]).toBeCloseTo(0.6357755180869207, 10);
    expect(summary.interval?.[1]).toBeCloseTo(0.6782244819130794, 10);
  });

  it('gives no interval for one seed', () => {
    expect(tInterval([0.7])).toEqual({ n: 1, mean: 0.7, sd: 0, interval: null });
  });
});

describe('factorial ANOVA', () => {
  const cell = (activation: string, optimizer: string, value: number): Observation => ({ levels: { activation, optimizer }, value });

  it('one factor matches scipy.stats.f_oneway', () => {
    // f_oneway([.81, .83, .80], [.88, .87, .90], [.60, .65, .62]) → F = 148.09090909090955, p = 7.82796294690486e-06
    const values: Array<[string, number[]]> = [['a', [0.81, 0.83, 0.8]], ['b', [0.88, 0.87, 0.9]], ['c', [0.6, 0.65, 0.62]]];
    const outcome = factorialAnova(values.flatMap(([level, vs]) => vs.map((value) => ({ levels: { optimizer: level }, value }))), ['optimizer']);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.table.terms[0].F).toBeCloseTo(148.09090909090955, 8);
    expect(outcome.table.terms[0].pValue).toBeCloseTo(7.82796294690486e-6, 12);
    expect(outcome.table.residual.df).toBe(6);
  });

  // Reference: least-squares fits of the nested dummy-coded models (numpy.linalg.lstsq), each
  // term's sum of squares the drop in residual, p = scipy.stats.f.sf(F, df, residual df);
  // R: summary(aov(acc ~ activation + optimizer)) and aov(acc ~ activation * optimizer).
  it('two genes, one value a cell: main effects against the interaction as residual', () => {
    const outcome = factorialAnova(
      [cell('relu', 'sgdm', 0.62), cell('relu', 'rmsprop', 0.88), cell('leaky-relu', 'sgdm', 0.6), cell('leaky-relu', 'rmsprop', 0.89), cell('elu', 'sgdm', 0.55), cell('elu', 'rmsprop', 0.86)],
      ['activation', 'optimizer'],
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    const [activation, optimizer] = outcome.table.terms;
    expect(activation).toMatchObject({ term: 'activation', df: 2 });
    expect(activation.sumOfSquares).toBeCloseTo(0.002433333333333329, 12);
    expect(activation.share).toBeCloseTo(0.01926121372031659, 10);
    expect(activation.F).toBeCloseTo(3.842105263157899, 8);
    expect(activation.pValue).toBeCloseTo(0.2065217391304346, 10);
    expect(optimizer.share).toBeCloseTo(0.9757255936675462, 10);
    expect(optimizer.F).toBeCloseTo(389.263157894738, 6);
    expect(optimizer.pValue).toBeCloseTo(0.0025590990837831974, 10);
    expect(outcome.table.residual).toEqual({ df: 2, sumOfSquares: expect.closeTo(0.0006333333333333315, 12) });
    expect(outcome.table.terms).toHaveLength(2);
  });

  it('two genes with repeats: the interaction gets its own test', () => {
    const repeats: Array<[string, string, number[]]> = [
      ['relu', 'sgdm', [0.62, 0.64]], ['relu', 'rmsprop', [0.88, 0.85]], ['leaky-relu', 'sgdm', [0.6, 0.57]],
      ['leaky-relu', 'rmsprop', [0.89, 0.9]], ['elu', 'sgdm', [0.55, 0.5]], ['elu', 'rmsprop', [0.86, 0.88]],
    ];
    const outcome = factorialAnova(repeats.flatMap(([a, o, vs]) => vs.map((v) => cell(a, o, v))), ['activation', 'optimizer']);
    if (!outcome.ok) throw new Error(outcome.reason);
    const byTerm = Object.fromEntries(outcome.table.terms.map((t) => [t.term, t]));
    expect(byTerm.activation.F).toBeCloseTo(6.711538461538416, 8);
    expect(byTerm.activation.pValue).toBeCloseTo(0.029478111736279407, 10);
    expect(byTerm.optimizer.share).toBeCloseTo(0.9471481525768265, 10);
    expect(byTerm.optimizer.pValue).toBeCloseTo(2.9081797846230913e-7, 12);
    expect(byTerm['activation:optimizer'].F).toBeCloseTo(7.288461538461532, 8);
    expect(byTerm['activation:optimizer'].pValue).toBeCloseTo(0.024792050564755728, 10);
    expect(outcome.table).toMatchObject({ repeats: 2, residual: { df: 6 } });
  });

  it('refuses incomplete and unbalanced designs, saying which', () => {
    const incomplete = factorialAnova([cell('relu', 'sgdm', 0.6), cell('relu', 'adam', 0.7), cell('elu', 'sgdm', 0.5)], ['activation', 'optimizer']);
    expect(incomplete).toEqual({ ok: false, reason: 'an incomplete design (3 of 4 combinations)' });
    const unbalanced = factorialAnova(
      [cell('relu', 'sgdm', 0.6), cell('relu', 'sgdm', 0.61), cell('relu', 'adam', 0.7), cell('elu', 'sgdm', 0.5), cell('elu', 'adam', 0.4)],
      ['activation', 'optimizer'],
    );
    expect(unbalanced).toMatchObject({ ok: false, reason: expect.stringMatching(/unbalanced/) });
  });
});
