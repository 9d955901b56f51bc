/**
 * Holding a claim while working under it: the heartbeat that renews it, and the signal that
 * tells the work when it was lost. Apart from claims.ts (what a claim is), which the store
 * itself uses, so that neither imports the other.
 */
import { ClaimLostError, type ClaimHolder, type ClaimKind, type ClaimOwner } from './claims';
import type { Store } from './store';

/**
 * Runs `work` under a claim already taken: renews it every `heartbeatMs`, and releases it
 * however `work` ends. A renewal that finds the claim gone aborts `work`'s signal with a
 * ClaimLostError, and `work` failing after that rejects with that error (whatever `work`
 * threw on the abort). Stores made under the claim check it themselves (Store.saveTrial).
 */
export async function whileHolding<T>(
  store: Store,
  kind: ClaimKind,
  subject: string,
  owner: ClaimOwner,
  heartbeatMs: number,
  work: (lost: AbortSignal) => Promise<T>,
): Promise<T> {
  const lost = new AbortController();
  const beat = setInterval(() => {
    let held: boolean;
    try {
      held = store.heartbeatClaim(kind, subject, owner);
    } catch {
      // A busy or closing file: the next beat tries again, and a claim outlives a few missed beats.
      return;
    }
    if (held) return;
    clearInterval(beat);
    let holder: ClaimHolder | undefined;
    try {
      holder = store.claimHolder(kind, subject);
    } catch {
      // Who holds it now only words the message.
    }
    lost.abort(new ClaimLostError(kind, subject, holder));
  }, heartbeatMs);
  beat.unref();
  try {
    return await work(lost.signal);
  } catch (error) {
    throw lost.signal.aborted ? (lost.signal.reason as ClaimLostError) : error;
  } finally {
    clearInterval(beat);
    store.releaseClaim(kind, subject, owner);
  }
}
