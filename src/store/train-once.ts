/**
 * Trains a trial at most once among every process sharing the results file: the first to
 * claim its key trains it and stores it; the others wait for it and read it. A claim left
 * by a process that died is taken over, and the trial trained by the one taking it.
 */
import { setTimeout as delay } from 'timers/promises';

import { abortError } from '../errors';
import { CLAIM_HEARTBEAT_MS, CLAIM_STALE_MS, newClaimOwner, whileHolding, type ClaimHolder, type ClaimOwner } from './claims';
import type { Store, TrialRecord } from './store';

export interface TrainOnceOptions {
  /** Defaults to a new owner for this call, so two calls in one process never share a claim. */
  owner?: ClaimOwner;
  heartbeatMs?: number;
  /** When another owner's claim counts as abandoned (see claims.ts). */
  staleMs?: number;
  /** How often a waiting process looks again. */
  pollMs?: number;
  /** Stops waiting (an AbortError); `train` is expected to watch it too. */
  signal?: AbortSignal;
  /** Called once when another process is training the key and this call starts waiting for it. */
  onWait?: (holder: ClaimHolder) => void;
}

/** The stored trial of `key`; if there is none, trains it with `train` (whose record must carry `key`) and stores it. */
export async function trainOnce(
  store: Store,
  key: string,
  train: () => Promise<TrialRecord>,
  options: TrainOnceOptions = {},
): Promise<{ trial: TrialRecord; cached: boolean }> {
  const owner = options.owner ?? newClaimOwner();
  let waiting = false;
  for (;;) {
    if (options.signal?.aborted) throw abortError();
    const claim = store.claimTrial(key, owner, options.staleMs ?? CLAIM_STALE_MS);
    if (claim.status === 'stored') return { trial: claim.trial, cached: true };
    if (claim.status === 'claimed') {
      const trial = await whileHolding(store, 'trial', key, owner, options.heartbeatMs ?? CLAIM_HEARTBEAT_MS, async () => {
        const trained = await train();
        if (trained.key !== key) throw new Error(`training for trial ${key} returned trial ${trained.key}`);
        store.saveTrial(trained);
        return trained;
      });
      return { trial, cached: false };
    }
    if (!waiting) options.onWait?.(claim.holder);
    waiting = true;
    await delay(options.pollMs ?? 1000, undefined, { signal: options.signal });
  }
}
