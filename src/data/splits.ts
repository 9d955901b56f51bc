/**
 * Subject-independent splits: every image of a person lands on one side. Subjects are
 * grouped by their most frequent class and dealt out in seeded order, so each side gets
 * about its share of every class where the subjects allow.
 */
import { UsageError } from '../util/errors';
import { Random } from '../util/random';

export interface Split {
  train: Int32Array;
  validation: Int32Array;
}

interface SubjectGroup {
  subject: string;
  indices: number[];
  dominant: number;
}

function groupBySubject(labels: ArrayLike<number>, subjects: ArrayLike<number | string>): SubjectGroup[] {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const key = String(subjects[i]);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([subject, indices]) => {
      const counts = new Map<number, number>();
      for (const i of indices) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
      const dominant = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
      return { subject, indices, dominant };
    });
}

/** Subjects in a seeded order that interleaves dominant classes (stratification by dealing). */
function dealingOrder(groups: SubjectGroup[], seed: number): SubjectGroup[] {
  const random = new Random(seed);
  const byClass = new Map<number, SubjectGroup[]>();
  for (const g of random.shuffle([...groups])) {
    const list = byClass.get(g.dominant);
    if (list) list.push(g);
    else byClass.set(g.dominant, [g]);
  }
  const ordered: SubjectGroup[] = [];
  for (const list of [...byClass.keys()].sort((a, b) => a - b).map((k) => byClass.get(k) as SubjectGroup[])) ordered.push(...list);
  return ordered;
}

function toSplit(groups: SubjectGroup[], isValidation: (g: SubjectGroup, position: number) => boolean): Split {
  const train: number[] = [];
  const validation: number[] = [];
  groups.forEach((g, position) => (isValidation(g, position) ? validation : train).push(...g.indices));
  return { train: Int32Array.from(train.sort((a, b) => a - b)), validation: Int32Array.from(validation.sort((a, b) => a - b)) };
}

/** k folds; fold f validates on every k-th subject of the dealing order, starting at f. */
export function kFoldSplits(labels: ArrayLike<number>, subjects: ArrayLike<number | string>, folds: number, seed: number): Split[] {
  const groups = dealingOrder(groupBySubject(labels, subjects), seed);
  if (!Number.isInteger(folds) || folds < 2) throw new UsageError(`folds must be an integer of at least 2 (got ${folds})`);
  if (groups.length < folds) throw new UsageError(`${folds} folds need at least ${folds} subjects (the set has ${groups.length})`);
  return Array.from({ length: folds }, (_, fold) => toSplit(groups, (_g, position) => position % folds === fold));
}

/** One hold-out split with about `fraction` of the images (whole subjects) for validation. */
export function holdOutSplit(labels: ArrayLike<number>, subjects: ArrayLike<number | string>, fraction: number, seed: number): Split {
  if (!(fraction > 0 && fraction < 1)) throw new UsageError(`validation fraction must be between 0 and 1 (got ${fraction})`);
  const groups = dealingOrder(groupBySubject(labels, subjects), seed);
  if (groups.length < 2) throw new UsageError(`a subject-independent split needs at least 2 subjects (the set has ${groups.length})`);
  // Per dominant class, move subjects to validation until that class has its share.
  const totals = new Map<number, number>();
  for (const g of groups) totals.set(g.dominant, (totals.get(g.dominant) ?? 0) + g.indices.length);
  const taken = new Map<number, number>();
  const chosen = new Set<SubjectGroup>();
  for (const g of groups) {
    const share = (totals.get(g.dominant) ?? 0) * fraction;
    const have = taken.get(g.dominant) ?? 0;
    if (have + g.indices.length / 2 <= share) {
      chosen.add(g);
      taken.set(g.dominant, have + g.indices.length);
    }
  }
  // Both sides must hold someone, however the classes fell.
  if (chosen.size === 0) chosen.add(groups[0]);
  if (chosen.size === groups.length) chosen.delete(groups[groups.length - 1]);
  return toSplit(groups, (g) => chosen.has(g));
}
