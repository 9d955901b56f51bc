import { holdOutSplit, kFoldSplits } from '../src/data/splits';
import { Random } from '../src/util/random';

// 30 subjects with 2–9 images each over 4 classes, each subject leaning to one class.
function makeSet(seed: number) {
  const random = new Random(seed);
  const labels: number[] = [];
  const subjects: number[] = [];
  for (let s = 0; s < 30; s++) {
    const lean = s % 4;
    const n = 2 + random.int(8);
    for (let i = 0; i < n; i++) {
      labels.push(random.next() < 0.7 ? lean : random.int(4));
      subjects.push(s);
    }
  }
  return { labels, subjects };
}

function subjectsOf(indices: Int32Array, subjects: number[]): Set<number> {
  return new Set(Array.from(indices, (i) => subjects[i]));
}

describe('subject-independent splits', () => {
  const { labels, subjects } = makeSet(5);

  test('no subject lands on both sides of a hold-out split, for any seed', () => {
    for (let seed = 0; seed < 20; seed++) {
      const split = holdOutSplit(labels, subjects, 0.2, seed);
      const train = subjectsOf(split.train, subjects);
      for (const s of subjectsOf(split.validation, subjects)) expect(train.has(s)).toBe(false);
      expect(split.train.length + split.validation.length).toBe(labels.length);
      // Roughly the asked fraction, in whole subjects.
      expect(split.validation.length / labels.length).toBeGreaterThan(0.1);
      expect(split.validation.length / labels.length).toBeLessThan(0.35);
    }
  });

  test('k folds partition the images, validate every subject exactly once, never both sides', () => {
    const folds = kFoldSplits(labels, subjects, 5, 3);
    const seen = new Map<number, number>();
    for (const fold of folds) {
      const train = subjectsOf(fold.train, subjects);
      for (const s of subjectsOf(fold.validation, subjects)) {
        expect(train.has(s)).toBe(false);
        seen.set(s, (seen.get(s) ?? 0) + 1);
      }
      expect(fold.train.length + fold.validation.length).toBe(labels.length);
    }
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(seen.size).toBe(30);
    const validated = folds.flatMap((f) => Array.from(f.validation)).sort((a, b) => a - b);
    expect(validated).toEqual(labels.map((_, i) => i));
  });

  test('stratified: every fold validates on every class', () => {
    for (const fold of kFoldSplits(labels, subjects, 3, 9)) {
      const classes = new Set(Array.from(fold.validation, (i) => labels[i]));
      expect([...classes].sort()).toEqual([0, 1, 2, 3]);
    }
  });

  test('the same seed gives the same split; another seed another', () => {
    expect(holdOutSplit(labels, subjects, 0.25, 7)).toEqual(holdOutSplit(labels, subjects, 0.25, 7));
    expect(holdOutSplit(labels, subjects, 0.25, 7).validation).not.toEqual(holdOutSplit(labels, subjects, 0.25, 8).validation);
  });

  test('impossible requests are clear errors', () => {
    expect(() => holdOutSplit([0, 1], ['a', 'a'], 0.2, 1)).toThrow('needs at least 2 subjects (the set has 1)');
    expect(() => kFoldSplits(labels, subjects, 31, 1)).toThrow('31 folds need at least 31 subjects (the set has 30)');
    expect(() => holdOutSplit(labels, subjects, 1.5, 1)).toThrow('validation fraction must be between 0 and 1');
  });
});

describe('Random', () => {
  test('resumes exactly from a saved state', () => {
    const a = new Random(42);
    for (let i = 0; i < 10; i++) a.next();
    const b = Random.fromState(a.state());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(Array.from({ length: 5 }, () => a.nextUint32()));
  });

  test('is roughly uniform', () => {
    const random = new Random(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100000; i++) buckets[random.int(10)]++;
    for (const count of buckets) expect(Math.abs(count - 10000)).toBeLessThan(500);
  });
});
