/**
 * Rung states on the queue: the training state a fold of a trial reached after some epochs,
 * as a blob tagged with whose state it is (`<trial key>-e<epochs>-fold<n>`). A worker
 * continues only from states tagged for its job's trial, epochs and folds, and a
 * coordinator keeps only states tagged for the rung it asked for: a state is bound to its
 * trial's key, and through the key to the data set's fingerprint and the settings.
 */
import type { Redis } from 'ioredis';

import { blobMeta } from './blobs';

export interface StateOwner {
  key: string;
  epochs: number;
  /** 1-based. */
  fold: number;
}

const TAG = /^([0-9a-f]{64})-e(\d{1,6})-fold(\d{1,3})$/;

export function stateTag(owner: StateOwner): string {
  return `${owner.key}-e${owner.epochs}-fold${owner.fold}`;
}

/** The owner a tag names; undefined for anything that is not a tag. */
export function parseStateTag(tag: string | undefined): StateOwner | undefined {
  const match = tag === undefined ? null : TAG.exec(tag);
  return match ? { key: match[1], epochs: Number(match[2]), fold: Number(match[3]) } : undefined;
}

/** The states of a trial's folds after `epochs`, one tag per fold. */
export function foldStateTags(key: string, epochs: number, folds: number): string[] {
  return Array.from({ length: folds }, (_, i) => stateTag({ key, epochs, fold: i + 1 }));
}

/**
 * Why state blob `sha256` cannot stand for `tag` (missing from Redis, or the state of
 * another trial, rung or fold), or undefined when it can.
 */
export async function stateMismatch(redis: Redis, sha256: string, tag: string): Promise<string | undefined> {
  const meta = await blobMeta(redis, sha256);
  if (!meta) return `state ${sha256} is not in Redis`;
  if (meta.state !== tag) return `state ${sha256} is ${meta.state === undefined ? 'untagged' : `the state of ${meta.state}`}, not of ${tag}`;
  return undefined;
}
