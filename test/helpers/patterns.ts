/**
 * Grey images whose class is a visual pattern (horizontal, vertical or diagonal stripes,
 * or a checkerboard), with random period, phase, contrast and noise: learnable by any of
 * the networks in a few epochs, impossible to guess from pixel statistics alone.
 */
export interface PatternSet {
  images: Uint8Array;
  labels: Int32Array;
  size: number;
  classes: number;
}

export const PATTERN_CLASSES = 4;

/** A small seeded generator (LCG) so test data never changes between runs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

export function makePatterns(count: number, size: number, seed: number): PatternSet {
  const random = seededRandom(seed);
  const images = new Uint8Array(count * size * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % PATTERN_CLASSES;
    labels[i] = label;
    const period = 4 + Math.floor(random() * 5);
    const phase = random() * period;
    const low = 30 + random() * 60;
    const high = low + 80 + random() * 60;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let on: boolean;
        if (label === 3) {
          on = (Math.floor((x + phase) / period) + Math.floor((y + phase) / period)) % 2 === 0;
        } else {
          const t = label === 0 ? y : label === 1 ? x : x + y;
          on = Math.sin((2 * Math.PI * (t + phase)) / period) > 0;
        }
        const value = (on ? high : low) + (random() - 0.5) * 60;
        images[i * size * size + y * size + x] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { images, labels, size, classes: PATTERN_CLASSES };
}

export function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: to - from }, (_, i) => from + i);
}

/** A pattern set as training data: the first `trainCount` images train, the rest validate. */
export function patternData(count: number, size: number, seed: number, trainCount: number) {
  const patterns = makePatterns(count, size, seed);
  return { images: patterns.images, labels: patterns.labels, trainIndices: range(0, trainCount), validationIndices: range(trainCount, count) };
}
