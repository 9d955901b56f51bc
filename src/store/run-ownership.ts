/** One process at a time runs a run: two `evolve --resume N` of one run would interleave their steps. */
import { CLAIM_HEARTBEAT_MS, newClaimOwner, type ClaimOwner } from './claims';
import { whileHolding } from './holding';
import type { Store } from './store';

export interface RunOwnershipOptions {
  owner?: ClaimOwner;
  heartbeatMs?: number;
  /** When another owner's claim on the run counts as abandoned (see claims.ts). */
  staleMs?: number;
}

/**
 * Runs `work` as the owner of run `id`, renewing the ownership while it runs and giving it
 * up however it ends; a UsageError naming the holder, before `work` starts, while another
 * live process owns the run.
 */
export async function withRunOwnership<T>(store: Store, id: number, work: () => Promise<T>, options: RunOwnershipOptions = {}): Promise<T> {
  const owner = options.owner ?? newClaimOwner();
  store.acquireRun(id, owner, options.staleMs);
  return whileHolding(store, 'run', String(id), owner, options.heartbeatMs ?? CLAIM_HEARTBEAT_MS, work);
}
