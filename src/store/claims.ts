/**
 * Claims: which process is training a trial or running a run, in the results file that
 * several processes may share. A claim stays live while its holder renews it (a heartbeat);
 * one not renewed within a timeout is stale, and so at once is one whose process, on this
 * host, has ended (a SIGKILLed process leaves its claims behind). A stale claim is taken
 * over by the next claimant.
 */
import crypto from 'crypto';
import os from 'os';

export type ClaimKind = 'trial' | 'run';

/** One claimant: every trial trained and every run stepped gets its own, so two in one process differ too. */
export interface ClaimOwner {
  /** `host:pid:random` */
  id: string;
  host: string;
  pid: number;
}

/** A claim as stored; times in ms since the epoch. */
export interface ClaimHolder extends ClaimOwner {
  claimedAt: number;
  heartbeatAt: number;
}

/** A claim not renewed for this long is stale, wherever its holder runs. */
export const CLAIM_STALE_MS = 30_000;
/** How often a holder renews its claims: well within CLAIM_STALE_MS. */
export const CLAIM_HEARTBEAT_MS = 5_000;

export function newClaimOwner(): ClaimOwner {
  const host = os.hostname();
  return { id: `${host}:${process.pid}:${crypto.randomBytes(6).toString('hex')}`, host, pid: process.pid };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(holder: ClaimHolder, staleMs: number, at = Date.now()): boolean {
  return at - holder.heartbeatAt > staleMs || (holder.host === os.hostname() && !processAlive(holder.pid));
}

export function describeHolder(holder: ClaimHolder): string {
  return `host ${holder.host}, pid ${holder.pid}, since ${new Date(holder.claimedAt).toISOString()}`;
}

/**
 * A holder's claim is gone: taken over by another process (which counted it stale), or
 * removed. What the holder was doing under it is no longer its to store.
 */
export class ClaimLostError extends Error {
  override readonly name = 'ClaimLostError';
  constructor(
    readonly kind: ClaimKind,
    readonly subject: string,
    readonly holder: ClaimHolder | undefined,
  ) {
    super(`the claim on ${kind} ${subject} was ${holder ? `taken over by another process (${describeHolder(holder)})` : 'removed'}; what was done under it is not stored`);
  }
}

export function isClaimLostError(error: unknown): error is ClaimLostError {
  return error instanceof Error && error.name === 'ClaimLostError';
}
