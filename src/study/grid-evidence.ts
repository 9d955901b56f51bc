/**
 * A grid's rows with their uncertainty: each cell's correct count and Wilson interval, whether
 * it is tied with the best (tie-set.ts), and how much of the variance between cells each gene
 * explains (a factorial ANOVA over the cells, when the grid is a complete design trained to
 * one length).
 */
import { factorialAnova } from '../statistics/anova';
import type { Store, TrialRecord } from '../store/store';
import { accuracyEvidence, type AccuracyEvidence } from '../store/trial-accuracy';
import { bestGridRow, type GridRow } from './grid';
import { TIE_ALPHA, tieSetOfRepeats, type TieVerdict } from './tie-set';
import { summariseRepeats } from './repeat-summary';

export interface GridRowWithEvidence extends GridRow, Partial<AccuracyEvidence> {
  /** Not significantly worse than the grid's best (see tie-set.ts); null where it cannot be told. */
  tied: boolean | null;
  /** Exact McNemar p-value against the best (raw; the tie uses Holm's adjustment); null for the best. */
  pValue: number | null;
}

export interface GeneImportance {
  /** A gene, or two joined by ':' for their interaction. */
  gene: string;
  /** η²: its share of the variance of accuracy between the grid's trials. */
  share: number;
  pValue: number;
}

/** The importance of each gene, or why there is none. */
export type ImportanceOutcome = { ok: true; importance: GeneImportance[] } | { ok: false; reason: string };

export interface GridEvidence {
  rows: GridRowWithEvidence[];
  best: GridRowWithEvidence;
  /** Cells tied with the best, the best included. */
  tiedCount: number;
  /** The verdict of each row (by position) against the best, with its discordant images. */
  verdicts: TieVerdict[];
  importance: ImportanceOutcome;
}

const GENES = ['model', 'optimizer', 'activation'] as const;

/**
 * What the store holds for a row: its trial (each repeat's, with --repeats), or (halving) the
 * rung where the cell stopped; none for a failed cell or one whose records are not all there.
 */
export function recordsOfRow(store: Store, row: GridRow, fullEpochs: number): TrialRecord[] | undefined {
  if (row.failed !== undefined) return undefined;
  if (row.epochs < fullEpochs) {
    const rung = store.findRung(row.key, row.epochs);
    return rung && [rung];
  }
  const records = (row.repeatKeys ?? [row.key]).map((key) => store.findTrial(key));
  return records.every((r) => r !== undefined) ? (records as TrialRecord[]) : undefined;
}

/** An ANOVA of accuracy on the genes over trials, each given with its genes. */
export function geneImportance(cells: ReadonlyArray<{ levels: Record<string, string>; value: number }>, genes: readonly string[]): ImportanceOutcome {
  const outcome = factorialAnova(cells, genes);
  if (!outcome.ok) return outcome;
  return { ok: true, importance: outcome.table.terms.map((t) => ({ gene: t.term, share: t.share, pValue: t.pValue })) };
}

function pooledEvidence(records: TrialRecord[]): AccuracyEvidence {
  const { correct, total, interval } = summariseRepeats(records);
  return { correct, total, interval };
}

export function gridEvidence(store: Store, rows: readonly GridRow[], fullEpochs: number): GridEvidence {
  const records = rows.map((row) => recordsOfRow(store, row, fullEpochs));
  const bestIndex = rows.indexOf(bestGridRow(rows));
  const bestRecords = records[bestIndex];
  const comparable = records.map((r, i) => r ?? [{ key: `failed ${i}`, fingerprint: '', settings: {}, result: null }]);
  const verdicts: TieVerdict[] = bestRecords
    ? tieSetOfRepeats(bestRecords, comparable)
    : rows.map(() => ({ tied: null, pValue: null, adjustedP: null, onlyBest: null, onlyThis: null, reason: 'no cell trained' }));
  const withEvidence = rows.map((row, i): GridRowWithEvidence => {
    const mine = records[i];
    // Over repeats: the count pooled over them, as summariseRepeats gives it.
    const evidence = mine ? (mine.length > 1 ? pooledEvidence(mine) : accuracyEvidence(mine[0])) : {};
    return { ...row, ...evidence, tied: row.failed !== undefined ? false : verdicts[i].tied, pValue: verdicts[i].pValue };
  });
  const trained = rows.filter((r) => r.failed === undefined);
  // With repeats each seed is one observation, so the interactions get their own test.
  const observations = rows.flatMap((r, i) => (records[i] ?? []).map((t) => ({ levels: { model: r.model, optimizer: r.optimizer, activation: r.activation }, value: t.fitness })));
  const importance: ImportanceOutcome =
    trained.length < rows.length
      ? { ok: false, reason: 'some cells failed' }
      : trained.some((r) => r.epochs !== fullEpochs)
        ? { ok: false, reason: 'cells stopped at different rungs (halving): not one design' }
        : geneImportance(observations, GENES);
  return { rows: withEvidence, best: withEvidence[bestIndex], tiedCount: withEvidence.filter((r) => r.tied === true).length, verdicts, importance };
}

/** "the optimizer explains 94% of the variance between cells, p < 0.001; the activation 2%, p = 0.41". */
export function describeImportance(outcome: ImportanceOutcome): string {
  if (!outcome.ok) return `no analysis of variance: ${outcome.reason}`;
  const sorted = [...outcome.importance].sort((a, b) => b.share - a.share);
  return sorted
    .map((g, i) => `the ${g.gene.replace(':', ' × ')}${i === 0 ? ' explains' : ''} ${(g.share * 100).toFixed(0)}%${i === 0 ? ' of the variance between cells' : ''}, ${formatP(g.pValue)}`)
    .join('; ');
}

/** "p < 0.001", "p = 0.41". */
export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/** "≈ 4 of 9 cells tied with the best (exact McNemar against the best, Holm-corrected, α = 0.05)". */
export function describeTies(tied: number, cells: number, unknown: boolean, pooledOverSeeds = false): string {
  return (
    `≈ ${tied} of ${cells} cells tied with the best (not significantly worse: exact McNemar against the best${pooledOverSeeds ? ', pooled over seeds' : ''}, Holm-corrected, α = ${TIE_ALPHA})` +
    (unknown ? '; cells without per-image predictions are not marked' : '')
  );
}
