/**
 * Running several trials at once: where each concurrent slot trains, and a pool that
 * keeps at most N trainings in flight. A small network at 48 px leaves most of a GPU
 * idle, so several trials share one; with several GPUs each slot gets its own.
 */
import type { NativeInfo } from '../binding/native';
import type { TrialPlacement } from './trial-settings';

/** The placement of each of `parallel` slots, from the user's one placement. */
export function slotPlacements(base: TrialPlacement, parallel: number, info: Pick<NativeInfo, 'cuda' | 'cores'>): TrialPlacement[] {
  const usesCuda = base.device === 'cuda' || (base.device === 'auto' && info.cuda.available);
  // Every slot keeps the user's thread count: a CPU trial's key holds it, so sharing the
  // cores out by --parallel would make the same trial a different one under another --parallel.
  return Array.from({ length: parallel }, (_, slot) => ({
    device: usesCuda && info.cuda.devices > 1 ? `cuda:${slot % info.cuda.devices}` : base.device,
    threads: base.threads,
  }));
}

/**
 * Calls `work` for every item with at most `parallel` calls in flight, each told its slot.
 * Every started call is awaited before the first error is thrown, so no training is left
 * running unobserved when, say, Ctrl-C aborts the others.
 */
export async function runPool<T, R>(items: readonly T[], parallel: number, work: (item: T, slot: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (slot: number) => {
    while (next < items.length && errors.length === 0) {
      const index = next++;
      try {
        results[index] = await work(items[index], slot);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, (_, slot) => worker(slot)));
  if (errors.length > 0) throw errors[0];
  return results;
}
