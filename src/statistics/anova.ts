/**
 * Analysis of variance of a balanced full-factorial design (every combination of the
 * factors' levels measured the same number of times): each factor's sum of squares from
 * its marginal means, its share of the total (η²), and its F test against the residual,
 * the table R's `aov(y ~ a + b)` (one value a cell: the interaction is the residual) or
 * `aov(y ~ a * b)` (repeats: the interaction gets its own line, the residual is the
 * spread within cells) prints. Unbalanced or incomplete designs are refused: their sums
 * of squares depend on the order of terms, and a GA's trials are such a design.
 */
import fCdf from '@stdlib/stats-base-dists-f-cdf';

export interface Observation {
  /** Factor name → level. */
  levels: Record<string, string>;
  value: number;
}

export interface AnovaTerm {
  /** A factor's name, or two joined by ':' for their interaction. */
  term: string;
  df: number;
  sumOfSquares: number;
  /** η²: this term's sum of squares over the total. */
  share: number;
  F: number;
  pValue: number;
}

export interface AnovaTable {
  terms: AnovaTerm[];
  residual: { df: number; sumOfSquares: number };
  total: { df: number; sumOfSquares: number };
  /** Measurements per cell. */
  repeats: number;
}

export type AnovaOutcome = { ok: true; table: AnovaTable } | { ok: false; reason: string };

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

/** Mean of the observations grouped by the levels of `factors` (a key per group). */
function groupMeans(observations: readonly Observation[], factors: readonly string[]): Map<string, number> {
  const groups = new Map<string, number[]>();
  for (const o of observations) {
    const key = JSON.stringify(factors.map((f) => o.levels[f]));
    groups.set(key, [...(groups.get(key) ?? []), o.value]);
  }
  return new Map([...groups].map(([k, v]) => [k, mean(v)]));
}

/**
 * The table for `observations` over `factors` (factors of one level are left out: they
 * vary nothing). Two-factor interactions are tested when each cell holds several values.
 */
export function factorialAnova(observations: readonly Observation[], factors: readonly string[]): AnovaOutcome {
  const levelsOf = (f: string) => [...new Set(observations.map((o) => o.levels[f]))];
  const varied = factors.filter((f) => levelsOf(f).length > 1);
  if (varied.length === 0) return { ok: false, reason: 'no gene takes more than one value' };
  const cells = groupMeans(observations, varied);
  const expectedCells = varied.reduce((n, f) => n * levelsOf(f).length, 1);
  if (cells.size !== expectedCells) return { ok: false, reason: `an incomplete design (${cells.size} of ${expectedCells} combinations)` };
  const counts = new Map<string, number>();
  for (const o of observations) {
    const key = JSON.stringify(varied.map((f) => o.levels[f]));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const repeats = Math.min(...counts.values());
  if (Math.max(...counts.values()) !== repeats) return { ok: false, reason: 'an unbalanced design (cells measured different numbers of times)' };
  const n = observations.length;
  const grand = mean(observations.map((o) => o.value));
  const totalSS = observations.reduce((s, o) => s + (o.value - grand) ** 2, 0);
  const mainEffect = (f: string): { ss: number; df: number } => {
    const means = groupMeans(observations, [f]);
    const per = n / means.size;
    return { ss: [...means.values()].reduce((s, m) => s + per * (m - grand) ** 2, 0), df: means.size - 1 };
  };
  const raw: Array<{ term: string; ss: number; df: number }> = varied.map((f) => ({ term: f, ...mainEffect(f) }));
  if (repeats > 1) {
    for (let i = 0; i < varied.length; i++) {
      for (let j = i + 1; j < varied.length; j++) {
        const [a, b] = [varied[i], varied[j]];
        const pair = groupMeans(observations, [a, b]);
        const per = n / pair.size;
        const byA = groupMeans(observations, [a]);
        const byB = groupMeans(observations, [b]);
        let ss = 0;
        for (const [key, m] of pair) {
          const [la, lb] = JSON.parse(key) as [string, string];
          ss += per * (m - (byA.get(JSON.stringify([la])) as number) - (byB.get(JSON.stringify([lb])) as number) + grand) ** 2;
        }
        raw.push({ term: `${a}:${b}`, ss, df: (byA.size - 1) * (byB.size - 1) });
      }
    }
  }
  const residualDf = n - 1 - raw.reduce((s, t) => s + t.df, 0);
  // Rounding can leave a perfect fit's residual a hair below zero.
  const residualSS = Math.max(0, totalSS - raw.reduce((s, t) => s + t.ss, 0));
  if (residualDf < 1) return { ok: false, reason: 'no degrees of freedom left for the residual (one value a cell of a single gene)' };
  const residualMS = residualSS / residualDf;
  const terms = raw.map(({ term, ss, df }) => {
    const F = residualMS > 0 ? ss / df / residualMS : ss > 0 ? Infinity : NaN;
    const pValue = Number.isFinite(F) ? 1 - fCdf(F, df, residualDf) : F === Infinity ? 0 : 1;
    return { term, df, sumOfSquares: ss, share: totalSS > 0 ? ss / totalSS : 0, F, pValue };
  });
  return { ok: true, table: { terms, residual: { df: residualDf, sumOfSquares: residualSS }, total: { df: n - 1, sumOfSquares: totalSS }, repeats } };
}
