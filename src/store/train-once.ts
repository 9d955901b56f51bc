/**
 * Trains a trial at most once among every process sharing the results file: the first to
 * claim its key trains it and stores it; the others wait for it and read it. A claim left
 * by a process that died is taken over, and the trial trained by the one taking it.
 */
import { setTimeout as delay } from 'timers/promises';

import { abortError } from '../util/errors';
import { CLAIM_HEARTBEAT_MS, CLAIM_STALE_MS, isClaimLostError, newClaimOwner, type ClaimHolder, type ClaimOwner } from './claims';
import { whileHolding } from './holding';
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

/**
 * The stored trial of `key`; if there is none, trains it with `train` (whose record must
 * carry `key`) and stores it. `train`'s signal is aborted when its claim is lost (another
 * process took it over as stale): its result is then not stored, and this call waits for
 * the new holder's instead.
 */
export async function trainOnce(
  store: Store,
  key: string,
  train: (claimLost: AbortSignal) => Promise<TrialRecord>,
  options: TrainOnceOptions = {},
): Promise<{ trial: TrialRecord; cached: boolean }> {
  const { result, cached } = await claimAndTrain<TrialRecord, TrialRecord>(
    store,
    key,
    (owner, staleMs) => {
      const claim = store.claimTrial(key, owner, staleMs);
      return claim.status === 'stored' ? { status: 'stored', stored: claim.trial } : claim;
    },
    async ({ owner, lost }) => {
      const trained = await train(lost);
      if (trained.key !== key) throw new Error(`training for trial ${key} returned trial ${trained.key}`);
      return store.saveTrial(trained, owner);
    },
    options,
  );
  return { trial: result, cached };
}

/** What a claim attempt found: a stored result, a claim now held, or another owner's live claim. */
export type WorkClaim<Stored> = { status: 'stored'; stored: Stored } | { status: 'claimed' } | { status: 'held'; holder: ClaimHolder };

/** What a holder trains under: its claim's owner (to store with) and the signal aborted when the claim is lost. */
export interface Holding {
  owner: ClaimOwner;
  lost: AbortSignal;
}

/**
 * The loop behind trainOnce, for any result claimed under a trial claim's subject (a
 * full-length trial, or a rung of one): `claim` looks for a stored result or takes the
 * claim; `trainAndStore` runs while the claim is held and must store what it trains as
 * `owner` (Store.saveTrial, saveRung), so that nothing is stored once the claim is lost.
 * A lost claim sends the loop back to waiting for the new holder's result.
 */
export async function claimAndTrain<Stored, Trained>(
  store: Store,
  subject: string,
  claim: (owner: ClaimOwner, staleMs: number) => WorkClaim<Stored>,
  trainAndStore: (holding: Holding) => Promise<Trained>,
  options: TrainOnceOptions = {},
): Promise<{ result: Stored | Trained; cached: boolean }> {
  const owner = options.owner ?? newClaimOwner();
  let waiting = false;
  for (;;) {
    if (options.signal?.aborted) throw abortError();
    const found = claim(owner, options.staleMs ?? CLAIM_STALE_MS);
    if (found.status === 'stored') return { result: found.stored, cached: true };
    if (found.status === 'claimed') {
      try {
        const result = await whileHolding(store, 'trial', subject, owner, options.heartbeatMs ?? CLAIM_HEARTBEAT_MS, (lost) => trainAndStore({ owner, lost }));
        return { result, cached: false };
      } catch (error) {
        if (!isClaimLostError(error)) throw error;
        // Someone else trains it now: wait for its result like any other waiter.
        continue;
      }
    }
    if (!waiting) options.onWait?.(found.holder);
    waiting = true;
    await delay(options.pollMs ?? 1000, undefined, { signal: options.signal });
  }
}
