/**
 * Multi-fidelity: how many epochs a candidate trains before it is compared with the
 * others. `full` trains every candidate the whole schedule (the paper's behaviour);
 * `halving` trains a new candidate `minEpochs` first and promotes the best to ×eta more
 * epochs, rung by rung, up to the full schedule (asynchronous successive halving).
 */
import { UsageError } from '../util/errors';

export const FIDELITIES = ['full', 'halving'] as const;
export type FidelityName = (typeof FIDELITIES)[number];

export interface Halving {
  /** Epochs of the first rung. */
  minEpochs: number;
  /** Each rung trains ×eta the epochs of the one below; the top ~1/eta of a rung is promoted. */
  eta: number;
}

export const DEFAULT_ETA = 3;

/** epochs/8 rounded up, at least 1: a first look at an eighth of the cost. */
export function defaultMinEpochs(epochs: number): number {
  return Math.max(1, Math.ceil(epochs / 8));
}

/** Epochs at each rung: min, min·eta, min·eta², … below `epochs`, then `epochs` itself (always the last rung). */
export function rungSchedule(epochs: number, halving: Halving): number[] {
  checkHalving(epochs, halving);
  const rungs: number[] = [];
  for (let at = halving.minEpochs; at < epochs; at *= halving.eta) rungs.push(at);
  rungs.push(epochs);
  return rungs;
}

export function checkHalving(epochs: number, halving: Halving): void {
  if (!Number.isInteger(halving.minEpochs) || halving.minEpochs < 1 || halving.minEpochs > epochs) {
    throw new UsageError(`--min-epochs must be an integer from 1 to --epochs (${epochs}) (got ${halving.minEpochs})`);
  }
  if (!Number.isInteger(halving.eta) || halving.eta < 2) throw new UsageError(`--eta must be an integer of at least 2 (got ${halving.eta})`);
}

/**
 * A rank that orders candidates by (rung reached, accuracy): any candidate at a higher
 * rung outranks every one below it, whatever their accuracy (0..1).
 */
export function rankScore(rung: number, accuracy: number): number {
  return rung * 2 + accuracy;
}

/** "trained 23 of 72 epochs of the full grid (32%)" */
export function describeCost(epochsTrained: number, fullGridEpochs: number): string {
  const share = fullGridEpochs > 0 ? Math.round((epochsTrained / fullGridEpochs) * 100) : 0;
  return `trained ${epochsTrained} of ${fullGridEpochs} epochs of the full grid (${share}%)`;
}
