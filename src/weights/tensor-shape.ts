/**
 * A tensor's declared shape, checked before anything is allocated for it: a list of
 * non-negative integers whose product is at most what the file can hold.
 */
import type { Fail } from './byte-cursor';

function isDimension(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Numbers of a list, all non-negative integers (`what` names it in the message). */
export function dimensions(value: unknown, what: string, fail: Fail): number[] {
  if (!Array.isArray(value) || value.length > 64 || !value.every(isDimension)) {
    fail(`${what} is not a list of at most 64 non-negative integers`);
  }
  return value as number[];
}

/** The element count of `shape`, failing once it passes `most` (so it never overflows). */
export function elementCount(shape: number[], most: number, what: string, fail: Fail): number {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const size of shape) {
    count *= size;
    if (count > most) fail(`${what} has shape [${shape.join(',')}]: more elements than the file holds (${most})`);
  }
  return count;
}
