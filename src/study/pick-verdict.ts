/**
 * Whether a search's pick is as good as the best it can be held against: the grid's best
 * when there is a grid, else the best candidate trained. "As good" is the tie set's test
 * (tie-set.ts): not significantly worse, image by image, after Holm's correction over the
 * comparisons the table makes. A tie is a success and is worded as one.
 */
import type { Store, TrialRecord } from '../store/store';
import { formatAccuracy } from '../store/trial-accuracy';
import { summariseRepeats, type RepeatSummary } from './repeat-summary';
import { formatP } from './grid-evidence';
import { tieSetOfRepeats, type TieVerdict } from './tie-set';

export interface PickVerdict {
  /** The pick is tied with the best (true when it is the best); null where they cannot be compared. */
  tiedWithBest: boolean | null;
  /** Exact McNemar p-value of pick against best (raw); null when the pick is the best or not compared. */
  pValue: number | null;
  /** Images only the best / only the pick got right. */
  onlyBest: number | null;
  onlyPick: number | null;
  isBest: boolean;
  best: { key: string; genes: Record<string, string>; accuracy: number };
  reason?: string;
}

export function pickVerdictOf(verdict: TieVerdict, isBest: boolean, best: Pick<TrialRecord, 'key' | 'genes' | 'fitness'>): PickVerdict {
  return {
    tiedWithBest: verdict.tied,
    pValue: verdict.pValue,
    onlyBest: verdict.onlyBest,
    onlyPick: verdict.onlyThis,
    isBest,
    best: { key: best.key, genes: best.genes, accuracy: best.fitness },
    ...(verdict.reason ? { reason: verdict.reason } : {}),
  };
}

/** A candidate: one genome's trials, a trial per seed repeat in seed order. */
type Candidate = TrialRecord[];

const meanFitness = (c: Candidate) => c.reduce((s, t) => s + t.fitness, 0) / c.length;

/** The candidate of the highest mean accuracy among those that did not diverge (any, if all did). */
function bestCandidate(candidates: readonly Candidate[]): Candidate {
  const healthy = candidates.filter((c) => !c.some((t) => t.diverged));
  return (healthy.length > 0 ? healthy : candidates).reduce((a, b) => (meanFitness(b) > meanFitness(a) ? b : a));
}

/** A run's trials as candidates: grouped by genes, each group's repeats by seed. */
function candidatesOf(trials: readonly TrialRecord[]): Candidate[] {
  const groups = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    const id = JSON.stringify(Object.entries(t.genes).sort());
    groups.set(id, [...(groups.get(id) ?? []), t]);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => Number(a.settings.seed) - Number(b.settings.seed)));
}

/** The pick (a candidate among `trials`, named by one of its trials) against the best candidate, the tie set drawn over all. */
export function pickAgainstCandidates(pick: TrialRecord, trials: readonly TrialRecord[]): PickVerdict {
  const candidates = candidatesOf(trials.some((t) => t.key === pick.key) ? trials : [...trials, pick]);
  const picked = candidates.findIndex((c) => c.some((t) => t.key === pick.key));
  const best = bestCandidate(candidates);
  const verdicts = tieSetOfRepeats(best, candidates);
  return pickVerdictOf(verdicts[picked], best === candidates[picked], { ...best[0], fitness: meanFitness(best) });
}

const configuration = (genes: Record<string, string>) => `${genes.activation} + ${genes.optimizer}`;

/**
 * "GA's pick relu + rmsprop 88.1% [82.3, 92.2], tied with the grid's best leaky-relu + rmsprop
 * 89.3% (8 images only the best got right, 6 only the pick: p = 0.79)".
 */
export function describePick(who: string, pick: { genes: Record<string, string>; accuracy: number; interval: [number, number] }, verdict: PickVerdict, bestName: string): string {
  const head = `${who} ${configuration(pick.genes)} ${formatAccuracy(pick.accuracy, pick.interval)}`;
  if (verdict.isBest) return `${head}, ${bestName} itself`;
  const other = `${bestName} ${configuration(verdict.best.genes)} ${formatAccuracy(verdict.best.accuracy, null)}`;
  if (verdict.tiedWithBest === null) return `${head}; cannot be compared image by image with ${other}: ${verdict.reason ?? 'no predictions'}`;
  const images = `${verdict.onlyBest} images only the best got right, ${verdict.onlyPick} only the pick: ${formatP(verdict.pValue as number)}`;
  return verdict.tiedWithBest ? `${head}, tied with ${other} (${images})` : `${head}, significantly worse than ${other} (${images}, Holm-corrected)`;
}

/**
 * A GA run's pick against the best of the candidates it trained to the full schedule, with the
 * pick's accuracy over its repeats; undefined when its pick has no stored trial.
 */
export function pickOfRun(store: Store, run: number): { pick: TrialRecord; summary: RepeatSummary; verdict: PickVerdict } | undefined {
  const key = store.bestOfRun(run)?.key;
  const pick = key ? store.findTrial(key) : undefined;
  if (!pick) return undefined;
  const trials = store.trialsOf(run);
  const mine = candidatesOf(trials).find((c) => c.some((t) => t.key === pick.key)) ?? [pick];
  return { pick, summary: summariseRepeats(mine), verdict: pickAgainstCandidates(pick, trials) };
}
